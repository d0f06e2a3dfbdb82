"""Mon panier: add, "Actualiser la quantité", "Supprimer", shipping and totals."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.blueprints.guards import orderer_required
from shop.clock import local_today
from shop.errors import DomainError
from shop.extensions import db
from shop.ordering import basket as baskets
from shop.web.params import local_path

bp = Blueprint("basket", __name__, url_prefix="/panier")

MAX_DIGITS = 9


def _int_field(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw.isdigit() or len(raw) > MAX_DIGITS:  # isdigit refuses "-3", "1.5", "abc"
        return None
    return int(raw)


@bp.get("")
@orderer_required
def show():
    view = baskets.view_basket(
        current_user, local_today(), current_app.config["SHOP_DISPATCH_WEEKDAY"]
    )
    return render_template("basket/show.html", view=view)


@bp.post("/ajouter")
@orderer_required
def add():
    product_id = _int_field("product_id")
    quantity = _int_field("quantity")
    if product_id is None:
        abort(404)
    back = local_path(request.form.get("next"), url_for("basket.show"))
    if quantity is None:
        flash(_("Quantité non valide : choisissez une quantité dans la liste."), "danger")
        return redirect(back)
    try:
        line = baskets.add_to_basket(current_user, product_id, quantity, local_today())
    except baskets.UnknownProduct:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(back)
    db.session.commit()
    flash(
        _(
            "« %(name)s » : %(quantity)s dans votre panier.",
            name=line.product.name,
            quantity=quantity,
        ),
        "success",
    )
    return redirect(back)


@bp.post("/produit/<int:product_id>/quantite")
@orderer_required
def update_quantity(product_id: int):
    quantity = _int_field("quantity")
    if quantity is None:
        flash(_("Quantité non valide : choisissez une quantité dans la liste."), "danger")
        return redirect(url_for("basket.show"))
    try:
        baskets.set_quantity(current_user, product_id, quantity, local_today())
    except baskets.UnknownProduct:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("basket.show"))
    db.session.commit()
    flash(_("La quantité a été mise à jour."), "success")
    return redirect(url_for("basket.show"))


@bp.post("/produit/<int:product_id>/supprimer")
@orderer_required
def remove(product_id: int):
    try:
        baskets.remove_line(current_user, product_id)
    except baskets.UnknownProduct:
        abort(404)
    db.session.commit()
    flash(_("Le produit a été retiré de votre panier."), "success")
    return redirect(url_for("basket.show"))


@bp.post("/vider")
@orderer_required
def empty():
    baskets.empty_basket(current_user)
    db.session.commit()
    flash(_("Votre panier a été vidé."), "success")
    return redirect(url_for("basket.show"))
