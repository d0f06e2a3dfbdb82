"""Saved orders waiting for their validation, as head office follows them."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from shop.models import Order, OrderStatus


def awaiting_validation() -> Select:
    """Saved orders by deadline, with their account and entity (shown on every row)."""
    return (
        select(Order)
        .where(Order.status == OrderStatus.SAVED)
        .order_by(Order.deadline)
        .options(joinedload(Order.account), joinedload(Order.entity))
    )
