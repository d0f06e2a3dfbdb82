"""Stock reservations: product rows locked in a fixed order, a counter the database bounds.

``products.reserved_quantity`` is the sum of the order lines' ``reserved_quantity``; a CHECK
constraint keeps it between 0 and the stock on hand, so availability can never go negative
whatever the code does. Reservations of saved orders past their deadline never count: every
reservation first reclaims them for the products it locks, before any job has run.

Row locks are ``FOR NO KEY UPDATE`` (``key_share=True``): savers still exclude each other,
but adding a basket line, which takes PostgreSQL's ``KEY SHARE`` lock on the product through
its foreign key, neither waits for a save nor deadlocks with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from shop.extensions import db
from shop.models import Order, OrderLine, OrderStatus, Product


def lock_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """Lock the products' rows in id order (no deadlock between opposite baskets)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    query = (
        select(Product)
        .where(Product.id.in_(ids))
        .order_by(Product.id)
        .with_for_update(of=Product, key_share=True)  # see module docstring
        .execution_options(populate_existing=True)
    )
    return {product.id: product for product in db.session.scalars(query)}


def reclaim_expired(product_ids: Iterable[int], now: datetime) -> None:
    """Release what saved orders past their deadline still hold of these (locked) products."""
    ids = sorted(set(product_ids))
    expired_lines = (
        select(OrderLine.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.product_id.in_(ids),
            OrderLine.reserved_quantity > 0,
            Order.status == OrderStatus.SAVED,
            Order.deadline <= now,
        )
    )
    held = db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.reserved_quantity))
        .where(OrderLine.id.in_(expired_lines))
        .group_by(OrderLine.product_id)
    ).all()
    if not held:
        return
    db.session.execute(
        update(OrderLine)
        .where(OrderLine.id.in_(expired_lines.scalar_subquery()))
        .values(reserved_quantity=0)
        .execution_options(synchronize_session="fetch")
    )
    add_reserved({product_id: -int(quantity) for product_id, quantity in held})


def add_reserved(deltas: dict[int, int]) -> None:
    """Apply reservation changes in one executemany; the CHECK constraint guards the result."""
    changes = [{"pid": pid, "delta": delta} for pid, delta in sorted(deltas.items()) if delta]
    if not changes:
        return
    db.session.connection().execute(
        update(Product.__table__)
        .where(Product.__table__.c.id == bindparam("pid"))
        .values(reserved_quantity=Product.__table__.c.reserved_quantity + bindparam("delta")),
        changes,
    )
    # Keep the locked objects in step with the rows just changed, without reloading them.
    for change in changes:
        product = db.session.identity_map.get(identity_key(Product, change["pid"]))
        if product is not None:
            set_committed_value(
                product, "reserved_quantity", product.reserved_quantity + change["delta"]
            )


def release_orders(order_ids: list[int]) -> int:
    """Give back everything these orders still hold; return the units released.

    Products are locked in id order first, then the held quantities are read: a saver that
    reclaimed some of them meanwhile (under the same locks) is never subtracted twice.
    """
    if not order_ids:
        return 0
    held_lines = OrderLine.order_id.in_(order_ids), OrderLine.reserved_quantity > 0
    product_ids = db.session.scalars(
        select(OrderLine.product_id).where(*held_lines).distinct()
    ).all()
    if not product_ids:
        return 0
    db.session.execute(
        select(Product.id)
        .where(Product.id.in_(product_ids))
        .order_by(Product.id)
        .with_for_update(of=Product, key_share=True)
    ).all()
    held = db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.reserved_quantity))
        .where(*held_lines)
        .group_by(OrderLine.product_id)
    ).all()
    db.session.execute(
        update(OrderLine)
        .where(*held_lines)
        .values(reserved_quantity=0)
        .execution_options(synchronize_session=False)
    )
    add_reserved({product_id: -int(quantity) for product_id, quantity in held})
    return sum(int(quantity) for _, quantity in held)
