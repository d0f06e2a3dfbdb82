"""Plain rules with plain data: quantities, shipping, prices, search folding."""

from datetime import date
from decimal import Decimal

import pytest

from shop.catalog.quantities import QuantityRule
from shop.models import ShopKind
from shop.models.catalog import fold, money
from shop.ordering.shipping import (
    METROPOLE,
    OVERSEAS,
    add_working_days,
    estimate_shipping,
    next_dispatch,
    zone_fee,
)


def test_quantity_rule_choices_and_allows():
    rule = QuantityRule(10, 50, 10)
    assert rule.offer(1000).choices == [10, 20, 30, 40, 50]
    assert rule.allows(30)
    for bad in (0, -10, 5, 15, 60, 10**12):
        assert not rule.allows(bad)


def test_quantity_rule_step_from_minimum():
    rule = QuantityRule(5, 100, 10)
    assert rule.offer(1000).choices[:3] == [5, 15, 25]
    assert rule.allows(95) and not rule.allows(100)
    assert rule.largest_allowed_up_to(100) == 95
    assert rule.largest_allowed_up_to(4) == 0
    assert rule.largest_allowed_up_to(24) == 15


@pytest.mark.parametrize("args", [(0, 10, 1), (5, 4, 1), (1, 10, 0)])
def test_inconsistent_rules_are_rejected(args):
    with pytest.raises(ValueError):
        QuantityRule(*args)


def test_next_dispatch_is_strictly_after_today():
    tuesday = date(2026, 11, 24)
    assert next_dispatch(tuesday, 1) == date(2026, 12, 1)
    assert next_dispatch(date(2026, 11, 25), 1) == date(2026, 12, 1)
    assert next_dispatch(date(2026, 11, 23), 1) == tuesday


def test_working_days_skip_weekends():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1) == date(2026, 11, 30)
    assert add_working_days(friday, 2) == date(2026, 12, 1)


def test_zone_fee_brackets_and_extra_kilos():
    assert zone_fee(METROPOLE, 0) == Decimal("6.90")
    assert zone_fee(METROPOLE, 1000) == Decimal("6.90")
    assert zone_fee(METROPOLE, 1001) == Decimal("11.50")
    assert zone_fee(METROPOLE, 30_000) == Decimal("29.90")
    assert zone_fee(METROPOLE, 31_500) == Decimal("31.70")  # 2 extra kilos started
    assert zone_fee(OVERSEAS, 4000) == Decimal("39.00")


def test_printed_material_ships_free_objects_pay():
    today = date(2026, 11, 25)
    printed = estimate_shipping(ShopKind.PRINTED, 12_000, False, today, 1)
    assert printed.fee_incl_vat == Decimal("0.00") and printed.paid_by_head_office
    assert printed.carrier == "DPD"
    assert printed.dispatch_date == date(2026, 12, 1)
    assert printed.delivery_date == date(2026, 12, 3)
    objects = estimate_shipping(ShopKind.OBJECTS, 2500, False, today, 1)
    assert (objects.fee_excl_vat, objects.vat, objects.fee_incl_vat) == (
        Decimal("11.50"),
        Decimal("2.30"),
        Decimal("13.80"),
    )
    overseas = estimate_shipping(ShopKind.OBJECTS, 2500, True, today, 1)
    assert overseas.fee_excl_vat == Decimal("39.00")
    assert overseas.delivery_date > objects.delivery_date


def test_money_rounds_half_up():
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("1.2849")) == Decimal("1.28")


def test_fold_ignores_case_and_accents():
    assert fold("Dépliant PRÉVENTION Œuf") == "depliant prevention œuf"
