"""The two shops: browse by category, search, product details."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required

from shop.catalog.queries import find_category, product_on_sale, search_products, shop_products
from shop.clock import utcnow
from shop.extensions import db
from shop.models import ShopKind
from shop.ordering.basket import order_being_modified
from shop.web.params import enum_value

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
        shop_products(kind, utcnow(), category, order_being_modified(current_user)),
        per_page=current_app.config["SHOP_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("catalog/list.html", shop=kind, category=category, page=page)


@bp.get("/recherche")
@login_required
def search():
    terms = request.args.get("q", "").strip()[:100]
    page = db.paginate(
        search_products(terms, utcnow(), order_being_modified(current_user)),
        per_page=current_app.config["SHOP_PAGE_SIZE"],
        error_out=False,
    )
    return render_template("catalog/list.html", shop=None, category=None, page=page, terms=terms)


@bp.get("/produit/<int:product_id>")
@login_required
def product(product_id: int):
    item = product_on_sale(product_id, utcnow(), order_being_modified(current_user))
    if item is None:
        abort(404)
    return render_template("catalog/product.html", product=item)
