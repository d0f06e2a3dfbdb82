"""Composing e-mails from templates, in the recipient's language."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import insert

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Order, OutboxMessage, OutboxStatus


def _has_template(name: str) -> bool:
    """Whether a template exists, asked once per name (Jinja does not cache a miss)."""
    known = current_app.extensions.setdefault("shop.email_templates", {})
    if name not in known:
        try:
            current_app.jinja_env.get_template(name)
            known[name] = True
        except TemplateNotFound:
            known[name] = False
    return known[name]


def render_email(template: str, locale: str, **context) -> dict:
    """The outbox columns of a message: subject, text and optional HTML body.

    ``template`` names ``templates/email/<template>.txt`` (required), whose first line is
    ``Subject: ...``, and optionally ``<template>.html``.
    """
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
        html = None
        if _has_template(f"email/{template}.html"):
            html = render_template(f"email/{template}.html", **context)
    subject_line, _, body = text.lstrip().partition("\n")
    if not subject_line.startswith("Subject:"):
        raise ValueError(f"email/{template}.txt must start with a 'Subject:' line")
    return {
        "subject": subject_line.removeprefix("Subject:").strip(),
        "body_text": body.strip() + "\n",
        "body_html": html,
    }


def queue_email(
    *,
    recipient: str,
    kind: str,
    template: str,
    locale: str = "fr",
    attachment: tuple[str, str, bytes] | None = None,
    attach_order: Order | None = None,
    **context,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; it is sent after commit.

    ``attachment`` is ``(file name, content type, data)``; ``attach_order`` (a flushed order)
    asks the relay to attach that order's PDF, made when the message is sent.
    """
    message = OutboxMessage(
        recipient=recipient, kind=kind, **render_email(template, locale, **context)
    )
    if attachment is not None:
        message.attachment_name, message.attachment_type, message.attachment_data = attachment
    if attach_order is not None:
        message.attach_order_id = attach_order.id
    db.session.add(message)
    _mark_queued()
    return message


def queue_emails(rows: list[dict]) -> None:
    """Queue many rendered messages (``recipient``, ``kind`` + :func:`render_email`'s keys)
    with one ``executemany``: what the sweeper uses for thousands of orders at once."""
    if not rows:
        return
    now = utcnow()
    db.session.execute(
        insert(OutboxMessage),
        [
            {
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
            | row
            for row in rows
        ],
    )
    _mark_queued()


def _mark_queued() -> None:
    from shop.notifications import mark_queued

    mark_queued()
