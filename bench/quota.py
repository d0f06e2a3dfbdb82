"""Monthly quota checks: time and SQL statements per check, for baskets of 1, 10 and 50 lines.

Run from the project root: ``python -m bench.quota``. It prints figures and never fails on
them. The demo account ``mgen-sd01`` (a section director of AIN, attached to ALLIER and
ESSONNE) fills its basket with printed products that all have a monthly quota, some with an
override for ALLIER, while ALLIER already received part of its quota this month through
orders of another of its accounts (saved with ``save_basket``; orders that must not count
too, and validated orders of earlier months). Then, with the basket unchanged between
repetitions (each one is rolled back):

1. "Mettre à jour": ``shop.ordering.orders.update_recipient(account, ALLIER, now, tz)``;
2. the quota part of a save: ``shop.ordering.quotas.quota_lines(..., lock=True)`` followed
   by ``shop.quota.check``, the products loaded (and locked) first as ``save_basket`` does;
3. the SQL statements of each (BEGIN, SAVEPOINT and RELEASE not counted; an executemany
   counts once): they must stay the same small number whatever the basket. A count that
   grows (one statement per line) is printed loudly.

The database is a temporary SQLite file, or the PostgreSQL database named by
``SHOP_BENCH_DATABASE_URL``, whose ``public`` schema is dropped and recreated first (only
if the database name contains "bench").
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, insert, select, text

from bench._setup import (
    BenchSetupError,
    build_app,
    busy_machine_warning,
    counting_statements,
    database_url,
    dispose,
    engine_label,
    one_line,
    percentile,
)
from shop.clock import shop_timezone, utcnow
from shop.extensions import db
from shop.models import (
    Account,
    AccountType,
    Category,
    Entity,
    EntityQuota,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    QuotaLock,
    ShopKind,
)
from shop.ordering.basket import add_to_basket, lock_basket
from shop.ordering.orders import save_basket, update_recipient
from shop.ordering.reservations import lock_products
from shop.quota import QuotaResult, check, month_bounds, month_key
from shop.quota.store import quota_lines, used_this_month

LINE_COUNTS = (1, 10, 50)
ACCOUNT = "mgen-sd01"  # section director of AIN (S001), attached to ALLIER and ESSONNE
RECIPIENT = "S003"  # MGEN SECTION DE L'ALLIER, the "Entité du destinataire" checked
OTHER_SECTION = "S091"  # MGEN SECTION DE L'ESSONNE: its orders and overrides must not count
STOCK = 10_000_000  # per product: no setup save ever runs out of stock
WANTED = 10  # units of each product in the measured basket
DEFAULT_QUOTA = 100  # products.monthly_quota of every synthetic product
# ALLIER's own quotas (EntityQuota), by product position modulo 5; the others keep the default.
# With 15 units already used this month and 10 wanted: 18 lowers the line to 3, 15 to 0, and
# 400 leaves it as it is.
OVERRIDES = {0: 18, 2: 400, 4: 15}
# The orders already placed this month: (what, recipient, units of every product, counted).
CONSUMPTION = (
    ("saved", RECIPIENT, 10, True),
    ("validated", RECIPIENT, 5, True),
    ("saved, deadline passed (not swept yet)", RECIPIENT, 3, False),
    ("saved last month", RECIPIENT, 7, False),
    ("saved, for ESSONNE", OTHER_SECTION, 9, False),
)
USED = sum(units for _, entity, units, counted in CONSUMPTION if counted)
HISTORY_LINES = 5  # lines of each order of the earlier months
WARM_UP_CALLS = 1  # per basket size and measure
COUNTED_CALLS = 3  # statements are counted on this many calls, after the warm-up
MIN_TIMED_CALLS = 20
# The end of a statement worth showing past its first 100 characters: its row lock, or the
# ON CONFLICT clause of lock_month's INSERT.
TAIL = re.compile(r"\b(FOR (NO KEY )?UPDATE|ON CONFLICT)\b.*$")


# -- setup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixtures:
    products: list[int]  # max(LINE_COUNTS) printed products, all with a monthly quota
    account: int  # mgen-sd01
    recipient: int  # ALLIER's entity id
    consumption: list[str]  # one line of description per order placed this month
    history: int  # orders inserted in earlier months


def create_fixtures(app: Flask, now: datetime, history: int) -> Fixtures:
    tz = shop_timezone_of(app)
    with app.app_context():
        categories = list(
            db.session.scalars(
                select(Category).where(Category.shop == ShopKind.PRINTED).order_by(Category.id)
            )
        )
        entities = {e.code: e for e in db.session.scalars(select(Entity))}
        account = db.session.scalar(select(Account).where(Account.identifier == ACCOUNT))
        if not categories or account is None or RECIPIENT not in entities:
            raise BenchSetupError(
                f"the demo data has no printed category, no account {ACCOUNT} or no {RECIPIENT}"
            )
        if account.account_type is not AccountType.SECTION_DIRECTOR or RECIPIENT not in {
            e.code for e in account.attached_entities
        }:
            raise BenchSetupError(f"{ACCOUNT} is not a section director attached to {RECIPIENT}")
        products = [
            Product(
                reference=f"QUOTA-{n:04d}",
                name=f"Dépliant sous quota n° {n}",
                description="Produit créé par le banc d'essai des quotas mensuels.",
                category=categories[n % len(categories)],
                unit_price=Decimal(n % 7) / 4,
                vat_rate=Decimal("5.50"),
                min_quantity=1,
                max_quantity=1000,
                quantity_step=1,
                stock_on_hand=STOCK,
                weight_grams=10 + n % 40,
                monthly_quota=DEFAULT_QUOTA,
            )
            for n in range(1, max(LINE_COUNTS) + 1)
        ]
        consumers = {
            code: Account(
                identifier=f"bench-quota-{code.lower()}",
                account_type=AccountType.SECTION_DIRECTOR,
                first_name="Banc",
                last_name=f"Quota {code}",
                email=f"bench-quota-{code.lower()}@example.org",
                entity=entities[code],
            )
            for code in {entity for _, entity, _, _ in CONSUMPTION}
        }
        db.session.add_all(products + list(consumers.values()))
        db.session.commit()
        ids = [p.id for p in products]
        consumer_ids = {code: a.id for code, a in consumers.items()}
        account_id, recipient_id = account.id, entities[RECIPIENT].id
        entity_ids = {code: e.id for code, e in entities.items()}
        db.session.remove()

    consumption = consume_this_month(app, ids, consumer_ids, now, tz)
    with app.app_context():
        # Head office set ALLIER's own quotas (and ESSONNE's) after those orders: an override
        # below what was already used leaves nothing this month.
        rows = [
            {"entity_id": recipient_id, "product_id": pid, "monthly_quota": OVERRIDES[n % 5]}
            for n, pid in enumerate(ids)
            if n % 5 in OVERRIDES
        ]
        rows += [
            {"entity_id": entity_ids[OTHER_SECTION], "product_id": pid, "monthly_quota": 1}
            for pid in ids
        ]
        db.session.execute(insert(EntityQuota), rows)
        db.session.commit()
        db.session.remove()
    if history:
        insert_history(app, ids, consumer_ids, entity_ids, now, tz, history)
    return Fixtures(ids, account_id, recipient_id, consumption, history)


def shop_timezone_of(app: Flask) -> ZoneInfo:
    with app.app_context():
        return shop_timezone()


def fill_basket(account_id: int, product_ids: list[int], units: int, today: date) -> None:
    """Empty the account's basket, put ``units`` of each product in it, and commit."""
    account = db.session.get(Account, account_id)
    basket = lock_basket(account)
    basket.lines.clear()
    basket.recipient_entity_id = None
    basket.quota_checked_entity_id = None
    db.session.flush()
    for product_id in product_ids:
        add_to_basket(account, product_id, units, today)
    db.session.commit()


