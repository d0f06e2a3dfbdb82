""" "Valider votre commande": the order becomes final, numbered ``C0001``, and its
confirmation is queued (its PDF is made by the relay when it sends, never here)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.addresses import REQUIRED, clean_block, overseas_zone
from shop.extensions import db
from shop.models import Account, DeliveryStatus, InvoiceStatus, Order, OrderLine, ShopKind
from shop.notifications import queue_email
from shop.ordering import workflow
from shop.ordering.basket import lock_basket, require_address_changeable
from shop.ordering.numbers import next_validated_number
from shop.ordering.orders import (
    DeliveryAddress,
    OrderError,
    OrderExpired,
    expired_message,
    lock_own_order,
    object_orders_limit_error,
    order_totals,
    require_open,
)
from shop.ordering.pricing import compute_totals
from shop.ordering.reservations import lock_products
from shop.ordering.shipping import reestimate_fee
from shop.quota import may_validate_another
from shop.quota.store import validated_object_orders
from shop.templating import money


def validate_order(
    account: Account,
    order_id: int,
    *,
    reference: str,
    ansh_number: str,
    delivery: DeliveryAddress | None,
    now: datetime,
    tz: ZoneInfo,
    objects_per_year: int,
    contact_email: str,
    shipping_seen: Decimal | None = None,
) -> Order:
    """ "Valider votre commande": final, no later change.

    Locks in the order every writer uses (basket, order, products): the order row is
    re-checked inside its lock, so a validation racing the expiry sweeper (or a second
    click) sees the other's result, exactly one wins; and with its products locked, the
    order's reservation is checked whole, in case a saver whose clock had passed the
    deadline reclaimed it a moment earlier.

    A delivery address typed here that changes the shipping fee is refused with the new fee
    and total (:class:`ShippingChanged`), nothing changed, unless ``shipping_seen`` (the fee
    the page showed, H.T.) is that new fee: the person confirms a total they have seen.

    The confirmation e-mail is queued here, whoever validates (a page, a script, the demo):
    it leaves with the commit, its PDF made by the relay.
    """
    basket = lock_basket(account)
    order = lock_own_order(account, order_id)
    require_open(order, now)
    lock_products(line.product_id for line in order.lines)
    held = db.session.scalars(
        select(OrderLine.reserved_quantity < OrderLine.quantity).where(
            OrderLine.order_id == order.id
        )
    ).all()
    if any(held):  # reclaimed by a concurrent save: the deadline has in fact passed
        raise OrderExpired(expired_message(order))
    if order.shop is ShopKind.OBJECTS:
        _check_yearly_object_orders(order, now, tz, objects_per_year, contact_email)
    ansh_number = _clean_ansh(ansh_number)
    if delivery is not None and _delivery_changed(order, delivery):
        require_address_changeable(order.entity, field="delivery_address")
        _deliver_elsewhere(order, delivery, shipping_seen)
    # Last of the checks: the counter row stays locked until the commit, and every
    # validation in the shop queues on it.
    order.validated_number = next_validated_number()
    order.delivery_status = DeliveryStatus.PREPARING
    order.invoice_status = InvoiceStatus.AWAITING_INVOICE
    order.validated_at = now
    order.customer_reference = reference.strip()
    order.ansh_number = ansh_number
    workflow.apply(order, "validate", workflow.Actor.of(account), now)
    if basket.order_id == order.id:  # a modification left pending: the order is now final
        basket.lines.clear()
        basket.order_id = None
    db.session.flush()
    # The confirmation, sent after the commit. Its PDF is made by the relay when it sends
    # (``attach_order``), not here where every validation in the shop waits on the counter.
    queue_email(
        recipient=order.account.email,
        kind="order-validated",
        template="order_validated",
        locale=order.account.locale,
        attach_order=order,
        order=order,
        totals=order_totals(order),
    )
    return order


ANSH_REQUIRED = _l("Renseignez le N° ANSH de la commande.")
ANSH_INVALID = _l(
    "N° ANSH non valide : 32 caractères au plus, lettres, chiffres, espaces, tirets, points "
    "ou barres obliques."
)
ANSH = re.compile(r"[0-9A-Za-z][0-9A-Za-z ./_-]{0,31}")


def _clean_ansh(value: str) -> str:
    """« N° ANSH à renseigner »: required (the guide asks for it at validation), kept as typed."""
    value = " ".join((value or "").split())
    if not value:
        raise OrderError(ANSH_REQUIRED, field="ansh_number")
    if not ANSH.fullmatch(value):
        raise OrderError(ANSH_INVALID, field="ansh_number")
    return value


def _delivery_changed(order: Order, delivery: DeliveryAddress) -> bool:
    return (order.delivery_name, order.delivery_block) != (delivery.name.strip(), delivery.block)


class ShippingChanged(OrderError):
    """The address typed at validation changes the shipping fee: the person is told the new
    fee and total and validates again to confirm them; ``fee`` is the new fee H.T."""

    def __init__(self, message, fee: Decimal):
        super().__init__(message, field="delivery_postcode")
        self.fee = fee


def _deliver_elsewhere(order: Order, delivery: DeliveryAddress, seen: Decimal | None) -> None:
    """The delivery address changed for this order: checked, kept, and its shipping
    estimated again for the new address's zone (« Cette adresse sert de base au calcul des
    frais de port »), so the totals, PDF and e-mail show the new fee. A fee other than the
    order's is only taken once the page has shown it (``seen``)."""
    block = clean_block(delivery.block, "delivery_")
    name = delivery.name.strip()
    if not name:
        raise OrderError(REQUIRED, field="delivery_name")
    weight = sum(line.product.weight_grams * line.quantity for line in order.lines)
    overseas = overseas_zone(block.postcode, order.entity.overseas)
    shipping = reestimate_fee(order.shop, weight, overseas, order.dispatch_date)
    if shipping.fee_excl_vat not in (order.shipping_excl_vat, seen):
        total = compute_totals(order.lines, shipping).total_incl_vat
        raise ShippingChanged(
            _l(
                "Avec cette adresse de livraison, les frais de port passent de %(before)s à "
                "%(after)s H.T. et le total de votre commande devient %(total)s T.T.C. "
                "Cliquez de nouveau sur « Valider votre commande » pour confirmer.",
                before=money(order.shipping_excl_vat),
                after=money(shipping.fee_excl_vat),
                total=money(total),
            ),
            fee=shipping.fee_excl_vat,
        )
    order.delivery_name = name[:160]
    block.copy_to(order, "delivery_")
    order.shipping_carrier = shipping.carrier
    order.shipping_excl_vat = shipping.fee_excl_vat
    order.shipping_vat = shipping.vat
    order.estimated_delivery = shipping.delivery_date


def _check_yearly_object_orders(
    order: Order, now: datetime, tz: ZoneInfo, limit: int, contact_email: str
) -> None:
    if not may_validate_another(validated_object_orders(order.entity_id, now, tz), limit):
        raise object_orders_limit_error(limit, contact_email)
