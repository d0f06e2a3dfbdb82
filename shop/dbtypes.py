"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps the offset (``timestamptz``); SQLite keeps naive text, which this
    type treats as UTC, so the two databases behave the same in Python.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def render_alembic_item(type_: str, obj, autogen_context):
    """Autogenerate writes plain ``sa.DateTime(timezone=True)`` for :class:`UTCDateTime`."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def value_enum(kind: type[enum.Enum], length: int) -> Enum:
    """A Python enum stored as its string values (no native database enum type)."""
    return Enum(
        kind,
        native_enum=False,
        length=length,
        values_callable=lambda kinds: [k.value for k in kinds],
        validate_strings=True,
    )
