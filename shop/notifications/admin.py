"""Head office's view of the outbox: the messages by state, and sending one again."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from shop.accounts import audit
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, OutboxMessage, OutboxStatus
from shop.notifications import mark_queued


def messages(status: OutboxStatus | None = None) -> Select:
    """The outbox, newest first; of one state if given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return query


def counts_by_status() -> dict[OutboxStatus, int]:
    return dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )


def retry(message: OutboxMessage, actor: Account | None, now: datetime) -> None:
    """Put a failed (or waiting) message back in the queue, due now: the relay sends it
    once the request commits."""
    if message.status is OutboxStatus.SENT:
        raise DomainError(_l("Cet email a déjà été envoyé."))
    # A waiting message changes only its due time: record it, or the retry leaves no trace.
    audit.record(
        actor,
        "mail.retry",
        message,
        {"status": message.status.value, "next_attempt_at": message.next_attempt_at},
        {"status": OutboxStatus.PENDING.value, "next_attempt_at": now},
        label=f"{message.recipient}: {message.subject}"[:255],
    )
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now
    db.session.flush()
    mark_queued()
