"""Statistiques commandes: quantities ordered per month, and the order-line export (rule 10).

Only validated orders count (saved ones may still change or expire, cancelled ones never
shipped), dated by their validation. Periods are whole local days in the shop's time zone;
the database holds UTC, so every local boundary is converted to a UTC instant here and the
queries compare instants, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, func, select

from shop.extensions import READ_ONLY, db
from shop.models import Account, Entity, Order, OrderLine, OrderStatus, Product
from shop.models.accounts import ORDERING_TYPES
from shop.reporting.barchart import OTHERS_COLOUR, Series

# A chart of more months than this (a period of years) only spans the months with orders.
MAX_CHART_MONTHS = 36
# Products drawn in their own colour; the others share one grey segment.
MAX_CHART_PRODUCTS = 8

# Rows the database sends per round trip while the export streams (server-side cursor on
# PostgreSQL): enough to amortise the round trips, small enough to keep memory flat.
EXPORT_BATCH_ROWS = 2_000

# The file's columns, exactly as rule 10 names them: a file format that spreadsheets and
# other tools read by name, so it stays the same whatever the interface's language.
EXPORT_HEADER = (
    "Id de compte",
    "Date",
    "Entité",
    "Nom",
    "Prénom",
    "Produit",
    "Référence",
    "Quantité",
    "Prix HT",
    "Frais",
)

ExportRow = tuple[str, str, str, str, str, str, str, int, Decimal, Decimal]


@dataclass(frozen=True)
class StatisticsFilter:
    """Which validated orders a statistic covers.

    ``account_id`` is the scope: an orderer only ever sees the orders they placed (built with
    :meth:`own_orders`); head office sees every account's (:meth:`all_orders`) and may narrow
    to one account or one recipient entity. ``date_from`` and ``date_to`` are local calendar
    days, both included.
    """

    date_from: date
    date_to: date
    product_id: int | None = None
    account_id: int | None = None
    entity_id: int | None = None

    @classmethod
    def own_orders(
        cls, account_id: int, date_from: date, date_to: date, product_id: int | None = None
    ) -> StatisticsFilter:
        return cls(date_from, date_to, product_id=product_id, account_id=account_id)

    @classmethod
    def all_orders(
        cls,
        date_from: date,
        date_to: date,
        product_id: int | None = None,
        entity_id: int | None = None,
        account_id: int | None = None,
    ) -> StatisticsFilter:
        return cls(date_from, date_to, product_id, account_id=account_id, entity_id=entity_id)


@dataclass(frozen=True)
class MonthlyQuantity:
    month: date  # the first day of the local calendar month
    product_id: int
    reference: str
    name: str
    quantity: int


# -- periods --------------------------------------------------------------------------------


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day starts (Paris changes its clocks at night, never at 0:00)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def period_bounds(period: StatisticsFilter, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC: from the first day's midnight to the midnight after the last."""
    return local_midnight(period.date_from, tz), local_midnight(
        period.date_to + timedelta(days=1), tz
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of every month from ``first``'s to ``last``'s, both included."""
    months = []
    month = month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def default_period(today: date, months: int = 12) -> tuple[date, date]:
    """The last ``months`` calendar months, the current one included: whole chart bars."""
    return add_months(month_start(today), 1 - months), today


# -- queries --------------------------------------------------------------------------------


def _conditions(period: StatisticsFilter, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    start, end = period_bounds(period, tz)
    conditions = [
        Order.status == OrderStatus.VALIDATED,
        Order.validated_at >= start,
        Order.validated_at < end,
    ]
    if period.account_id is not None:
        conditions.append(Order.account_id == period.account_id)
    if period.entity_id is not None:
        conditions.append(Order.entity_id == period.entity_id)
    if period.product_id is not None:
        conditions.append(OrderLine.product_id == period.product_id)
    return conditions


def _data_months(period: StatisticsFilter, tz: ZoneInfo) -> list[date]:
    """The local months from the first to the last matching order (none: empty).

    Bucketing only these months keeps the ``CASE`` short even for a period of decades.
    """
    first, last = db.session.execute(
        select(func.min(Order.validated_at), func.max(Order.validated_at))
        .select_from(OrderLine)
        .join(Order, OrderLine.order_id == Order.id)
        .where(*_conditions(period, tz))
    ).one()
    if first is None:
        return []
    return months_between(first.astimezone(tz).date(), last.astimezone(tz).date())


def monthly_quantities(period: StatisticsFilter, tz: ZoneInfo) -> list[MonthlyQuantity]:
    """Quantities per local calendar month and product, summed by the database.

    A month's bucket is a range of UTC instants (its local first midnight to the next), so a
    line validated at 23:30 in Paris on 31 January counts in January although it is already
    February in UTC. The buckets are a ``CASE`` over those boundaries, computed in a
    subquery and grouped outside it (PostgreSQL cannot match a ``CASE`` in ``GROUP BY`` with
    the same ``CASE`` in the select list when each carries its own bound parameters).
    """
    months = _data_months(period, tz)
    if not months:
        return []
    boundaries = [local_midnight(add_months(month, 1), tz) for month in months]
    bucket = case(
        *[(Order.validated_at < boundary, index) for index, boundary in enumerate(boundaries)]
    )
    lines = (
        select(
            bucket.label("month_index"),
            OrderLine.product_id.label("product_id"),
            OrderLine.quantity.label("quantity"),
        )
        .select_from(OrderLine)
        .join(Order, OrderLine.order_id == Order.id)
        .where(*_conditions(period, tz))
        .subquery()
    )
    totals = (
        select(
            lines.c.month_index,
            Product.id,
            Product.reference,
            Product.name,
            func.sum(lines.c.quantity),
        )
        .join(Product, Product.id == lines.c.product_id)
        .group_by(lines.c.month_index, Product.id, Product.reference, Product.name)
        .order_by(lines.c.month_index, Product.reference)
    )
    return [
        MonthlyQuantity(months[index], product_id, reference, name, int(quantity))
        for index, product_id, reference, name, quantity in db.session.execute(totals)
    ]


def chart_months(period: StatisticsFilter, rows: list[MonthlyQuantity]) -> list[date]:
    """The months on the chart: every month of the period, empty ones too, so a gap shows.

    A period of years would draw hundreds of bars: it is cut to the months with orders.
    """
    months = months_between(period.date_from, period.date_to)
    if len(months) > MAX_CHART_MONTHS and rows:
        months = months_between(min(r.month for r in rows), max(r.month for r in rows))
    return months


def chart_series(
    rows: list[MonthlyQuantity], months: list[date], others_label: str
) -> list[Series]:
    """One series per product, the most ordered first; past the palette, one "others" series.

    Eight colours are as many as a reader tells apart; the table lists every product.
    """
    column = {month: i for i, month in enumerate(months)}
    per_product: dict[int, Series] = {}
    for row in rows:
        series = per_product.setdefault(
            row.product_id, Series(f"{row.reference} · {row.name}", [0] * len(months))
        )
        series.values[column[row.month]] += row.quantity
    ranked = sorted(per_product.values(), key=lambda s: (-sum(s.values), s.label))
    if len(ranked) <= MAX_CHART_PRODUCTS:
        return ranked
    kept, rest = ranked[: MAX_CHART_PRODUCTS - 1], ranked[MAX_CHART_PRODUCTS - 1 :]
    others = [sum(values) for values in zip(*(s.values for s in rest), strict=True)]
    return [*kept, Series(others_label, others, OTHERS_COLOUR)]


# -- the filters' choices ---------------------------------------------------------------------


def product_choices() -> list[tuple[int, str, str]]:
    """(id, reference, name) of every product by name, withdrawn ones too: they were
    ordered in the past."""
    query = select(Product.id, Product.reference, Product.name).order_by(Product.name, Product.id)
    return list(db.session.execute(query).tuples())


def entity_choices() -> list[tuple[int, str]]:
    """(id, name) of every entity, by name."""
    query = select(Entity.id, Entity.name).order_by(Entity.name)
    return list(db.session.execute(query).tuples())


def orderer_choices() -> list[tuple[int, str, str, str]]:
    """(id, identifier, first name, last name) of every account that may order."""
    query = (
        select(Account.id, Account.identifier, Account.first_name, Account.last_name)
        .where(Account.account_type.in_(ORDERING_TYPES))
        .order_by(Account.identifier)
    )
    return list(db.session.execute(query).tuples())


def export_statement(period: StatisticsFilter, tz: ZoneInfo) -> Select:
    """One row per order line, in the columns of :data:`EXPORT_HEADER`, oldest first."""
    return (
        select(
            Account.identifier,
            Order.validated_at,
            Entity.name,
            Account.last_name,
            Account.first_name,
            Product.name,
            Product.reference,
            OrderLine.quantity,
            OrderLine.unit_price,
            Order.shipping_excl_vat,
        )
        .select_from(OrderLine)
        .join(Order, OrderLine.order_id == Order.id)
        .join(Account, Order.account_id == Account.id)
        .join(Entity, Order.entity_id == Entity.id)
        .join(Product, OrderLine.product_id == Product.id)
        .where(*_conditions(period, tz))
        .order_by(Order.validated_at, Order.id, OrderLine.id)
    )


def export_rows(period: StatisticsFilter, tz: ZoneInfo) -> Iterator[ExportRow]:
    """The export's rows, streamed: plain tuples fetched :data:`EXPORT_BATCH_ROWS` at a time.

    A Core statement with ``yield_per`` (a server-side cursor on PostgreSQL), never ORM
    objects, so memory stays flat whatever the number of lines. It runs on a connection of
    its own that only reads (:data:`shop.extensions.READ_ONLY`): on SQLite a download that
    takes minutes never holds the write lock. The shipping fee is per order: each of its
    lines repeats it (rule 10). Nothing is queried before the first row is asked for.
    """
    connection = db.engine.connect().execution_options(**{READ_ONLY: True})
    try:
        result = connection.execute(
            export_statement(period, tz).execution_options(yield_per=EXPORT_BATCH_ROWS)
        )
    except BaseException:
        connection.close()
        raise
    # The lines of one order share their instant: format it once per order, not per line.
    last_instant: datetime | None = None
    last_text = ""
    try:
        for identifier, instant, entity, last, first, product, ref, qty, price, fee in result:
            if instant != last_instant:
                last_instant = instant
                last_text = instant.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S")
            yield (identifier, last_text, entity, last, first, product, ref, qty, price, fee)
    finally:
        result.close()  # a download abandoned half-way frees its cursor at once
        connection.close()
