"""The mail outbox: messages written in the transaction that causes them, sent after commit."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.clock import utcnow
from shop.dbtypes import UTCDateTime, value_enum
from shop.extensions import db


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # What the message is about, e.g. "account-invitation": tests and admins filter on it.
    kind: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[OutboxStatus] = mapped_column(
        value_enum(OutboxStatus, 16),
        default=OutboxStatus.PENDING,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One optional attachment (e.g. the order's PDF), kept with the message until it is sent.
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Or the order whose PDF goes with it, made by the relay when it sends: rendering it
    # where the message is queued would hold that transaction's locks (a validation holds
    # the shop-wide counter of confirmation numbers).
    attach_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
