"""Head-office administration of the catalog and the stock (Administrateur siège only).

The pictures uploaded here are served to every signed-in user by :mod:`shop.blueprints.media`.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.blueprints.admin.forms import ImageForm, ProductForm, StockForm
from shop.blueprints.guards import admin_required
from shop.blueprints.media import product_upload_folder
from shop.catalog import admin as catalog_admin
from shop.clock import utcnow
from shop.extensions import db
from shop.french import elide
from shop.models import Product, ShopKind
from shop.templating import decimal, signed
from shop.web.boundary import on_refusal
from shop.web.params import arg_id, enum_value, get_or_404

bp = Blueprint("admin_catalog", __name__, url_prefix="/admin")

STOCK_REASONS = [
    _l("Réception fournisseur"),
    _l("Inventaire"),
    _l("Casse"),
    _l("Retour client"),
    _l("Correction d'erreur de saisie"),
]
STATUS_FILTERS = {"actifs": True, "inactifs": False}


# --- Products ---------------------------------------------------------------------------


@bp.get("/produits")
@admin_required
def products():
    terms = request.args.get("q", "").strip()[:80]
    shop = enum_value(ShopKind, request.args.get("boutique"))
    category_id = arg_id("categorie")
    status = request.args.get("statut", "")
    query = catalog_admin.admin_products(
        utcnow(), terms, shop, category_id, STATUS_FILTERS.get(status)
    )
    page = db.paginate(query, per_page=current_app.config["SHOP_PAGE_SIZE"], error_out=False)
    filters = {
        "q": terms,
        "boutique": shop.value if shop else "",
        "categorie": category_id or "",
        "statut": status if status in STATUS_FILTERS else "",
    }
    return render_template(
        "admin/catalog/products.html",
        page=page,
        filters=filters,
        categories=catalog_admin.categories(),
        shops=[ShopKind.PRINTED, ShopKind.OBJECTS],
    )


@bp.route("/produits/nouveau", methods=["GET", "POST"])
@admin_required
def product_new():
    form = ProductForm()

    def render():
        return render_template("admin/catalog/product_form.html", form=form, product=None)

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        product = catalog_admin.create_product(form.to_data(), current_user)
        flash(
            _(
                "Le produit %(reference)s est créé, sans stock : ajoutez-en depuis la page Stock.",
                reference=product.reference,
            ),
            "success",
        )
        return redirect(url_for("admin_catalog.product_edit", product_id=product.id))
    return render()


def _render_product(product_id: int, form: ProductForm, image_form: ImageForm):
    product = get_or_404(Product, product_id)  # as stored, after a rollback too
    return render_template(
        "admin/catalog/product_form.html", form=form, product=product, image_form=image_form
    )


@bp.route("/produits/<int:product_id>", methods=["GET", "POST"])
@admin_required
def product_edit(product_id: int):
    product = get_or_404(Product, product_id)
    form = ProductForm(obj=product)

    def render():
        return _render_product(product_id, form, ImageForm())

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        catalog_admin.update_product(product, form.to_data(), current_user)
        flash(
            _("Le produit %(reference)s est enregistré.", reference=product.reference),
            "success",
        )
        return redirect(url_for("admin_catalog.products"))
    return render()


@bp.post("/produits/<int:product_id>/image")
@admin_required
def product_image(product_id: int):
    product = get_or_404(Product, product_id)
    image_form = ImageForm()

    def render():
        stored = get_or_404(Product, product_id)
        return _render_product(product_id, ProductForm(obj=stored, formdata=None), image_form)

    if not image_form.validate_on_submit():
        return render()
    on_refusal(form=image_form, render=render)
    content = image_form.image.data.stream.read(catalog_admin.MAX_IMAGE_BYTES + 1)
    catalog_admin.store_product_image(product, content, product_upload_folder(), current_user)
    flash(
        _("L'image du produit %(reference)s est enregistrée.", reference=product.reference),
        "success",
    )
    return redirect(url_for("admin_catalog.product_edit", product_id=product.id))


@bp.post("/produits/<int:product_id>/activation")
@admin_required
def product_activation(product_id: int):
    """Deactivate or reactivate: products are never deleted, orders refer to them."""
    product = get_or_404(Product, product_id)
    choice = request.form.get("active")
    if choice not in {"0", "1"}:  # the form's buttons send one or the other
        abort(400)
    active = choice == "1"
    catalog_admin.set_active(product, active, current_user)
    if active:
        flash(_("Le produit %(reference)s est réactivé.", reference=product.reference), "success")
    else:
        flash(
            _(
                "Le produit %(reference)s est désactivé : il n'est plus proposé à la commande.",
                reference=product.reference,
            ),
            "success",
        )
    return redirect(url_for("admin_catalog.product_edit", product_id=product.id))


# --- Stock ------------------------------------------------------------------------------


@bp.get("/stock")
@admin_required
def stock():
    terms = request.args.get("q", "").strip()[:80]
    query = catalog_admin.admin_products(utcnow(), terms)
    page = db.paginate(query, per_page=current_app.config["SHOP_PAGE_SIZE"], error_out=False)
    latest = catalog_admin.latest_movements(15)
    return render_template("admin/catalog/stock.html", page=page, terms=terms, latest=latest)


def _render_history(product_id: int, form: StockForm):
    product = get_or_404(Product, product_id)
    page = db.paginate(catalog_admin.movements(product.id), per_page=50, error_out=False)
    return render_template(
        "admin/catalog/stock_history.html",
        product=product,
        form=form,
        page=page,
        reasons=[str(r) for r in STOCK_REASONS],
    )


@bp.get("/stock/<int:product_id>")
@admin_required
def stock_history(product_id: int):
    return _render_history(product_id, StockForm())


@bp.post("/stock/<int:product_id>")
@admin_required
def stock_adjust(product_id: int):
    product = get_or_404(Product, product_id)
    form = StockForm()
    if not form.validate_on_submit():
        return _render_history(product_id, form)
    on_refusal(form=form, render=lambda: _render_history(product_id, form))
    movement = catalog_admin.adjust_stock(
        product.id, form.delta.data, form.reason.data, current_user, utcnow()
    )
    flash(
        elide(
            _(
                "Stock de %(reference)s : %(delta)s, soit %(stock)s en stock.",
                reference=product.reference,
                delta=signed(movement.delta),
                stock=decimal(movement.stock_after),
            )
        ),
        "success",
    )
    return redirect(url_for("admin_catalog.stock_history", product_id=product.id))
