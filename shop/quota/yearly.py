"""The yearly limit of validated orders of objects per entity."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def year_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the moment's calendar year in the shop's zone, as UTC instants."""
    year = moment.astimezone(tz).year
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)


def may_validate_another(validated_this_year: int, limit: int) -> bool:
    return validated_this_year < limit