def consume_this_month(
    app: Flask, product_ids: list[int], consumers: dict[str, int], now: datetime, tz: ZoneInfo
) -> list[str]:
    """Orders of other accounts saved with ``save_basket``, some then made not to count.

    Every save also creates ALLIER's (entity, product, month) lock rows, as the first save of
    the month does: the measured ``lock_month`` then finds them, as it mostly will.
    """
    today = now.astimezone(tz).date()
    described = []
    with app.app_context():
        weekday = app.config["SHOP_DISPATCH_WEEKDAY"]
        for what, code, units, counted in CONSUMPTION:
            fill_basket(consumers[code], product_ids, units, today)
            account = db.session.get(Account, consumers[code])
            order = save_basket(account, now, tz, weekday)
            if what == "validated":
                order.status = OrderStatus.VALIDATED
                order.validated_at = now
            elif what.startswith("saved, deadline passed"):
                order.deadline = now - timedelta(hours=1)
                order.reminder_due_at = order.deadline - timedelta(days=3)
                order.reminder_sent_at = order.reminder_due_at
            elif what == "saved last month":
                order.created_at = month_bounds(now, tz)[0] - timedelta(days=1)
            db.session.commit()
            entity = "ALLIER" if code == RECIPIENT else "ESSONNE"
            described.append(
                f"{what}: {units} of each, {entity}, " + ("counts" if counted else "must not count")
            )
        db.session.remove()
    return described


