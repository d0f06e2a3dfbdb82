"""What can still be ordered of a product: its stock on hand less what orders hold.

``products.reserved_quantity`` sums every held reservation (see
shop.ordering.reservations). Saved orders past their validation deadline still hold theirs
until the sweeper or the next save of the product reclaims them; they never count here, so
availability is the same before and after any job runs. An order being modified in the
basket counts its own held units as available to it, as saving it again does.

Availability is a SQL expression (a correlated subquery), so a list loads it in the query
that lists its products whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import with_expression

from shop.extensions import db
from shop.models import Order, OrderLine, OrderStatus, Product
from shop.templating import decimal


def available_expression(now: datetime, own_order_id: int | None = None) -> ColumnElement[int]:
    """On hand − reserved + what saved orders past their deadline (and the order
    ``own_order_id``, being modified) still hold of the product."""
    releasable = or_(Order.deadline <= now, Order.id == own_order_id)
    if own_order_id is None:
        releasable = Order.deadline <= now
    released = (
        select(func.coalesce(func.sum(OrderLine.reserved_quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.product_id == Product.id,
            OrderLine.reserved_quantity > 0,
            Order.status == OrderStatus.SAVED,
            releasable,
        )
        .correlate(Product)
        .scalar_subquery()
    )
    return Product.stock_on_hand - Product.reserved_quantity + released


def with_availability(query: Select, now: datetime, own_order_id: int | None = None) -> Select:
    """``query`` (of products) loading ``Product.available_quantity`` in the same statement.

    ``populate_existing``: a product already in the session (e.g. through the basket) gets
    its availability too, instead of keeping None.
    """
    return query.options(
        with_expression(Product.available_quantity, available_expression(now, own_order_id))
    ).execution_options(populate_existing=True)


def available_quantities(
    product_ids: Iterable[int], now: datetime, own_order_id: int | None = None
) -> dict[int, int]:
    """What is available of each product, in one statement."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Product.id, available_expression(now, own_order_id)).where(Product.id.in_(ids))
    )
    return {product_id: max(int(available), 0) for product_id, available in rows}


def shortage_message(name: str, available: int):
    """« … » : what is left of a product, when less than wanted."""
    if available <= 0:
        return _l("« %(name)s » : plus aucun exemplaire disponible.", name=name)
    return _nl(
        "« %(name)s » : il ne reste qu'un exemplaire disponible.",
        "« %(name)s » : il ne reste que %(count)s exemplaires disponibles.",
        available,
        name=name,
        count=decimal(available),  # « 1 500 », the thousands grouped
    )
