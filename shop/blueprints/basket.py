"""Mon panier: add, "Actualiser la quantité", "Supprimer", the delivery address, shipping and
totals."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.blueprints.forms import BasketDeliveryForm
from shop.blueprints.guards import orderer_required
from shop.clock import local_today, utcnow
from shop.ordering import basket as baskets
from shop.templating import decimal
from shop.web.boundary import on_refusal
from shop.web.params import form_id, form_int, local_path

bp = Blueprint("basket", __name__, url_prefix="/panier")


def _quantity(product_id: int | None) -> int:
    """The quantity chosen in the list or typed; refused with the message when it is none."""
    quantity = form_int("quantity")
    if quantity is None:
        raise baskets.unreadable_quantity(product_id, utcnow())
    return quantity


def _page(delivery_form: BasketDeliveryForm | None = None):
    view = baskets.view_basket(
        current_user, local_today(), current_app.config["SHOP_DISPATCH_WEEKDAY"]
    )
    if delivery_form is None:
        data = {"delivery_" + k: v for k, v in asdict(view.delivery_block).items()}
        delivery_form = BasketDeliveryForm(formdata=None, data=data)
    return render_template("basket/show.html", view=view, delivery_form=delivery_form, now=utcnow())


@bp.get("")
@orderer_required
def show():
    return _page()


@bp.post("/adresse-livraison")
@orderer_required
def update_delivery():
    """« Adresse de livraison » of this order, typed in the basket (Mon compte's stays)."""
    form = BasketDeliveryForm()
    if not form.validate_on_submit():
        return _page(form), 400
    on_refusal(form=form, render=lambda: (_page(form), 400), back=url_for("basket.show"))
    baskets.set_basket_delivery(current_user, form.block())
    flash(
        _(
            "L'adresse de livraison de cette commande est enregistrée ; les frais de port "
            "sont calculés pour cette adresse."
        ),
        "success",
    )
    return redirect(url_for("basket.show"))


@bp.post("/ajouter")
@orderer_required
def add():
    product_id = form_id("product_id")
    back = local_path(request.form.get("next"), url_for("basket.show"))
    on_refusal(back=back)
    quantity = _quantity(product_id)
    try:
        line = baskets.add_to_basket(current_user, product_id, quantity, local_today())
    except baskets.UnknownProduct:
        abort(404)
    flash(
        _(
            "« %(name)s » : %(quantity)s dans votre panier.",
            name=line.product.name,
            quantity=decimal(quantity),
        ),
        "success",
    )
    return redirect(back)


@bp.post("/produit/<int:product_id>/quantite")
@orderer_required
def update_quantity(product_id: int):
    on_refusal(back=url_for("basket.show"))
    quantity = _quantity(product_id)
    try:
        baskets.set_quantity(current_user, product_id, quantity, local_today())
    except baskets.UnknownProduct:
        abort(404)
    flash(_("La quantité a été mise à jour."), "success")
    return redirect(url_for("basket.show"))


@bp.post("/produit/<int:product_id>/supprimer")
@orderer_required
def remove(product_id: int):
    try:
        baskets.remove_line(current_user, product_id)
    except baskets.UnknownProduct:
        abort(404)
    flash(_("Le produit a été retiré de votre panier."), "success")
    return redirect(url_for("basket.show"))


@bp.post("/vider")
@orderer_required
def empty():
    baskets.empty_basket(current_user)
    flash(_("Votre panier a été vidé."), "success")
    return redirect(url_for("basket.show"))
