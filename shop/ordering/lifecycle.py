"""The reservation life cycle: the reminder 3 days before the deadline, expiry at the deadline.

Exactly once, however many sweepers run: due orders are claimed in batches with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite transactions are ``BEGIN IMMEDIATE``), then
changed with conditional updates that only touch rows still in the expected state. Each batch
is one transaction: a sweeper killed mid-run leaves nothing half-done, and running it again
changes nothing that is already done. Set-based: a handful of statements per batch, never a
query per order.

The sweeper owns its transactions (it runs from the scheduler and ``flask sweep``, never in a
request): it commits each batch itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context
from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import joinedload, selectinload

from shop.extensions import db
from shop.models import Order, OrderEvent, OrderStatus
from shop.models.orders import CANCEL_EXPIRED
from shop.notifications import queue_emails, render_email
from shop.notifications.links import external_url
from shop.ordering import workflow
from shop.ordering.pricing import compute_totals
from shop.ordering.reservations import release_orders

BATCH_SIZE = 1000


@dataclass
class SweepReport:
    reminders: int = 0
    expired: int = 0
    released_units: int = 0
    mails_sent: int = 0


def _claim(query: Select, batch: int) -> list[int]:
    query = query.order_by(Order.id).limit(batch)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Order, key_share=True)
    return list(db.session.scalars(query))


def _orders_for_mail(ids: list[int]) -> list[Order]:
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.id.in_(ids))
            .options(joinedload(Order.account), selectinload(Order.lines))
            .order_by(Order.id)
        ).unique()
    )


def _mail_rows(orders: list[Order], kind: str, template: str) -> list[dict]:
    if not has_request_context():
        # One request context for the whole batch: links are built without one per order.
        with current_app.test_request_context():
            return _mail_rows(orders, kind, template)
    return [
        {
            "recipient": order.account.email,
            "kind": kind,
            **render_email(
                template,
                order.account.locale,
                order=order,
                totals=compute_totals(order.lines, order.shipping),
                link=external_url("orders.show", order_id=order.id),
            ),
        }
        for order in orders
    ]


def send_due_reminders(now: datetime, batch: int = BATCH_SIZE) -> int:
    """Remind the owners of saved orders whose reminder time has come; return how many."""
    due = select(Order.id).where(
        Order.status == OrderStatus.SAVED,
        Order.reminder_sent_at.is_(None),
        Order.reminder_due_at <= now,
        Order.deadline > now,
    )
    total = 0
    while ids := _claim(due, batch):
        marked = db.session.scalars(
            update(Order)
            .where(
                Order.id.in_(ids),
                Order.status == OrderStatus.SAVED,
                Order.reminder_sent_at.is_(None),
            )
            .values(reminder_sent_at=now)
            .returning(Order.id)
            .execution_options(synchronize_session=False)
        ).all()
        if marked:  # the owner's history says a reminder went out, and when
            db.session.execute(
                insert(OrderEvent),
                workflow.event_rows(marked, "remind", OrderStatus.SAVED, now),
            )
        queue_emails(_mail_rows(_orders_for_mail(marked), "order-reminder", "order_reminder"))
        db.session.commit()
        total += len(marked)
    return total


def expire_due_orders(now: datetime, batch: int = BATCH_SIZE) -> tuple[int, int]:
    """Cancel saved orders past their deadline and release their stock.

    Returns (orders expired, units released).
    """
    due = select(Order.id).where(Order.status == OrderStatus.SAVED, Order.deadline <= now)
    expired = released = 0
    while ids := _claim(due, batch):
        released += release_orders(ids)
        marked = db.session.scalars(
            update(Order)
            .where(Order.id.in_(ids), Order.status == OrderStatus.SAVED, Order.deadline <= now)
            .values(status=OrderStatus.CANCELLED, cancel_reason=CANCEL_EXPIRED, cancelled_at=now)
            .returning(Order.id)
            .execution_options(synchronize_session=False)
        ).all()
        if marked:
            db.session.execute(
                insert(OrderEvent),
                workflow.event_rows(marked, "expire", OrderStatus.SAVED, now),
            )
        queue_emails(_mail_rows(_orders_for_mail(marked), "order-expired", "order_expired"))
        db.session.commit()
        expired += len(marked)
    return expired, released
