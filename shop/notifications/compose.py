"""Composing e-mails from templates, in the recipient's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from shop.extensions import db
from shop.models import OutboxMessage


def queue_email(
    *,
    recipient: str,
    kind: str,
    template: str,
    locale: str = "fr",
    attachment: tuple[str, str, bytes] | None = None,
    **context,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; it is sent after commit.

    ``template`` names ``templates/email/<template>.txt`` (required), whose first line is
    ``Subject: ...``, and optionally ``<template>.html``. ``attachment`` is
    ``(file name, content type, data)``.
    """
    with force_locale(locale):
        text = render_template(f"email/{template}.txt", **context)
        try:
            html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            html = None
    subject_line, _, body = text.lstrip().partition("\n")
    if not subject_line.startswith("Subject:"):
        raise ValueError(f"email/{template}.txt must start with a 'Subject:' line")
    message = OutboxMessage(
        recipient=recipient,
        subject=subject_line.removeprefix("Subject:").strip(),
        body_text=body.strip() + "\n",
        body_html=html,
        kind=kind,
    )
    if attachment is not None:
        message.attachment_name, message.attachment_type, message.attachment_data = attachment
    db.session.add(message)
    from shop.notifications import mark_queued

    mark_queued()
    return message
