"""Home page and language choice."""

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from shop.models import ShopKind
from shop.web.params import local_path

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_admin:
        return redirect(url_for("admin.accounts"))
    if current_user.is_logistician:
        return redirect(url_for("fulfilment.prepare"))
    return redirect(url_for("catalog.shop", shop=ShopKind.PRINTED.value))


@bp.post("/langue/<lang>")
def set_language(lang: str):
    if lang not in current_app.config["SHOP_LANGUAGES"]:
        abort(404)
    session["lang"] = lang
    return redirect(local_path(request.form.get("next"), url_for("main.index")))
