"""The one place the code reads the time, so tests can move it (time-machine)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def shop_timezone() -> ZoneInfo:
    name = current_app.config["SHOP_TIMEZONE"] if has_app_context() else "Europe/Paris"
    return ZoneInfo(name)


def local_now() -> datetime:
    """The current instant in the shop's time zone (Europe/Paris by default)."""
    return utcnow().astimezone(shop_timezone())


def local_today() -> date:
    return local_now().date()
