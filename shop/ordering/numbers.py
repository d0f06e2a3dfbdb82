"""Order numbers: ``YYYY-MM-DD-NNNNN`` when saved, ``C0001`` when validated.

Both come from a row of the ``counters`` table incremented with ``UPDATE … RETURNING``,
which holds the row lock until the transaction ends: concurrent callers queue on it and never
share a number, and a rolled-back transaction gives its number back (no gaps). Take a number
last, so that the lock is held as briefly as possible.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from shop.extensions import db
from shop.models import Counter

ORDER_COUNTER = "orders"
VALIDATED_COUNTER = "validated_orders"


def next_counter(name: str) -> int:
    """The next value of a named counter, unique and gap-free under concurrency.

    The counter row is incremented with ``UPDATE ... RETURNING``, which locks it until the
    transaction ends: concurrent callers queue on it and never get the same value, and a
    transaction that rolls back gives its value back.
    """
    increment = (
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1)
    ).returning(Counter.value)
    value = db.session.execute(increment).scalar()
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(Counter).values(name=name, value=1))
            value = 1
        except IntegrityError:  # another caller created it first
            value = db.session.execute(increment).scalar_one()
    return value


def next_order_number(saved_at: datetime, tz: ZoneInfo) -> str:
    """``YYYY-MM-DD-NNNNN``: the local date and a running number."""
    return f"{saved_at.astimezone(tz):%Y-%m-%d}-{next_counter(ORDER_COUNTER):05d}"


def next_validated_number() -> str:
    """``C0001``, ``C0002``…: the order confirmation's number, given at validation."""
    return f"C{next_counter(VALIDATED_COUNTER):04d}"
