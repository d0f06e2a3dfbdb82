"""Quotas against the database: limits, what counts, and the locks taken to count.

What counts against an entity's month: the quantities of its orders created in that calendar
month (shop time zone) that are validated, or saved and still within their deadline. Expired
and cancelled orders never count. What counts against its year of objects: its orders of
objects validated that calendar year.

The ordering service asks here (:func:`check_month`, :func:`validated_object_orders`) and
applies the plain rules of :mod:`shop.quota.monthly` and :mod:`shop.quota.yearly`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from shop.extensions import db
from shop.models import (
    Allocation,
    Entity,
    EntityQuota,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    QuotaLock,
    ShopKind,
)
from shop.quota import QuotaLine, QuotaResult, check, month_bounds, month_key, year_bounds


def monthly_limits(entity_id: int, products: list[Product]) -> dict[int, int | None]:
    """Each product's monthly quota for this entity: its own override, else the default."""
    ids = [p.id for p in products]
    overrides = dict(
        db.session.execute(
            select(EntityQuota.product_id, EntityQuota.monthly_quota).where(
                EntityQuota.entity_id == entity_id, EntityQuota.product_id.in_(ids)
            )
        ).all()
    )
    return {p.id: overrides.get(p.id, p.monthly_quota) for p in products}


def counted_in_month(start: datetime, end: datetime, now: datetime) -> ColumnElement[bool]:
    """What counts against a month's quota: the orders created in it that are validated, or
    saved and still within their deadline (an expired reservation no longer counts)."""
    return and_(
        Order.created_at >= start,
        Order.created_at < end,
        or_(
            Order.status == OrderStatus.VALIDATED,
            and_(Order.status == OrderStatus.SAVED, Order.deadline > now),
        ),
    )


def used_this_month(
    entity_id: int,
    product_ids: list[int],
    month_of: datetime,
    now: datetime,
    tz: ZoneInfo,
    exclude_order_id: int | None = None,
) -> dict[int, int]:
    start, end = month_bounds(month_of, tz)
    query = (
        select(OrderLine.product_id, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.entity_id == entity_id,
            OrderLine.product_id.in_(product_ids),
            counted_in_month(start, end, now),
        )
        .group_by(OrderLine.product_id)
    )
    if exclude_order_id is not None:
        query = query.where(Order.id != exclude_order_id)
    return {product_id: int(total) for product_id, total in db.session.execute(query).all()}


def lock_month(entity_id: int, product_ids: list[int], month_of: datetime, tz: ZoneInfo) -> None:
    """Lock the (entity, product, month) rows, creating them if needed, in product order."""
    if not product_ids:
        return
    month = month_key(month_of, tz)
    rows = [{"entity_id": entity_id, "product_id": pid, "month": month} for pid in product_ids]
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # An executemany: the statement is compiled once whatever the number of products.
    db.session.execute(insert(QuotaLock).on_conflict_do_nothing(), rows)
    db.session.execute(
        select(QuotaLock.product_id)
        .where(
            QuotaLock.entity_id == entity_id,
            QuotaLock.month == month,
            QuotaLock.product_id.in_(sorted(product_ids)),
        )
        .order_by(QuotaLock.product_id)
        .with_for_update(key_share=True)
    ).all()


def quota_lines(
    entity_id: int,
    wanted: dict[int, int],
    products: dict[int, Product],
    *,
    month_of: datetime,
    now: datetime,
    tz: ZoneInfo,
    exclude_order_id: int | None = None,
    lock: bool = False,
) -> list[QuotaLine]:
    """The basket's lines with the entity's quota and consumption: 2 statements, 4 with the
    locks, whatever the number of lines."""
    chosen = [products[pid] for pid in wanted]
    limits = monthly_limits(entity_id, chosen)
    limited = [pid for pid, limit in limits.items() if limit is not None]
    if lock:
        lock_month(entity_id, limited, month_of, tz)
    used = (
        used_this_month(entity_id, limited, month_of, now, tz, exclude_order_id) if limited else {}
    )
    return [
        QuotaLine(
            product_id=pid,
            wanted=quantity,
            rule=products[pid].quantity_rule,
            monthly_quota=limits[pid],
            used=used.get(pid, 0),
        )
        for pid, quantity in wanted.items()
    ]


def check_month(
    entity_id: int,
    wanted: dict[int, int],
    products: dict[int, Product],
    *,
    month_of: datetime,
    now: datetime,
    tz: ZoneInfo,
    exclude_order_id: int | None = None,
    lock: bool = False,
) -> QuotaResult:
    """The monthly quota's verdict on these quantities for the entity (locked with ``lock``:
    then nobody else can consume the same quotas before this transaction ends)."""
    return check(
        quota_lines(
            entity_id,
            wanted,
            products,
            month_of=month_of,
            now=now,
            tz=tz,
            exclude_order_id=exclude_order_id,
            lock=lock,
        )
    )


def validated_object_orders(entity_id: int, now: datetime, tz: ZoneInfo) -> int:
    """How many orders of objects the entity has validated this calendar year (its row
    locked: two validations for one entity count one after the other)."""
    return object_orders_this_year(entity_id, now, tz)


def object_orders_this_year(
    entity_id: int,
    now: datetime,
    tz: ZoneInfo,
    *,
    saved_too: bool = False,
    exclude_order_id: int | None = None,
) -> int:
    """The entity's orders of objects validated this calendar year and, with ``saved_too``,
    those saved and still within their deadline (each may be validated): what a save
    counts, so that no order is saved that could never be validated.

    The entity's row is locked first (after the products, as validation locks them): two
    savers or validators for one entity count one after the other.
    """
    db.session.execute(
        select(Entity.id).where(Entity.id == entity_id).with_for_update(key_share=True)
    )
    year_start, year_end = year_bounds(now, tz)
    counted = and_(
        Order.status == OrderStatus.VALIDATED,
        Order.validated_at >= year_start,
        Order.validated_at < year_end,
    )
    if saved_too:
        counted = or_(counted, and_(Order.status == OrderStatus.SAVED, Order.deadline > now))
    query = select(func.count(Order.id)).where(
        Order.entity_id == entity_id, Order.shop == ShopKind.OBJECTS, counted
    )
    if exclude_order_id is not None:
        query = query.where(Order.id != exclude_order_id)
    return db.session.scalar(query)


def allocations_since(entity_ids: list[int], year: int) -> list[Allocation]:
    """The entities' annual allocations from ``year`` on, newest year first ("Mon compte")."""
    return list(
        db.session.scalars(
            select(Allocation)
            .where(Allocation.entity_id.in_(entity_ids), Allocation.year >= year)
            .options(joinedload(Allocation.entity), joinedload(Allocation.product))
            .order_by(Allocation.year.desc(), Allocation.entity_id)
        )
    )
