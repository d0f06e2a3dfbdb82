"""Sending what the outbox holds: SMTP in production, a folder of .eml files in development."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_mail import Message
from sqlalchemy import select

from shop.clock import utcnow
from shop.extensions import db, mail
from shop.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def relay_outbox(limit: int = 50) -> int:
    """Send the pending messages that are due; return how many went out.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite transactions are
    ``BEGIN IMMEDIATE``), so two relays never send the same message. A failed attempt is
    counted and retried later with a growing delay; after ``MAX_ATTEMPTS`` the message is
    marked failed for an admin to see.
    """
    db.session.commit()  # start from a clean transaction: the claim must be our own
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
