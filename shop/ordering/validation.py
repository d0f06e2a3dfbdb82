""" "Valider votre commande": the order becomes final, numbered ``C0001``, and its
confirmation is queued (its PDF is made by the relay when it sends, never here)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shop.extensions import db
from shop.models import Account, DeliveryStatus, InvoiceStatus, Order, OrderLine, ShopKind
from shop.notifications import queue_email
from shop.ordering import workflow
from shop.ordering.basket import lock_basket, require_address_changeable
from shop.ordering.numbers import next_validated_number
from shop.ordering.orders import (
    DeliveryAddress,
    OrderExpired,
    expired_message,
    lock_own_order,
    object_orders_limit_error,
    order_totals,
    require_open,
)
from shop.ordering.reservations import lock_products
from shop.quota import may_validate_another
from shop.quota.store import validated_object_orders


def validate_order(
    account: Account,
    order_id: int,
    *,
    reference: str,
    delivery: DeliveryAddress | None,
    now: datetime,
    tz: ZoneInfo,
    objects_per_year: int,
    contact_email: str,
) -> Order:
    """ "Valider votre commande": final, no later change.

    Locks in the order every writer uses (basket, order, products): the order row is
    re-checked inside its lock, so a validation racing the expiry sweeper (or a second
    click) sees the other's result, exactly one wins; and with its products locked, the
    order's reservation is checked whole, in case a saver whose clock had passed the
    deadline reclaimed it a moment earlier.

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
    if delivery is not None and _delivery_changed(order, delivery):
        require_address_changeable(order.entity, field="delivery_address")
        order.delivery_name = delivery.name
        order.delivery_address = delivery.address
        order.delivery_postcode = delivery.postcode
        order.delivery_city = delivery.city
        order.delivery_phone = delivery.phone
    # Last of the checks: the counter row stays locked until the commit, and every
    # validation in the shop queues on it.
    order.validated_number = next_validated_number()
    order.delivery_status = DeliveryStatus.PREPARING
    order.invoice_status = InvoiceStatus.AWAITING_INVOICE
    order.validated_at = now
    order.customer_reference = reference.strip()
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


def _delivery_changed(order: Order, delivery: DeliveryAddress) -> bool:
    current = (
        order.delivery_name,
        order.delivery_address,
        order.delivery_postcode,
        order.delivery_city,
        order.delivery_phone,
    )
    return current != (
        delivery.name,
        delivery.address,
        delivery.postcode,
        delivery.city,
        delivery.phone,
    )


def _check_yearly_object_orders(
    order: Order, now: datetime, tz: ZoneInfo, limit: int, contact_email: str
) -> None:
    if not may_validate_another(validated_object_orders(order.entity_id, now, tz), limit):
        raise object_orders_limit_error(limit, contact_email)
