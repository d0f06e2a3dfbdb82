"""Prices of a set of lines: per line and in total, excl. VAT, VAT, incl. VAT."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from shop.models.catalog import Product, money
from shop.ordering.shipping import ShippingEstimate

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price: Decimal
    unit_price_incl_vat: Decimal
    vat_rate: Decimal
    total_excl_vat: Decimal
    vat: Decimal
    total_incl_vat: Decimal


@dataclass(frozen=True)
class Totals:
    lines: list[PricedLine]
    subtotal_excl_vat: Decimal
    subtotal_vat: Decimal
    subtotal_incl_vat: Decimal
    shipping: ShippingEstimate | None
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal

    @property
    def weight_grams(self) -> int:
        return sum(line.product.weight_grams * line.quantity for line in self.lines)


class Priceable(Protocol):
    """A basket line (today's prices) or an order line (prices kept when it was saved)."""

    product: Product
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal


def price_line(line: Priceable) -> PricedLine:
    total = money(line.unit_price * line.quantity)
    vat = money(total * line.vat_rate / 100)
    return PricedLine(
        product=line.product,
        quantity=line.quantity,
        unit_price=line.unit_price,
        unit_price_incl_vat=money(line.unit_price * (1 + line.vat_rate / 100)),
        vat_rate=line.vat_rate,
        total_excl_vat=total,
        vat=vat,
        total_incl_vat=total + vat,
    )


def compute_totals(items: Iterable[Priceable], shipping: ShippingEstimate | None) -> Totals:
    lines = [price_line(line) for line in items]
    sub_ht = sum((line.total_excl_vat for line in lines), ZERO)
    sub_vat = sum((line.vat for line in lines), ZERO)
    ship_ht = shipping.fee_excl_vat if shipping else ZERO
    ship_vat = shipping.vat if shipping else ZERO
    return Totals(
        lines=lines,
        subtotal_excl_vat=sub_ht,
        subtotal_vat=sub_vat,
        subtotal_incl_vat=sub_ht + sub_vat,
        shipping=shipping,
        total_excl_vat=sub_ht + ship_ht,
        total_vat=sub_vat + ship_vat,
        total_incl_vat=sub_ht + sub_vat + ship_ht + ship_vat,
    )
