"""The two shops: browse by category, search, product details."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import login_required

from shop.catalog.queries import find_category, search_products, shop_products
from shop.extensions import db
from shop.models import Product, ShopKind
from shop.web.params import enum_value, get_or_404

bp = Blueprint("catalog", __name__)


def _shop_or_404(value: str) -> ShopKind:
    kind = enum_value(ShopKind, value)
    if kind is None:
        abort(404)
    return kind


@bp.get("/boutique/<shop>")
@bp.get("/boutique/<shop>/<slug>")
@login_required
def shop(shop: str, slug: str | None = None):
    kind = _shop_or_404(shop)
    category = None
    if slug is not None:
        category = find_category(kind, slug)
        if category is None:
            abort(404)
    page = db.paginate(
        shop_products(kind, category),
        per_page=current_app.config["SHOP_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("catalog/list.html", shop=kind, category=category, page=page)


@bp.get("/recherche")
@login_required
def search():
    terms = request.args.get("q", "").strip()[:100]
    page = db.paginate(
        search_products(terms), per_page=current_app.config["SHOP_PAGE_SIZE"], error_out=False
    )
    return render_template("catalog/list.html", shop=None, category=None, page=page, terms=terms)


@bp.get("/produit/<int:product_id>")
@login_required
def product(product_id: int):
    item = get_or_404(Product, product_id)
    if not item.offered:  # withdrawn, or in a deactivated category
        abort(404)
    return render_template("catalog/product.html", product=item)
