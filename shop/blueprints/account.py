"""Mon compte: coordinates, delivery and billing addresses, orders in progress and validated."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop import accounts
from shop.blueprints.forms import CoordinatesForm, DeliveryForm
from shop.clock import utcnow
from shop.models import OrderStatus
from shop.ordering.basket import update_delivery_address
from shop.ordering.orders import account_orders, order_totals
from shop.quota.store import allocations_since
from shop.web.boundary import on_refusal

bp = Blueprint("account", __name__, url_prefix="/mon-compte")


def _page(coordinates: CoordinatesForm | None = None, delivery: DeliveryForm | None = None):
    account = current_user
    address, postcode, city = account.delivery()
    coordinates = coordinates or CoordinatesForm(obj=account, formdata=None)
    delivery = delivery or DeliveryForm(
        formdata=None,
        data={"delivery_address": address, "delivery_postcode": postcode, "delivery_city": city},
    )
    now = utcnow()
    orders = account_orders(account, now)
    allocations = allocations_since([e.id for e in account.orderable_entities()], now.year - 1)
    return render_template(
        "account/show.html",
        allocations=allocations,
        coordinates=coordinates,
        delivery=delivery,
        orders=orders,
        totals={o.id: order_totals(o) for o in orders.all},
        now=now,
        OrderStatus=OrderStatus,
    )


@bp.get("")
@login_required
def show():
    return _page()


@bp.post("/coordonnees")
@login_required
def update_coordinates():
    form = CoordinatesForm()
    if not form.validate_on_submit():
        return _page(coordinates=form), 400
    accounts.update_coordinates(
        current_user._get_current_object(),  # not the proxy: the audit log names its type
        last_name=form.last_name.data,
        first_name=form.first_name.data,
        email=form.email.data,
        phone=form.phone.data or "",
    )
    flash(_("Vos coordonnées sont enregistrées."), "success")
    return redirect(url_for("account.show"))


@bp.post("/adresse-livraison")
@login_required
def update_delivery():
    form = DeliveryForm()
    on_refusal(back=url_for("account.show"))  # overseas sections: their entity's address
    if not form.validate_on_submit():
        return _page(delivery=form), 400
    update_delivery_address(
        current_user._get_current_object(),
        form.delivery_address.data,
        form.delivery_postcode.data,
        form.delivery_city.data,
    )
    flash(_("Votre adresse de livraison est enregistrée."), "success")
    return redirect(url_for("account.show"))
