"""Head office's operations on quotas and allocations, each with its audit entry.

- a product's default monthly quota, and an entity's own quota overriding it;
- an entity's annual allocation ("dotation") of a product, and what of it was delivered.

The lists the admin pages show are statements here too, so that a page's queries do not
grow with its rows.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from shop.accounts import audit
from shop.clock import shop_timezone
from shop.errors import DomainError
from shop.extensions import db
from shop.models import (
    Account,
    Allocation,
    Category,
    Entity,
    EntityQuota,
    Order,
    OrderLine,
    Product,
    ShopKind,
)
from shop.quota.monthly import month_bounds
from shop.quota.store import counted_in_month

# The largest monthly quota, on the product form and on the quotas page alike: far above
# any real need, and within an INTEGER column.
MAX_MONTHLY_QUOTA = 1_000_000_000
# An allocation's year, as the allocations page offers it.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_monthly_quota(quota: int | None) -> None:
    """A monthly quota is empty (no quota) or a whole number from 0 to the maximum."""
    if quota is not None and not 0 <= quota <= MAX_MONTHLY_QUOTA:
        raise DomainError(
            _l(
                "Le quota mensuel doit être un nombre entier de 0 à %(max)s.",
                max=f"{MAX_MONTHLY_QUOTA:,}".replace(",", "\u202f"),
            ),
            field="monthly_quota",
        )


# --- monthly quotas ---------------------------------------------------------------------


def printed_products() -> Select:
    """The active printed products, the ones quotas and allocations are about."""
    return (
        select(Product)
        .join(Product.category)
        .where(Category.shop == ShopKind.PRINTED, Product.active.is_(True))
        .order_by(Category.position, Product.name)
    )


def set_default_quota(product: Product, quota: int | None, actor: Account | None) -> None:
    """The product's monthly quota for every entity without its own (None: no quota)."""
    check_monthly_quota(quota)
    before = product.monthly_quota
    product.monthly_quota = quota
    db.session.flush()
    audit.record(
        actor, "quota.default", product, {"monthly_quota": before}, {"monthly_quota": quota}
    )


def set_entity_quota(
    product: Product, entity: Entity, quota: int | None, actor: Account | None
) -> None:
    """The entity's own monthly quota of the product (None: back to the product's)."""
    check_monthly_quota(quota)
    existing = db.session.get(EntityQuota, (entity.id, product.id))
    audit.record(
        actor,
        "quota.entity",
        product,
        {"entity": entity.code, "monthly_quota": existing.monthly_quota if existing else None},
        {"entity": entity.code, "monthly_quota": quota},
        label=f"{product.reference} / {entity.name}",
    )
    if quota is None:
        if existing is not None:
            db.session.delete(existing)
    elif existing is None:
        db.session.add(EntityQuota(entity_id=entity.id, product_id=product.id, monthly_quota=quota))
    else:
        existing.monthly_quota = quota
    db.session.flush()


def entity_quotas(product: Product, now: datetime) -> list[tuple[Entity, int | None, int]]:
    """Every entity with its own quota of the product (None: the product's) and what it
    received this month: three queries, whatever the number of entities."""
    entities = db.session.scalars(select(Entity).order_by(Entity.name)).all()
    overrides = dict(
        db.session.execute(
            select(EntityQuota.entity_id, EntityQuota.monthly_quota).where(
                EntityQuota.product_id == product.id
            )
        ).all()
    )
    start, end = month_bounds(now, shop_timezone())
    used = dict(
        db.session.execute(
            select(Order.entity_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.product_id == product.id, counted_in_month(start, end, now))
            .group_by(Order.entity_id)
        ).all()
    )
    return [(e, overrides.get(e.id), int(used.get(e.id) or 0)) for e in entities]


# --- annual allocations -----------------------------------------------------------------


def allocations_of(year: int) -> Select:
    """The allocations of a year, by entity, with their entity and product."""
    return (
        select(Allocation)
        .where(Allocation.year == year)
        .join(Allocation.entity)
        .options(contains_eager(Allocation.entity), joinedload(Allocation.product))
        .order_by(Entity.name, Allocation.id)
    )


def create_allocation(
    entity: Entity, product: Product, year: int, quantity: int, actor: Account | None
) -> Allocation:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _l(
                "Année non valide : choisissez une année de %(first)s à %(last)s.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
            field="year",
        )
    duplicate = DomainError(
        _l("Cette entité a déjà une dotation de ce produit pour cette année."), field="product_id"
    )
    allocation = Allocation(entity=entity, product=product, year=year, quantity=quantity)
    try:
        with db.session.begin_nested():  # two admins giving the same allocation at once
            db.session.add(allocation)
    except IntegrityError as error:
        raise duplicate from error
    audit.record(
        actor,
        "allocation.create",
        allocation,
        after={
            "entity": entity.code,
            "product": product.reference,
            "year": year,
            "quantity": quantity,
        },
        label=f"{product.reference} / {entity.name} / {year}",
    )
    return allocation


def record_delivery(allocation: Allocation, delivered: int, actor: Account | None) -> None:
    """How much of the allocation was delivered so far (never more than allocated)."""
    if delivered > allocation.quantity:
        raise DomainError(
            _l("La quantité livrée ne peut dépasser la dotation."), field="delivered_quantity"
        )
    audit.record(
        actor,
        "allocation.delivered",
        allocation,
        {"delivered_quantity": allocation.delivered_quantity},
        {"delivered_quantity": delivered},
        label=f"{allocation.product.reference} / {allocation.entity.name} / {allocation.year}",
    )
    allocation.delivered_quantity = delivered
    db.session.flush()
