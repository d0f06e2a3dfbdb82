"""What a warehouse client lists of its shop's orders: a page at a time, by id."""

from __future__ import annotations

from dataclasses import dataclass

from shop.extensions import db
from shop.models import DeliveryStatus, Order, ShopKind
from shop.ordering import fulfilment

# The list's ``status`` parameter (documented in shop.api.openapi.LIST_STATUSES).
LIST_FILTERS = {
    "to_ship": fulfilment.TO_PREPARE,
    "shipped": (DeliveryStatus.SHIPPED,),
}


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_cursor: int | None  # the id to start the next page after; None on the last page


def order_page(shop: ShopKind, status: str, limit: int, cursor: int) -> OrderPage:
    """The shop's valid orders in ``status``, by id, the first ``limit`` after ``cursor``."""
    query = fulfilment.validated_orders(
        shop=shop, delivery=LIST_FILTERS[status], after_id=cursor, sort=fulfilment.BY_ID
    )
    rows = db.session.scalars(query.limit(limit + 1)).all()
    page = list(rows[:limit])
    return OrderPage(page, page[-1].id if len(rows) > limit else None)
