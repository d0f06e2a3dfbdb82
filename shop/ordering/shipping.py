"""Shipping estimate: carrier, fee from weight and zone, delivery date from the weekly dispatch.

Head office pays the shipping of printed material, so its fee is always zero. Objects pay a
fee by weight bracket and zone (metropolitan France or overseas), the zone of the delivery
address's postcode (:func:`shop.addresses.overseas_zone`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shop.models.catalog import ShopKind, money

SHIPPING_VAT_RATE = Decimal("20.00")


@dataclass(frozen=True)
class Zone:
    carrier: str
    transit_working_days: int
    # (max weight in kg, fee excl. VAT), lightest first; beyond the last, a fee per extra kg.
    brackets: tuple[tuple[int, Decimal], ...]
    per_extra_kg: Decimal


METROPOLE = Zone(
    carrier="DPD",
    transit_working_days=2,
    brackets=(
        (1, Decimal("6.90")),
        (5, Decimal("11.50")),
        (10, Decimal("16.90")),
        (30, Decimal("29.90")),
    ),
    per_extra_kg=Decimal("0.90"),
)
OVERSEAS = Zone(
    carrier="Colissimo Outre-Mer",
    transit_working_days=8,
    brackets=(
        (1, Decimal("18.00")),
        (5, Decimal("39.00")),
        (10, Decimal("62.00")),
        (30, Decimal("110.00")),
    ),
    per_extra_kg=Decimal("3.50"),
)


@dataclass(frozen=True)
class ShippingEstimate:
    carrier: str
    fee_excl_vat: Decimal
    vat: Decimal
    fee_incl_vat: Decimal
    dispatch_date: date
    delivery_date: date
    paid_by_head_office: bool


def next_dispatch(today: date, dispatch_weekday: int) -> date:
    """The next weekly dispatch strictly after today (orders of the day leave next time)."""
    days = (dispatch_weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=days)


def add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def zone_fee(zone: Zone, weight_grams: int) -> Decimal:
    kilos = Decimal(weight_grams) / 1000
    for max_kg, fee in zone.brackets:
        if kilos <= max_kg:
            return fee
    last_kg, last_fee = zone.brackets[-1]
    extra = (kilos - last_kg).to_integral_value(rounding="ROUND_CEILING")
    return money(last_fee + extra * zone.per_extra_kg)


def reestimate_fee(
    shop: ShopKind, weight_grams: int, overseas: bool, dispatch: date
) -> ShippingEstimate:
    """The estimate again for another zone (a delivery address changed at validation),
    keeping the dispatch already planned."""
    zone = OVERSEAS if overseas else METROPOLE
    free = shop is ShopKind.PRINTED
    fee = Decimal("0.00") if free else zone_fee(zone, weight_grams)
    vat = money(fee * SHIPPING_VAT_RATE / 100)
    return ShippingEstimate(
        carrier=zone.carrier,
        fee_excl_vat=fee,
        vat=vat,
        fee_incl_vat=fee + vat,
        dispatch_date=dispatch,
        delivery_date=add_working_days(dispatch, zone.transit_working_days),
        paid_by_head_office=free,
    )


def estimate_shipping(
    shop: ShopKind, weight_grams: int, overseas: bool, today: date, dispatch_weekday: int
) -> ShippingEstimate:
    return reestimate_fee(shop, weight_grams, overseas, next_dispatch(today, dispatch_weekday))
