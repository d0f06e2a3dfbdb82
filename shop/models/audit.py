"""The audit log: every change head office makes, who, when, what, before → after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.dbtypes import UTCDateTime
from shop.extensions import db
from shop.models.accounts import Account


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "account.update"
    target_type: Mapped[str] = mapped_column(String(32))  # e.g. "account"
    target_id: Mapped[int | None] = mapped_column(index=True)
    target_label: Mapped[str] = mapped_column(String(255), default="")
    # {"field": [before, after], ...}: only what changed.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[Account | None] = relationship()


class StockMovement(db.Model):
    """Every change of a product's stock on hand, with its reason: never edited silently."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    delta: Mapped[int]
    stock_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    actor: Mapped[Account | None] = relationship()
