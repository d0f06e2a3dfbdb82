"""Quotas and allocations: what each entity may receive."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models.catalog import Product
from shop.models.entities import Entity


class EntityQuota(db.Model):
    """An entity's own monthly quota for a product, overriding the product's default."""

    __tablename__ = "entity_quotas"
    __table_args__ = (CheckConstraint("monthly_quota >= 0", name="quota_not_negative"),)

    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    monthly_quota: Mapped[int] = mapped_column(Integer)

    entity: Mapped[Entity] = relationship()
    product: Mapped[Product] = relationship()


class QuotaLock(db.Model):
    """One row per (entity, product, month) that a save locks before counting what the
    entity already received that month: two savers for the same entity and product queue
    on it, so together they can never pass the quota."""

    __tablename__ = "quota_locks"

    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11", Paris time


class Allocation(db.Model):
    """Head office's annual allocation ("dotation") of a product to an entity."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint(
            "entity_id", "product_id", "year", name="uq_allocations_entity_product_year"
        ),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint(
            "delivered_quantity >= 0 AND delivered_quantity <= quantity", name="delivered_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    year: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    delivered_quantity: Mapped[int] = mapped_column(Integer, default=0)

    entity: Mapped[Entity] = relationship()
    product: Mapped[Product] = relationship()
