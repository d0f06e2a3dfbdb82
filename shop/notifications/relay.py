"""Sending what the outbox holds: SMTP in production, a folder of .eml files in development."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from shop.clock import utcnow
from shop.documents import pdf
from shop.extensions import db, mail
from shop.models import Order, OutboxMessage, OutboxStatus
from shop.ordering.pricing import compute_totals

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8

_WROTE = "shop.session.wrote"


class CallerWorkPending(RuntimeError):
    """The relay was called with the caller's changes neither committed nor rolled back."""


def relay_outbox(limit: int = 50) -> int:
    """Send the pending messages that are due; return how many went out.

    The relay owns its transactions: it claims, sends and commits in a transaction of its
    own. It is called once the caller's work is committed (the request's ``after_request``
    hook, the CLI, the scheduler) and raises :class:`CallerWorkPending` rather than commit
    changes someone else left in the session.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite transactions are
    ``BEGIN IMMEDIATE``), so two relays never send the same message. A failed attempt is
    counted and retried later with a growing delay; after ``MAX_ATTEMPTS`` the message is
    marked failed for an admin to see.
    """
    session = db.session()
    if has_pending_writes(session):
        raise CallerWorkPending(
            "relay_outbox() sends in transactions of its own: commit or roll back the "
            "caller's changes first"
        )
    session.rollback()  # end the caller's reads, if any: the claim must be a fresh transaction
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= utcnow(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    sent = 0
    for message in db.session.scalars(query):
        try:
            deliver(message)
        except Exception as exc:  # any transport error: keep the message for later
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = utcnow() + timedelta(minutes=2**message.attempts)
            log.warning("mail %s to %s not sent: %s", message.id, message.recipient, exc)
        else:
            message.attempts += 1
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
    db.session.commit()
    return sent


def has_pending_writes(session: Session) -> bool:
    """Whether the session's transaction holds changes, flushed or not, not yet committed."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed or rolled back, not a savepoint
        session.info.pop(_WROTE, None)


def order_attachment(order: Order) -> tuple[str, str, bytes]:
    """The order's PDF for its e-mail, in the language of the account it goes to."""
    with force_locale(order.account.locale):
        data = pdf.order_pdf(order, compute_totals(order.lines, order.shipping))
    return pdf.order_pdf_name(order), "application/pdf", data


def deliver(message: OutboxMessage) -> None:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
    )
    mail_message.extra_headers = {"X-Shop-Message-Id": str(message.id)}
    if message.attachment_data is not None:
        mail_message.attach(
            message.attachment_name, message.attachment_type, message.attachment_data
        )
    if message.attach_order_id is not None:
        mail_message.attach(*order_attachment(db.session.get(Order, message.attach_order_id)))
    transport = current_app.config["SHOP_MAIL_TRANSPORT"]
    if transport == "folder":
        folder = Path(current_app.config["SHOP_MAIL_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{utcnow():%Y%m%d-%H%M%S}-{message.id:06d}-{message.kind}.eml"
        path.write_text(mail_message.as_string(), encoding="utf-8")
        log.info("mail to %s: %s (%s)", message.recipient, message.subject, path)
    elif transport == "smtp":
        mail.send(mail_message)
    else:
        raise RuntimeError(f"unknown SHOP_MAIL_TRANSPORT {transport!r}")
