"""shop/quota with plain data: the three outcomes, boundaries, months in Paris time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from shop.catalog.quantities import QuantityRule
from shop.quota import (
    Outcome,
    QuotaLine,
    check,
    may_validate_another,
    month_bounds,
    month_key,
    year_bounds,
)

PARIS = ZoneInfo("Europe/Paris")
ANY = QuantityRule(1, 1000, 1)
BY_FIVE = QuantityRule(5, 100, 5)


def line(pid, wanted, quota, used, rule=ANY):
    return QuotaLine(product_id=pid, wanted=wanted, rule=rule, monthly_quota=quota, used=used)


def test_all_available_when_no_line_passes_its_quota():
    result = check([line(1, 10, 50, 40), line(2, 7, None, 999)])
    assert result.outcome is Outcome.ALL_AVAILABLE and not result.lowered
    assert result.quantities == {1: 10, 2: 7}
    assert result.remaining == {1: 10, 2: None}


def test_exactly_at_the_quota_is_available_one_over_is_lowered():
    assert check([line(1, 10, 50, 40)]).outcome is Outcome.ALL_AVAILABLE
    result = check([line(1, 11, 50, 40), line(2, 3, None, 0)])
    assert result.outcome is Outcome.SOME_LOWERED
    assert result.quantities == {1: 10, 2: 3}


def test_lowered_quantities_respect_the_products_step():
    result = check([line(1, 20, 50, 37, BY_FIVE), line(2, 5, 10, 10, BY_FIVE)])
    assert result.quantities == {1: 10, 2: 0}  # 13 left -> 10; nothing left -> 0, kept
    assert result.outcome is Outcome.SOME_LOWERED


def test_below_the_minimum_is_zero():
    assert check([line(1, 10, 50, 47, BY_FIVE)]).quantities == {1: 0}


def test_all_over_when_every_line_is_at_zero():
    result = check([line(1, 10, 50, 50), line(2, 5, 0, 0)])
    assert result.outcome is Outcome.ALL_OVER
    assert result.quantities == {1: 0, 2: 0}


def test_a_line_already_at_zero_is_never_all_available():
    """Checked again after « all over quota », the lines kept at 0 stay all over, whatever
    is left: what was asked before is not known any more."""
    assert check([line(1, 0, 50, 50), line(2, 0, None, 0)]).outcome is Outcome.ALL_OVER
    result = check([line(1, 0, 50, 0), line(2, 5, 50, 0)])
    assert result.outcome is Outcome.SOME_LOWERED and result.quantities == {1: 0, 2: 5}


def test_changes_name_the_lines_lowered_with_what_was_asked():
    result = check([line(1, 30, 50, 40), line(2, 5, 20, 20), line(3, 7, None, 0)])
    assert result.changes() == [(1, 30, 10), (2, 5, 0)]


def test_used_above_the_quota_leaves_zero_not_negative():
    assert check([line(1, 1, 10, 25)]).remaining == {1: 0}


def test_month_changes_at_midnight_paris_time():
    before = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)  # 23:59 in Paris
    after = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 00:00 on 1 December in Paris
    assert month_key(before, PARIS) == "2026-11"
    assert month_key(after, PARIS) == "2026-12"
    start, end = month_bounds(before, PARIS)
    assert start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # winter time from 25 October
    assert end == after
    start, end = month_bounds(datetime(2026, 12, 15, tzinfo=UTC), PARIS)
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_summer_month_bounds_use_summer_time():
    start, end = month_bounds(datetime(2026, 7, 10, tzinfo=UTC), PARIS)
    assert start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 7, 31, 22, 0, tzinfo=UTC)


def test_yearly_object_orders():
    assert may_validate_another(1, 2) and not may_validate_another(2, 2)
    start, end = year_bounds(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), PARIS)
    assert start == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # already 2027 in Paris
    assert end == datetime(2027, 12, 31, 23, 0, tzinfo=UTC)