def insert_history(
    app: Flask,
    product_ids: list[int],
    consumers: dict[str, int],
    entity_ids: dict[str, int],
    now: datetime,
    tz: ZoneInfo,
    count: int,
) -> None:
    """Validated orders of the 12 earlier months, half of them ALLIER's, bulk-inserted.

    They never count this month; they are what ``used_this_month`` has to skip. Their lines
    reserve nothing, so the products' reservations stay consistent.
    """
    month_start = month_bounds(now, tz)[0]
    codes = [RECIPIENT, OTHER_SECTION]
    rows = []
    for n in range(count):
        code = codes[n % 2]
        created = month_start - timedelta(days=1 + n % 360, minutes=n % 600)
        deadline = created + timedelta(days=7)
        rows.append(
            {
                "number": f"HIST-{n:07d}",
                "account_id": consumers[code],
                "entity_id": entity_ids[code],
                "billing_entity_id": entity_ids[code],
                "shop": ShopKind.PRINTED,
                "status": OrderStatus.VALIDATED,
                "created_at": created,
                "updated_at": created,
                "deadline": deadline,
                "reminder_due_at": deadline - timedelta(days=3),
                "validated_at": created + timedelta(days=1),
                "delivery_name": "Banc d'essai",
                "delivery_address": "1 rue du Banc",
                "delivery_postcode": "03000",
                "delivery_city": "MOULINS",
                "shipping_carrier": "Banc",
                "shipping_excl_vat": Decimal("0.00"),
                "shipping_vat": Decimal("0.00"),
                "dispatch_date": created.date(),
                "estimated_delivery": created.date() + timedelta(days=3),
            }
        )
    with app.app_context():
        for start in range(0, len(rows), 5_000):
            db.session.execute(insert(Order.__table__), rows[start : start + 5_000])
        order_ids = db.session.scalars(
            select(Order.id).where(Order.number.like("HIST-%")).order_by(Order.id)
        ).all()
        lines = [
            {
                "order_id": order_id,
                "product_id": product_ids[(n * HISTORY_LINES + k) % len(product_ids)],
                "quantity": 1 + (n + k) % 5,
                "unit_price": Decimal("0.00"),
                "vat_rate": Decimal("5.50"),
                "reserved_quantity": 0,
            }
            for n, order_id in enumerate(order_ids)
            for k in range(HISTORY_LINES)
        ]
        for start in range(0, len(lines), 5_000):
            db.session.execute(insert(OrderLine.__table__), lines[start : start + 5_000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # as autovacuum would have done
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        db.session.remove()


def check_consumption(app: Flask, fixtures: Fixtures, now: datetime) -> list[str]:
    """What ALLIER already received this month (``USED`` of every product) and its lock rows,
    one line each, starting with "ok" or "PROBLEM"."""
    tz = shop_timezone_of(app)
    with app.app_context():
        used = used_this_month(fixtures.recipient, fixtures.products, now, now, tz)
        orders = db.session.scalar(select(func.count(Order.id)))
        locks = db.session.scalar(
            select(func.count())
            .select_from(QuotaLock)
            .where(QuotaLock.entity_id == fixtures.recipient, QuotaLock.month == month_key(now, tz))
        )
        db.session.remove()
    found = Counter(used.get(pid, 0) for pid in fixtures.products)
    ok = found == Counter({USED: len(fixtures.products)})
    text_found = ", ".join(f"{units} of {n} products" for units, n in sorted(found.items()))
    return [
        ("ok      " if ok else "PROBLEM ")
        + f"used_this_month(ALLIER): {text_found} ({USED} of each expected; "
        + f"{orders:,} orders in all)",
        ("ok      " if locks == len(fixtures.products) else "PROBLEM ")
        + f"ALLIER's quota_locks rows of this month: {locks} (created by the saves above:",
        "        the measured lock_month finds them, as after the month's first save)",
    ]


def expected_quantities(product_ids: list[int]) -> dict[int, int]:
    """What the check must leave of ``WANTED``, from ``OVERRIDES`` and ``USED``."""
    expected = {}
    for n, pid in enumerate(product_ids):
        remaining = max(OVERRIDES.get(n % 5, DEFAULT_QUOTA) - USED, 0)
        expected[pid] = min(WANTED, remaining)
    return expected


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Measure:
    lines: int
    durations: list[float] = field(default_factory=list)  # seconds per timed call
    cpu: list[float] = field(default_factory=list)  # CPU seconds of this process per timed call
    statements: list[int] = field(default_factory=list)  # one count per counted call
    sample: list[str] = field(default_factory=list)  # the statements of the last counted call
    result: QuotaResult | None = None

    @property
    def count(self) -> int:
        return max(self.statements)

    @property
    def count_text(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(high) if low == high else f"{low}-{high}"


def measure(
    app: Flask,
    lines: int,
    prepare: Callable[[], Any],
    call: Callable[[Any], QuotaResult],
    seconds: float,
) -> Measure:
    """Run ``call(prepare())`` then roll back, again and again.

    ``prepare`` (what the request or the save did before) is neither timed nor counted; the
    rollback is not timed either. Warm-up calls first, then calls whose statements are
    counted, then timed calls for about ``seconds``.
    """
    result = Measure(lines)
    with app.app_context():
        for _ in range(WARM_UP_CALLS):
            call(prepare())
            db.session.rollback()
        for _ in range(COUNTED_CALLS):
            prepared = prepare()
            with counting_statements(app) as statements:
                result.result = call(prepared)
            db.session.rollback()
            result.statements.append(len(statements))
            result.sample = statements
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(result.durations) < MIN_TIMED_CALLS:
            prepared = prepare()
            began, began_cpu = time.perf_counter(), time.process_time()
            call(prepared)
            result.durations.append(time.perf_counter() - began)
            result.cpu.append(time.process_time() - began_cpu)
            db.session.rollback()
        db.session.remove()
    return result


def measure_size(
    app: Flask, fixtures: Fixtures, lines: int, now: datetime, seconds: float
) -> tuple[Measure, Measure]:
    tz = shop_timezone_of(app)
    product_ids = fixtures.products[:lines]
    with app.app_context():
        fill_basket(fixtures.account, product_ids, WANTED, now.astimezone(tz).date())
        db.session.remove()

    def load_account() -> Account:  # as a request loads the signed-in user
        return db.session.get(Account, fixtures.account)

    def mettre_a_jour(account: Account) -> QuotaResult:
        return update_recipient(account, fixtures.recipient, now, tz)[1]

    wanted = dict.fromkeys(product_ids, WANTED)

    def lock() -> dict[int, Product]:  # as save_basket does before the quota
        return lock_products(product_ids)

    def quota_of_save(products: dict[int, Product]) -> QuotaResult:
        return check(
            quota_lines(
                fixtures.recipient, wanted, products, month_of=now, now=now, tz=tz, lock=True
            )
        )

    return (
        measure(app, lines, load_account, mettre_a_jour, seconds),
        measure(app, lines, lock, quota_of_save, seconds),
    )


# -- report ---------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.2f}"


def _outcome(result: QuotaResult | None, expected: dict[int, int]) -> str:
    if result is None:
        return "?"
    lowered = sum(1 for pid, quantity in result.quantities.items() if quantity < WANTED)
    right = {pid: expected[pid] for pid in result.quantities} == result.quantities
    flag = "" if right else " PROBLEM: not the expected quantities"
    return f"{result.outcome.name}, {lowered} lowered{flag}"


def report_table(title: str, results: list[Measure], expected: dict[int, int]) -> None:
    print(title)
    print()
    head = f"{'basket':>8} | {'median ms':>9} {'p90 ms':>7} {'CPU ms':>6} {'calls':>6} | "
    head += f"{'SQL':>3} | outcome"
    print(head)
    print("-" * (len(head) + 24))
    for m in results:
        label = f"{m.lines} line" + "s" * (m.lines > 1)
        print(
            f"{label:>8} | {_ms(statistics.median(m.durations)):>9} "
            f"{_ms(percentile(m.durations, 0.9)):>7} {_ms(statistics.median(m.cpu)):>6} "
            f"{len(m.durations):>6} | "
            f"{m.count_text:>3} | {_outcome(m.result, expected)}"
        )
    print()


def report_statements(name: str, results: list[Measure]) -> bool:
    """Print the verdict and the statements of the largest basket; return whether it grew."""
    counts = ", ".join(f"{m.count_text} with {m.lines}" for m in results)
    grows = any(b.count > a.count for a, b in pairwise(results))
    if grows:
        bar = "!" * 78
        print(bar)
        print(f"!!! {name}: SQL STATEMENTS GROW WITH THE BASKET: {counts} lines")
        seen = Counter(" ".join(s.split()) for s in results[-1].sample)
        for statement, n in seen.most_common():
            if n > 1:
                print(f"!!!     {n} x {statement[:100]}")
        print(bar)
    elif any(len(set(m.statements)) > 1 for m in results):
        print(f"  {name}: varies: {counts} lines (identical calls differ)")
    else:
        print(f"  {name}: constant, {counts} lines")
    print(
        f"  its statements with {results[-1].lines} lines (first 100 characters; a row lock "
        "or ON CONFLICT\n  at the end in brackets):"
    )
    for n, statement in enumerate(results[-1].sample, 1):
        tail = TAIL.search(" ".join(statement.split()))
        print(f"    {n:>2}. {one_line(statement)}" + (f"  [... {tail[0]}]" if tail else ""))
    print()
    return grows


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quota", description=__doc__)
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("SHOP_BENCH_SECONDS", "1.0")),
        help="time spent on each measure and basket size (default 1.0, or SHOP_BENCH_SECONDS)",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=10_000,
        help="validated orders of earlier months, half of them ALLIER's (default 10000)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_note = busy_machine_warning(
        "the times per call", when="start", effect="are longer and noisier"
    )

    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmpdir:
        try:
            url = database_url(tmpdir)
            app = build_app(url, os.path.join(tmpdir, "mail"))
        except BenchSetupError as error:
            print(f"bench.quota: {error}", file=sys.stderr)
            return 2
        print(f"Monthly quota checks on {engine_label(app, url)}")
        now = utcnow()
        try:
            fixtures = create_fixtures(app, now, args.history)
            consumption_check = check_consumption(app, fixtures, now)
            print("Measuring ", end="", flush=True)
            updates, saves = [], []
            for lines in LINE_COUNTS:
                update_measure, save_measure = measure_size(app, fixtures, lines, now, args.seconds)
                updates.append(update_measure)
                saves.append(save_measure)
                print(".", end="", flush=True)
            print()
        except BenchSetupError as error:
            print(f"\nbench.quota: {error}", file=sys.stderr)
            return 2
        finally:
            dispose(app)

    print()
    overridden = sum(1 for n in range(max(LINE_COUNTS)) if n % 5 in OVERRIDES)
    print(
        f"Basket of {ACCOUNT}: {WANTED} units of each of 1, 10 or 50 printed products with a "
        f"monthly quota\nof {DEFAULT_QUOTA}; recipient ALLIER ({RECIPIENT}), which has its own "
        f"quota for {overridden} of the 50\n(by turns "
        + ", ".join(str(q) for q in OVERRIDES.values())
        + "; ESSONNE has one for all 50). Orders already placed by other accounts:"
    )
    for line in fixtures.consumption:
        print(f"  - {line}")
    print(f"  + {fixtures.history:,} validated orders of earlier months (half of them ALLIER's)")
    for line in consumption_check:
        print(f"  {line}")
    print()

    expected = expected_quantities(fixtures.products)
    report_table(
        '1. "Mettre à jour": update_recipient(account, ALLIER, now, tz), then rollback',
        updates,
        expected,
    )
    report_table(
        "2. Quota part of a save: quota_lines(..., lock=True) + check, then rollback",
        saves,
        expected,
    )
    print("ms:      one call, the account loaded (1.) or the products locked (2.) before it and")
    print("         the rollback after it not timed; p90: 90th percentile.")
    print("CPU ms:  median CPU time of this process per call (the database server's is not in")
    print("         it); steadier than ms when other programs share the machine.")
    print("SQL:     statements one call sends, BEGIN/SAVEPOINT/RELEASE not counted, an executemany")
    print(
        f"         counted once; {COUNTED_CALLS} calls counted after {WARM_UP_CALLS} warm-up call."
    )
    print(f"outcome: of the check, and how many lines it lowered below {WANTED} (one in five is")
    print("         lowered to 3 and one in five to 0 by ALLIER's quotas).")
    print()
    print("3. SQL statements per call must stay the same small number whatever the basket:")
    grows = report_statements("update_recipient", updates)
    grows |= report_statements("quota_lines(lock=True) + check", saves)
    if load_note:
        print(load_note)
        print()
    problems = any(line.startswith("PROBLEM") for line in consumption_check) or any(
        "PROBLEM" in _outcome(m.result, expected) for m in updates + saves
    )
    if grows or problems:
        print(
            "SUMMARY: see above: "
            + ", ".join(
                part
                for part in (
                    "statements per call grow with the basket" if grows else "",
                    "quota figures not as expected" if problems else "",
                )
                if part
            )
        )
    else:
        print(
            f"SUMMARY: statements per call constant ({updates[0].count_text} for "
            f'"Mettre à jour", {saves[0].count_text} for the quota part of a save); quotas '
            "as expected."
        )
    print(f"\n(whole run: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
