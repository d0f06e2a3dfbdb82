"""E-mail through the outbox.

A message is written to the ``outbox_messages`` table in the same transaction as the change
that causes it (:func:`queue_email`); once that transaction commits, the relay sends it.
A rolled-back change therefore sends nothing, and a crash before sending loses nothing.
"""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.orm import Session

from shop.extensions import db
from shop.notifications.compose import queue_email, queue_emails, render_email
from shop.notifications.relay import relay_outbox

__all__ = ["init_app", "queue_email", "queue_emails", "relay_outbox", "render_email"]

_QUEUED = "shop.outbox.queued"


def init_app(app: Flask) -> None:
    @app.after_request
    def relay_after_commit(response):
        if g.pop("outbox_committed", False) and app.config.get(
            "SHOP_MAIL_RELAY_AFTER_REQUEST", True
        ):
            relay_outbox()
        return response


@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    if session.info.pop(_QUEUED, False):
        from flask import has_app_context

        if has_app_context():
            g.outbox_committed = True


@event.listens_for(Session, "after_soft_rollback")
def _forget_queued(session: Session, previous_transaction) -> None:
    session.info.pop(_QUEUED, None)


def mark_queued() -> None:
    db.session.info[_QUEUED] = True
