"""Monthly quotas per (entity, product): the three outcomes of "Mettre à jour".

Plain data in, plain data out: the caller says, for each product of the basket, what is
wanted, the entity's monthly quota (None: none) and what the entity already received this
month; :func:`check` answers with the quantities still possible.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from shop.catalog.quantities import QuantityRule


class Outcome(enum.Enum):
    ALL_AVAILABLE = "all_available"  # nothing changes; saving is possible
    SOME_LOWERED = "some_lowered"  # some lines lowered (maybe to 0); saving is possible
    ALL_OVER = "all_over"  # every line is at 0: nothing can be saved this month


@dataclass(frozen=True)
class QuotaLine:
    product_id: int
    wanted: int
    rule: QuantityRule
    monthly_quota: int | None
    used: int  # what the entity already received (saved or validated) this month

    @property
    def remaining(self) -> int | None:
        return None if self.monthly_quota is None else max(self.monthly_quota - self.used, 0)


@dataclass(frozen=True)
class QuotaResult:
    outcome: Outcome
    quantities: dict[int, int]  # product id -> the quantity possible (0 kept for information)
    remaining: dict[int, int | None]  # product id -> what is left this month (None: no quota)
    wanted: dict[int, int] = field(default_factory=dict)  # product id -> what was asked

    @property
    def lowered(self) -> bool:
        return self.outcome is not Outcome.ALL_AVAILABLE

    def changes(self) -> list[tuple[int, int, int]]:
        """(product id, asked, now) of every line the quota keeps below what was asked,
        or at 0, in the basket's order."""
        return [
            (pid, self.wanted.get(pid, 0), quantity)
            for pid, quantity in self.quantities.items()
            if quantity == 0 or quantity < self.wanted.get(pid, 0)
        ]


def check(lines: list[QuotaLine]) -> QuotaResult:
    """The verdict on the lines. A line already at 0 (lowered by an earlier check and kept
    for information) is no quantity available: it is never "all available"."""
    quantities: dict[int, int] = {}
    lowered = False
    for line in lines:
        remaining = line.remaining
        if line.wanted == 0:
            quantities[line.product_id] = 0
            lowered = True
        elif remaining is None or line.wanted <= remaining:
            quantities[line.product_id] = line.wanted
        else:
            quantities[line.product_id] = line.rule.largest_allowed_up_to(remaining)
            lowered = True
    if not lowered:
        outcome = Outcome.ALL_AVAILABLE
    elif lines and all(quantity == 0 for quantity in quantities.values()):
        outcome = Outcome.ALL_OVER
    else:
        outcome = Outcome.SOME_LOWERED
    return QuotaResult(
        outcome,
        quantities,
        {line.product_id: line.remaining for line in lines},
        {line.product_id: line.wanted for line in lines},
    )


def month_key(moment: datetime, tz: ZoneInfo) -> str:
    """The calendar month a moment belongs to, in the shop's time zone: "2026-11"."""
    return f"{moment.astimezone(tz):%Y-%m}"


def month_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the moment's calendar month in the shop's zone, as UTC instants."""
    local = moment.astimezone(tz)
    start = datetime(local.year, local.month, 1, tzinfo=tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    end = datetime(year, month, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
