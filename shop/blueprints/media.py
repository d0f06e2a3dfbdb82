"""Uploaded files served to every signed-in user: the products' pictures.

Head office uploads them (``shop.blueprints.admin.catalog``); the catalog, the basket and
the product pages show them, through the ``product_image_url`` template global
(``shop.templating``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from flask_login import login_required
from werkzeug.utils import secure_filename

from shop.catalog.admin import IMAGE_MIMETYPES

bp = Blueprint("media", __name__, url_prefix="/media")


def product_upload_folder() -> Path:
    """Where uploaded product pictures are written and read."""
    root = current_app.config.get("SHOP_UPLOAD_FOLDER") or Path(
        current_app.instance_path, "uploads"
    )
    return Path(root) / "products"


@bp.get("/products/<name>", endpoint="product")
@login_required
def product_media(name: str):
    """An uploaded product picture, by its random file name."""
    extension = name.rpartition(".")[2]
    if secure_filename(name) != name or extension not in IMAGE_MIMETYPES:
        abort(404)
    response = send_from_directory(
        product_upload_folder(), name, mimetype=IMAGE_MIMETYPES[extension]
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
