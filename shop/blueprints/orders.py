"""Orders: save the basket (reserve), the quote and its PDF, modify, validate."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from shop.blueprints.forms import ValidateForm
from shop.blueprints.guards import orderer_required
from shop.clock import shop_timezone, utcnow
from shop.documents.pdf import order_pdf, order_pdf_name
from shop.models import OrderStatus
from shop.ordering import fulfilment, orders, validation, workflow
from shop.quota import Outcome
from shop.web.boundary import on_refusal
from shop.web.params import form_id, form_int

bp = Blueprint("orders", __name__)


def _change(name: str, asked: int, now: int) -> str:
    if asked == 0:  # already at 0: kept for information
        return _("« %(name)s » : 0", name=name)
    return _("« %(name)s » : %(now)s au lieu de %(asked)s", name=name, now=now, asked=asked)


def _flash_quota(result, entity) -> None:
    """The three answers of "Mettre à jour" [004 §II.d], naming the entity chosen and, when
    lowered, each product with its new quantity."""
    if result.outcome is Outcome.ALL_AVAILABLE:
        message = _(
            "Les quantités choisies sont disponibles pour l'entité « %(entity)s », la limite "
            "mensuelle n'a pas été atteinte.",
            entity=entity.name,
        )
        flash(message, "success")
    elif result.outcome is Outcome.SOME_LOWERED:
        changes = " ; ".join(_change(*change) for change in orders.quota_changes(result))
        message = _(
            "Les quantités choisies ne sont pas disponibles pour l'entité « %(entity)s » car "
            "la limite mensuelle a déjà été atteinte pour une ou plusieurs référence(s). Les "
            "quantités ont été remises à jour dans la limite du maximum possible pour cette "
            "entité : %(changes)s.",
            entity=entity.name,
            changes=changes,
        )
        flash(message, "warning")
    else:
        message = _(
            "Les quantités choisies ne sont pas disponibles pour l'entité « %(entity)s » car "
            "la limite mensuelle a déjà été atteinte pour ces références. Merci de choisir "
            "d'autres références ou de passer la commande le mois prochain.",
            entity=entity.name,
        )
        flash(message, "danger")


def _own_order_or_404(order_id: int):
    try:
        return orders.find_own_order(current_user, order_id)
    except orders.OrderNotFound:
        abort(404)


@bp.post("/panier/enregistrer")
@orderer_required
def save():
    on_refusal(back=url_for("basket.show"))
    # What the basket page showed: what it already told the person is done, not refused.
    shown = orders.ShownBasket(
        recipient_id=form_int("recipient_id", minimum=1),
        lapsed_order_id=form_int("lapsed_order_id", minimum=1),
    )
    try:
        outcome = orders.save(
            current_user,
            utcnow(),
            shop_timezone(),
            current_app.config["SHOP_DISPATCH_WEEKDAY"],
            shown,
        )
    except orders.OrderNotFound:
        abort(404)
    if outcome.order is not None:
        flash(
            _(
                "Votre commande %(number)s est enregistrée : les produits sont réservés "
                "jusqu'à sa validation.",
                number=outcome.order.number,
            ),
            "success",
        )
        return redirect(url_for("orders.show", order_id=outcome.order.id))
    flash(str(outcome.refusal), "danger")
    if outcome.quota is not None:
        _flash_quota(outcome.quota, outcome.entity)
    elif outcome.expired:
        flash(
            _("Votre panier est conservé : enregistrez-le pour en faire une nouvelle commande."),
            "info",
        )
    return redirect(url_for("basket.show"))


@bp.post("/panier/entite")
@orderer_required
def update_recipient():
    """ "Mettre à jour": the chosen "Entité du destinataire" and its monthly quotas."""
    try:
        entity, result = orders.update_recipient(
            current_user, form_id("entity_id"), utcnow(), shop_timezone()
        )
    except orders.OrderNotFound:
        abort(404)
    _flash_quota(result, entity)
    return redirect(url_for("basket.show"))


@bp.get("/commande/<int:order_id>")
@orderer_required
def show(order_id: int):
    order = _own_order_or_404(order_id)
    form = ValidateForm(
        data={
            "reference": order.customer_reference,
            "delivery_name": order.delivery_name,
            "delivery_address": order.delivery_address,
            "delivery_postcode": order.delivery_postcode,
            "delivery_city": order.delivery_city,
            "delivery_phone": order.delivery_phone,
            "delivery_last_name": order.delivery_last_name,
            "delivery_first_name": order.delivery_first_name,
            "delivery_email": order.delivery_email,
            "ansh_number": order.ansh_number,
        }
    )
    form.show_fee(order.shipping_excl_vat)
    return _render_order(order, form)


def _render_order(order, form, status: int = 200):
    now = utcnow()
    return (
        render_template(
            "orders/show.html",
            order=order,
            totals=orders.order_totals(order),
            form=form,
            expired=order.is_expired(now),
            days_left=orders.days_left(order, now),
            events=fulfilment.history(order),
            now=now,
            event_label=workflow.event_label,
            OrderStatus=OrderStatus,
        ),
        status,
    )


@bp.get("/commande/<int:order_id>/pdf")
@orderer_required
def pdf(order_id: int):
    order = _own_order_or_404(order_id)
    response = make_response(order_pdf(order, orders.order_totals(order)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{order_pdf_name(order)}"'
    return response


@bp.post("/commande/<int:order_id>/modifier")
@orderer_required
def modify(order_id: int):
    on_refusal(back=url_for("orders.show", order_id=order_id))
    try:
        order = orders.start_modification(current_user, order_id, utcnow())
    except orders.OrderNotFound:
        abort(404)
    flash(
        _(
            "La commande %(number)s est dans votre panier : modifiez-la puis enregistrez-la. "
            "Ses produits restent réservés et sa date limite de validation ne change pas.",
            number=order.number,
        ),
        "info",
    )
    return redirect(url_for("basket.show"))


@bp.post("/commande/<int:order_id>/valider")
@orderer_required
def validate(order_id: int):
    order = _own_order_or_404(order_id)
    form = ValidateForm()
    if not form.validate_on_submit():
        return _render_order(order, form, 400)
    # A refusal naming a field (the delivery address) shows beside it, the order again;
    # any other one is a message on the order's page.
    on_refusal(
        form=form,
        render=lambda: _render_order(_own_order_or_404(order_id), form, 400),
        back=url_for("orders.show", order_id=order_id),
    )
    try:
        order = validation.validate_order(
            current_user,
            order_id,
            reference=form.reference.data or "",
            ansh_number=form.ansh_number.data or "",
            delivery=form.delivery(),
            now=utcnow(),
            tz=shop_timezone(),
            objects_per_year=current_app.config["SHOP_OBJECT_ORDERS_PER_YEAR"],
            contact_email=orders.head_office_contact(),
            shipping_seen=form.seen_fee(),
        )
    except orders.OrderNotFound:
        abort(404)
    except validation.ShippingChanged as changed:
        form.show_fee(changed.fee)  # shown now: « Valider » again confirms it
        raise
    flash(
        _(
            "Votre commande %(saved)s est validée sous le numéro %(number)s. Un email "
            "récapitulatif vous a été envoyé.",
            saved=order.number,
            number=order.validated_number,
        ),
        "success",
    )
    return redirect(url_for("orders.show", order_id=order.id))
