"""Mon compte: coordinates, delivery and billing addresses, orders in progress and validated."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop import accounts
from shop.addresses import Block
from shop.blueprints.forms import BillingForm, BlockForm, CoordinatesForm, DeliveryForm
from shop.blueprints.guards import orderer_required
from shop.clock import utcnow
from shop.models import OrderStatus
from shop.ordering.basket import update_delivery_address
from shop.ordering.orders import account_orders, order_totals
from shop.quota.store import allocations_since
from shop.web.boundary import on_refusal

bp = Blueprint("account", __name__, url_prefix="/mon-compte")


def _page(
    coordinates: CoordinatesForm | None = None,
    delivery: BlockForm | None = None,
    billing: BlockForm | None = None,
):
    account = current_user
    coordinates = coordinates or CoordinatesForm(obj=account, formdata=None)
    delivery = delivery or _filled(DeliveryForm, account.delivery_block(), "delivery_")
    billing = billing or _filled(BillingForm, account.billing_block(), "billing_")
    now = utcnow()
    orders = account_orders(account, now)
    allocations = []
    # Who orders nothing (logisticians) has no addresses or allocations to see.
    if account.may_order:
        allocations = allocations_since(_allocation_entities(account), now.year - 1)
    return render_template(
        "account/show.html",
        allocations=allocations,
        coordinates=coordinates,
        delivery=delivery,
        billing=billing,
        orders=orders,
        totals={o.id: order_totals(o) for o in orders.all},
        now=now,
        OrderStatus=OrderStatus,
    )


def _allocation_entities(account) -> list[int]:
    """Whose allocations « Mes supports dotation siège » lists: the sections the account
    orders for; head office, which may order for every entity, sees its own."""
    if account.is_admin:
        return [account.entity_id]
    return [e.id for e in account.orderable_entities()]


@bp.get("")
@login_required
def show():
    return _page()


def _filled(form_class: type[BlockForm], block: Block, prefix: str) -> BlockForm:
    return form_class(formdata=None, data={prefix + k: v for k, v in asdict(block).items()})


@bp.post("/coordonnees")
@login_required
def update_coordinates():
    form = CoordinatesForm()
    if not form.validate_on_submit():
        return _page(coordinates=form), 400
    on_refusal(form=form, render=lambda: (_page(coordinates=form), 400))
    accounts.update_coordinates(
        current_user._get_current_object(),  # not the proxy: the audit log names its type
        last_name=form.last_name.data,
        first_name=form.first_name.data,
        email=form.email.data,
        phone=form.phone.data or "",
        address=form.address.data or "",
        postcode=form.postcode.data or "",
        city=form.city.data or "",
    )
    flash(_("Vos coordonnées sont enregistrées."), "success")
    return redirect(url_for("account.show"))


@bp.post("/adresse-livraison")
@orderer_required
def update_delivery():
    form = DeliveryForm()
    if not form.validate_on_submit():
        return _page(delivery=form), 400
    # Overseas sections: their entity's address (a message, the page again).
    on_refusal(form=form, render=lambda: (_page(delivery=form), 400), back=url_for("account.show"))
    update_delivery_address(current_user._get_current_object(), form.block())
    flash(_("Votre adresse de livraison est enregistrée."), "success")
    return redirect(url_for("account.show"))


@bp.post("/adresse-facturation")
@orderer_required
def update_billing():
    form = BillingForm()
    if not form.validate_on_submit():
        return _page(billing=form), 400
    on_refusal(form=form, render=lambda: (_page(billing=form), 400))
    accounts.update_billing_address(current_user._get_current_object(), form.block())
    flash(_("Votre adresse de facturation est enregistrée."), "success")
    return redirect(url_for("account.show"))
