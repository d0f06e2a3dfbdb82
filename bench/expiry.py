"""The sweeper at scale: expiring and reminding 10,000 then 100,000 due orders in one call.

Run from the project root: ``python -m bench.expiry``. It prints figures and never fails on
them. For each size it inserts that many saved orders past their deadline and as many saved
orders due for their reminder (Core bulk inserts, not ``save_basket``: 100,000 saves would
take far too long), then times one call of each sweeper function, with its default batch
size, as ``shop.jobs.sweep`` runs them:

- ``shop.ordering.lifecycle.send_due_reminders(now)``;
- ``shop.ordering.lifecycle.expire_due_orders(now)``.

For each call it prints the time, the CPU time of this process, the SQL statements sent
(BEGIN, SAVEPOINT and RELEASE not counted; an executemany counts once), the statements per
1,000 orders and per batch, the peak RSS of the process, and where the time goes (thin
wrappers around what ``lifecycle`` calls). The work must be set-based, a handful of
statements per batch of orders: statements per 1,000 orders must stay flat from one size to
the next, and a count that grows is printed loudly.

Both sweepers render one e-mail per order (Jinja), by design. The first size is measured a
second time with ``render_email`` replaced by a constant (labelled "e-mail constant";
``--constant all`` for every size), which shows how much of the time that rendering is.

After each size it checks, and prints: every due order expired (cancelled, reason
"expired") or reminded, the units released, the products whose orders all expired reserve
nothing, the expired lines hold nothing, reservations still add up, the outbox holds exactly
one message per order, and a second call finds nothing. A failed check is printed, never
raised.

The database is a temporary SQLite file, or the PostgreSQL database named by
``SHOP_BENCH_DATABASE_URL``, whose ``public`` schema is dropped and recreated first (only
if the database name contains "bench").
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from unittest import mock

from flask import Flask
from sqlalchemy import bindparam, delete, func, insert, select, text, update

from bench._setup import (
    BenchSetupError,
    build_app,
    busy_machine_warning,
    counting_statements,
    database_url,
    dispose,
    engine_label,
)
from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    Account,
    Category,
    Order,
    OrderLine,
    OrderStatus,
    OutboxMessage,
    Product,
    ShopKind,
)
from shop.models.orders import CANCEL_EXPIRED
from shop.ordering import lifecycle

DEFAULT_SIZES = (10_000, 100_000)
POOL = 200  # products the orders of one kind spread over (one pool each for expiry, reminders)
STOCK = 10_000_000  # per product: far more than 100,000 orders reserve
MAX_LINES = 3  # lines per order: 1 to 3, distinct products
MAX_QUANTITY = 5  # units per line: 1 to 5, all reserved
CHUNK = 5_000  # rows per executemany when inserting
STREAM_ROWS = 5_000  # rows fetched at a time by the checks
EXPIRED_PREFIX = "2026-01-01-"  # order numbers: prefix + 6 digits (String(20))
REMINDED_PREFIX = "2026-01-02-"
CLAIM_RE = re.compile(r"\s*SELECT orders\.id\s+FROM orders\b")  # _claim's query
NUMBER_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}-\d{6}\b")
FULL, CONSTANT = "e-mail rendered", "e-mail constant"
KINDS = {"reminders": "order-reminder", "expiry": "order-expired"}


# -- setup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixtures:
    expiry_products: list[int]
    reminder_products: list[int]
    prices: dict[int, tuple[Decimal, Decimal]]  # product id: (unit price, VAT rate)
    accounts: list[tuple[int, int, dict]]  # (account id, entity id, delivery columns)


def create_fixtures(app: Flask) -> Fixtures:
    """Two pools of synthetic printed products with plenty of stock; the demo accounts.

    Expiring orders and orders due for a reminder each use a pool of their own, so the check
    "a product whose orders all expired reserves nothing" has products to look at.
    """
    with app.app_context():
        categories = list(
            db.session.scalars(
                select(Category).where(Category.shop == ShopKind.PRINTED).order_by(Category.id)
            )
        )
        accounts = list(db.session.scalars(select(Account).order_by(Account.id)))
        if not categories or not accounts:
            raise BenchSetupError("the demo data has no printed category or no account")
        products = [
            Product(
                reference=f"EXPIRY-{n:04d}",
                name=f"Dépliant de synthèse n° {n}",
                description="Produit créé par le banc d'essai de l'expiration.",
                category=categories[n % len(categories)],
                unit_price=Decimal(n % 7) / 4,
                vat_rate=Decimal("5.50"),
                min_quantity=1,
                max_quantity=100,
                quantity_step=1,
                stock_on_hand=STOCK,
                weight_grams=10 + n % 40,
            )
            for n in range(1, 2 * POOL + 1)
        ]
        db.session.add_all(products)
        db.session.commit()
        ids = [p.id for p in products]
        prices = {p.id: (p.unit_price, p.vat_rate) for p in products}
        owners = [
            (
                a.id,
                a.entity_id,
                {
                    "delivery_name": a.entity.name,
                    "delivery_address": a.entity.delivery_address,
                    "delivery_postcode": a.entity.delivery_postcode,
                    "delivery_city": a.entity.delivery_city,
                    "delivery_phone": a.entity.phone,
                },
            )
            for a in accounts
        ]
        db.session.remove()
    return Fixtures(ids[:POOL], ids[POOL:], prices, owners)


def reset_orders(app: Flask) -> None:
    """No order, no line, no message, nothing reserved: every run starts from the same state."""
    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(OrderLine))
        db.session.execute(delete(Order))
        db.session.execute(update(Product).values(reserved_quantity=0))
        db.session.commit()
        db.session.remove()


def _order_rows(
    fixtures: Fixtures, prefix: str, first: int, count: int, times: Callable[[int], dict]
) -> list[dict]:
    rows = []
    for n in range(first, first + count):
        account_id, entity_id, delivery = fixtures.accounts[n % len(fixtures.accounts)]
        stamps = times(n)
        rows.append(
            {
                "number": f"{prefix}{n:06d}",
                "account_id": account_id,
                "entity_id": entity_id,
                "billing_entity_id": entity_id,
                "shop": ShopKind.PRINTED,
                "status": OrderStatus.SAVED,
                "created_at": stamps["created_at"],
                "updated_at": stamps["created_at"],
                "deadline": stamps["deadline"],
                "reminder_due_at": stamps["reminder_due_at"],
                "reminder_sent_at": stamps["reminder_sent_at"],
                "validated_at": None,
                "cancelled_at": None,
                "cancel_reason": None,
                "customer_reference": "",
                **delivery,
                "shipping_carrier": "DPD",
                "shipping_excl_vat": Decimal("0.00"),
                "shipping_vat": Decimal("0.00"),
                "dispatch_date": stamps["created_at"].date() + timedelta(days=2),
                "estimated_delivery": stamps["created_at"].date() + timedelta(days=5),
            }
        )
    return rows


def insert_orders(
    app: Flask,
    fixtures: Fixtures,
    products: list[int],
    prefix: str,
    count: int,
    times: Callable[[int], dict],
    rng: random.Random,
) -> int:
    """Insert ``count`` saved orders of 1-3 lines over ``products``, everything reserved.

    Chunks of orders, then their lines, go in with one executemany each; the products'
    reserved quantities are set to the sums at the end. Returns the units reserved.
    """
    reserved: Counter = Counter()
    orders, lines = Order.__table__, OrderLine.__table__
    with app.app_context():
        connection = db.session.connection()
        for first in range(0, count, CHUNK):
            size = min(CHUNK, count - first)
            connection.execute(insert(orders), _order_rows(fixtures, prefix, first, size, times))
            ids = connection.execute(
                select(orders.c.id)
                .where(
                    orders.c.number >= f"{prefix}{first:06d}",
                    orders.c.number <= f"{prefix}{first + size - 1:06d}",
                )
                .order_by(orders.c.number)
            ).scalars()
            rows = []
            for order_id in ids:
                for product_id in rng.sample(products, rng.randint(1, MAX_LINES)):
                    quantity = rng.randint(1, MAX_QUANTITY)
                    unit_price, vat_rate = fixtures.prices[product_id]
                    rows.append(
                        {
                            "order_id": order_id,
                            "product_id": product_id,
                            "quantity": quantity,
                            "unit_price": unit_price,
                            "vat_rate": vat_rate,
                            "reserved_quantity": quantity,
                        }
                    )
                    reserved[product_id] += quantity
            connection.execute(insert(lines), rows)
        table = Product.__table__
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("pid"))
            .values(reserved_quantity=bindparam("quantity")),
            [{"pid": pid, "quantity": quantity} for pid, quantity in sorted(reserved.items())],
        )
        db.session.commit()
        db.session.remove()
    return sum(reserved.values())


def create_due_orders(app: Flask, fixtures: Fixtures, size: int, now: datetime) -> int:
    """``size`` orders past their deadline (reminded already) and ``size`` due for a reminder.

    Returns the units the expiring orders reserve.
    """
    rng = random.Random(size)

    def past_deadline(n: int) -> dict:
        deadline = now - timedelta(days=1, seconds=n % 86_400)
        reminder = deadline - timedelta(days=3)
        return {
            "created_at": deadline - timedelta(days=7),
            "deadline": deadline,
            "reminder_due_at": reminder,
            "reminder_sent_at": reminder,
        }

    def reminder_due(n: int) -> dict:
        deadline = now + timedelta(days=2, seconds=n % 86_400)
        return {
            "created_at": deadline - timedelta(days=7),
            "deadline": deadline,
            "reminder_due_at": now - timedelta(hours=1, seconds=n % 3_600),
            "reminder_sent_at": None,
        }

    units = insert_orders(
        app, fixtures, fixtures.expiry_products, EXPIRED_PREFIX, size, past_deadline, rng
    )
    insert_orders(
        app, fixtures, fixtures.reminder_products, REMINDED_PREFIX, size, reminder_due, rng
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # as autovacuum would have done
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE orders, order_lines, products, outbox_messages"))
    return units


# -- measuring ------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """The process's peak resident set so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def constant_email(template: str, locale: str, **context) -> dict:
    """What ``render_email`` returns, without Jinja: the subject keeps the order number."""
    return {
        "subject": f"{template} {context['order'].number}",
        "body_text": "Corps constant.\n",
        "body_html": None,
    }


@contextmanager
def mail_variant(variant: str) -> Iterator[None]:
    if variant == CONSTANT:
        with mock.patch.object(lifecycle, "render_email", constant_email):
            yield
    else:
        yield


# What the sweeper functions call, by the name lifecycle looks them up under, and the label
# of their share of the time. The rest (the conditional UPDATEs, the commits, the loop) is
# "other".
PHASES = {
    "_claim": "claim",
    "release_orders": "release",
    "_orders_for_mail": "load",
    "compute_totals": "totals",
    "external_url": "links",
    "render_email": "render",
    "queue_emails": "outbox",
}


@contextmanager
def timing_phases() -> Iterator[Counter]:
    """Seconds spent in each of ``PHASES``, through thin wrappers (about 1 µs a call)."""
    spent: Counter = Counter()
    patches = []
    for name, label in PHASES.items():
        original = getattr(lifecycle, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            began = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - began

        patches.append(mock.patch.object(lifecycle, name, timed))
    for patch in patches:
        patch.start()
    try:
        yield spent
    finally:
        for patch in reversed(patches):
            patch.stop()


@dataclass
class Measure:
    job: str  # "reminders" or "expiry"
    variant: str
    size: int
    result: int = 0  # orders reminded or expired
    released: int = 0  # units released (expiry)
    seconds: float = 0.0
    cpu: float = 0.0
    statements: list[str] = field(default_factory=list)
    phases: Counter = field(default_factory=Counter)  # seconds per PHASES label
    rss_before: float = 0.0
    rss_after: float = 0.0
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def batches(self) -> int:
        return math.ceil(self.size / lifecycle.BATCH_SIZE)

    @property
    def per_thousand(self) -> float:
        return 1000 * len(self.statements) / self.size

    def record(self, ok: bool, message: str) -> None:
        self.checks.append(("ok      " if ok else "PROBLEM ") + message)
        if not ok:
            self.problems.append(message)


def measure(app: Flask, job: str, variant: str, size: int, now: datetime) -> Measure:
    """One call of the sweeper function, timed and its statements counted."""
    run = Measure(job, variant, size, rss_before=peak_rss_mib())
    with app.app_context(), mail_variant(variant), timing_phases() as phases:
        with counting_statements(app) as statements:
            began, cpu = time.perf_counter(), time.process_time()
            if job == "reminders":
                run.result = lifecycle.send_due_reminders(now)
            else:
                run.result, run.released = lifecycle.expire_due_orders(now)
            run.seconds = time.perf_counter() - began
            run.cpu = time.process_time() - cpu
        run.statements = list(statements)
        run.phases = Counter(phases)
        db.session.remove()
    run.rss_after = peak_rss_mib()
    return run


# -- checks ---------------------------------------------------------------------------------


def _numbers(prefix: str):
    return Order.number.like(f"{prefix}%")


def _stream(query):
    """The rows a few thousand at a time (a server-side cursor on PostgreSQL)."""
    return db.session.execute(query.execution_options(yield_per=STREAM_ROWS)).scalars()


def _one_per_order(run: Measure, kind: str, prefix: str, state) -> None:
    """Exactly one message of this kind per order in this state, matched by order number.

    Counted in two bytearrays indexed by the orders' running numbers, so that checking
    100,000 orders barely moves the peak RSS the benchmark reports.
    """
    changed, mails = bytearray(run.size), bytearray(run.size)
    for number in _stream(select(Order.number).where(_numbers(prefix), state)):
        changed[int(number.removeprefix(prefix))] = 1
    total = strays = 0
    for subject in _stream(select(OutboxMessage.subject).where(OutboxMessage.kind == kind)):
        total += 1
        match = NUMBER_RE.search(subject)
        index = int(match.group().removeprefix(prefix)) if match else -1
        if match and match.group().startswith(prefix) and index < run.size:
            mails[index] = min(mails[index] + 1, 255)
        else:
            strays += 1
    orders = sum(changed)
    once = sum(1 for done, sent in zip(changed, mails, strict=True) if done and sent == 1)
    run.record(
        total == orders == once and strays == 0,
        f'outbox: {total:,} "{kind}" messages, exactly one for {once:,} of the {orders:,} '
        f"orders, {strays} naming no such order",
    )


def _reservations_add_up(run: Measure) -> None:
    by_line = (
        select(OrderLine.product_id, func.sum(OrderLine.reserved_quantity).label("held"))
        .group_by(OrderLine.product_id)
        .subquery()
    )
    mismatched = db.session.scalar(
        select(func.count())
        .select_from(Product)
        .outerjoin(by_line, by_line.c.product_id == Product.id)
        .where(Product.reserved_quantity != func.coalesce(by_line.c.held, 0))
    )
    run.record(
        mismatched == 0, f"products whose reservation differs from their lines': {mismatched}"
    )


def check_reminders(app: Flask, run: Measure, now: datetime) -> None:
    with app.app_context():
        due = _numbers(REMINDED_PREFIX)
        reminded = db.session.scalar(
            select(func.count()).where(
                due, Order.status == OrderStatus.SAVED, Order.reminder_sent_at == now
            )
        )
        run.record(
            run.result == reminded == run.size,
            f"reminders: {run.result:,} returned, {reminded:,} of the {run.size:,} due orders "
            "marked reminded and still saved",
        )
        _one_per_order(run, KINDS["reminders"], REMINDED_PREFIX, Order.reminder_sent_at == now)
        again = lifecycle.send_due_reminders(now)
        run.record(again == 0, f"a second call reminds {again} order(s)")
        db.session.remove()


def check_expiry(app: Flask, run: Measure, fixtures: Fixtures, units: int, now: datetime) -> None:
    with app.app_context():
        expired = Order.status == OrderStatus.CANCELLED, Order.cancel_reason == CANCEL_EXPIRED
        done = db.session.scalar(
            select(func.count()).where(
                _numbers(EXPIRED_PREFIX), *expired, Order.cancelled_at == now
            )
        )
        run.record(
            run.result == done == run.size,
            f"expiry: {run.result:,} returned, {done:,} of the {run.size:,} due orders "
            'cancelled with reason "expired"',
        )
        run.record(
            run.released == units,
            f"units released: {run.released:,} returned, {units:,} reserved by the due orders",
        )
        others = db.session.scalar(
            select(func.count()).where(_numbers(REMINDED_PREFIX), Order.status != OrderStatus.SAVED)
        )
        run.record(others == 0, f"orders not yet due that expiry changed: {others}")
        still = db.session.scalar(
            select(func.count()).where(
                Product.id.in_(fixtures.expiry_products), Product.reserved_quantity != 0
            )
        )
        run.record(
            still == 0,
            f"products whose orders all expired that still reserve stock: {still} of {POOL}",
        )
        held = db.session.scalar(
            select(func.coalesce(func.sum(OrderLine.reserved_quantity), 0))
            .join(Order, Order.id == OrderLine.order_id)
            .where(*expired)
        )
        run.record(held == 0, f"sum(order_lines.reserved_quantity) of the expired orders: {held}")
        _reservations_add_up(run)
        _one_per_order(run, KINDS["expiry"], EXPIRED_PREFIX, Order.status == OrderStatus.CANCELLED)
        again = lifecycle.expire_due_orders(now)
        run.record(again == (0, 0), f"a second call expires {again[0]} order(s)")
        db.session.remove()


# -- report ---------------------------------------------------------------------------------


def _one_line(statement: str, width: int = 96) -> str:
    flat = " ".join(statement.split())
    flat = re.sub(r"(__\[POSTCOMPILE_\w+\]|\?(, \?)+|%\(\w+\)s(, %\(\w+\)s)+)", "...", flat)
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def one_batch(run: Measure) -> list[str]:
    """The statements of the first batch (those before the second claim)."""
    claims = [i for i, s in enumerate(run.statements) if CLAIM_RE.match(s)]
    if len(claims) >= 2:
        return run.statements[claims[0] : claims[1]]
    return run.statements


JOB_NAMES = {"reminders": "send_due_reminders", "expiry": "expire_due_orders"}


def report(runs: list[Measure]) -> bool:
    """Print the tables and the flatness check; return whether statements per order grew."""
    print()
    print(
        f"1. One call of each sweeper function, default batch size ({lifecycle.BATCH_SIZE:,} "
        "orders)"
    )
    print()
    head = (
        f"{'function':<18} {'e-mail':<8} {'orders':>7} | {'seconds':>7} {'CPU s':>6} "
        f"{'orders/s':>8} {'ms/1k':>5} | {'SQL':>5} {'SQL/1k':>6} {'/batch':>6} | "
        f"{'peak RSS (+call)':>16}"
    )
    print(head)
    print("-" * len(head))
    for run in runs:
        per_batch = (len(run.statements) - 1) / run.batches
        rate = run.size / run.seconds if run.seconds else 0.0
        print(
            f"{JOB_NAMES[run.job]:<18} {run.variant.split()[1]:<8} {run.size:>7,} | "
            f"{run.seconds:7.2f} {run.cpu:6.2f} {rate:8,.0f} {run.seconds * 1e6 / run.size:5.0f} | "
            f"{len(run.statements):>5,} {run.per_thousand:6.2f} {per_batch:6.1f} | "
            f"{run.rss_after:4.0f} MiB (+{run.rss_after - run.rss_before:3.0f})"
        )
    print()
    print("seconds:  wall-clock time of the one call (every batch and its commit); CPU s: CPU")
    print("          time of this process meanwhile (the database server's is not in it).")
    print("ms/1k:    milliseconds per 1,000 orders.")
    print("SQL:      statements the call sent (BEGIN/SAVEPOINT/RELEASE not counted, an")
    print("          executemany counted once); SQL/1k: per 1,000 orders; /batch: per batch,")
    print("          the last claim, which finds nothing, left out.")
    print("peak RSS: of this process so far (resource.getrusage), the data setup included;")
    print("          (+call): how much the call itself raised it.")
    print("e-mail:   rendered = as shipped, one Jinja e-mail per order; constant = render_email")
    print("          replaced by a constant dict (orders still loaded, totals and links still")
    print("          computed): the difference is the cost of the Jinja rendering.")

    print()
    print("2. Where the time goes, share of each call's wall-clock time (thin wrappers around")
    print("   what lifecycle calls; render, links and totals run once per order):")
    print()
    labels = list(PHASES.values()) + ["other"]
    head = f"{'function':<18} {'e-mail':<8} {'orders':>7} | " + " ".join(
        f"{label:>7}" for label in labels
    )
    head += " | claim ms"
    print(head)
    print("-" * len(head))
    for run in runs:
        other = max(0.0, run.seconds - sum(run.phases.values()))
        shares = [run.phases[label] for label in labels[:-1]] + [other]
        print(
            f"{JOB_NAMES[run.job]:<18} {run.variant.split()[1]:<8} {run.size:>7,} | "
            + " ".join(f"{100 * part / run.seconds:6.0f}%" for part in shares)
            + f" | {1000 * run.phases['claim'] / (run.batches + 1):8.1f}"
        )
    print()
    print("claim:   the SELECT ... FOR UPDATE SKIP LOCKED of each batch's ids (claim ms: per")
    print("         batch on average, the last, empty claim included);")
    print("release: release_orders (lock the products, give back the lines' reservations);")
    print("load:    the orders, accounts and lines loaded for the e-mails;")
    print("totals:  compute_totals per order; links: external_url per order (it builds a")
    print("         request context each time); render: render_email per order (Jinja, the")
    print("         .txt and a lookup of the optional .html);")
    print("outbox:  the executemany INSERT of the batch's messages;")
    print("other:   the conditional UPDATE ... RETURNING, the commits, the loop.")
    compared = [
        (full, const)
        for const in runs
        if const.variant == CONSTANT
        and (full := _find(runs, const.job, FULL, const.size)) is not None
    ]
    if compared:
        print()
        print("   Rendered against constant, the second, labelled measurement (CPU: this")
        print("   process's CPU time, steadier than wall-clock time when other programs run):")
        for full, const in compared:
            wall = 100 * (full.seconds - const.seconds) / full.seconds
            cpu = 100 * (full.cpu - const.cpu) / full.cpu
            print(
                f"   {JOB_NAMES[full.job]:<18} {full.size:>7,} orders: wall {full.seconds:6.2f} s "
                f"rendered, {const.seconds:6.2f} s constant: rendering {wall:3.0f} %, "
                f"{1000 * (full.seconds - const.seconds) / full.size:.2f} ms/order"
            )
            print(
                f"   {'':<18} {'':>7}          CPU {full.cpu:6.2f} s rendered, {const.cpu:6.2f} s "
                f"constant: rendering {cpu:3.0f} %, "
                f"{1000 * (full.cpu - const.cpu) / full.size:.2f} ms/order"
            )

    print()
    print("3. SQL statements per 1,000 orders must stay flat from size to size (set-based):")
    grows = False
    for job in JOB_NAMES:
        for variant in (FULL, CONSTANT):
            chain = [r for r in runs if r.job == job and r.variant == variant]
            if len(chain) < 2:
                continue
            figures = ", ".join(f"{r.per_thousand:.2f} at {r.size:,}" for r in chain)
            grew = any(b.per_thousand > a.per_thousand * 1.05 for a, b in pairwise(chain))
            grows |= grew
            verdict = "GROWS" if grew else "FLAT"
            print(f"  {JOB_NAMES[job]:<18} ({variant}): {verdict}: {figures}")
    if grows:
        bar = "!" * 78
        print(bar)
        print("!!! SQL STATEMENTS PER ORDER GROW WITH THE NUMBER OF ORDERS: not set-based")
        print(bar)
    for job in JOB_NAMES:
        chain = [r for r in runs if r.job == job and r.variant == FULL]
        claims = [1000 * r.phases["claim"] / (r.batches + 1) for r in chain]
        if any(b > 2 * a for a, b in pairwise(claims)):
            figures = ", ".join(
                f"{c:.1f} ms at {r.size:,}" for c, r in zip(claims, chain, strict=True)
            )
            print(
                f"  note: the time of one claim of {JOB_NAMES[job]} grows with the size: {figures}"
            )
            print("        (the same statements, but each scans past the orders already done).")
    for job in JOB_NAMES:
        sample = next((r for r in runs if r.job == job), None)
        if sample is None:
            continue
        statements = one_batch(sample)
        print(f"  the {len(statements)} statements of one batch of {JOB_NAMES[job]}:")
        for n, statement in enumerate(statements, 1):
            print(f"    {n:>2}. {_one_line(statement)}")

    print()
    print("4. Checks after every call:")
    for run in runs:
        print(f"  {JOB_NAMES[run.job]} of {run.size:,} orders, {run.variant}:")
        for line in run.checks:
            print(f"    {line}")
    return grows


def _find(runs: list[Measure], job: str, variant: str, size: int) -> Measure | None:
    return next((r for r in runs if r.job == job and r.variant == variant and r.size == size), None)


# -- main -----------------------------------------------------------------------------------


def parse_sizes(value: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {value!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def run_size(
    app: Flask, fixtures: Fixtures, size: int, variant: str, now: datetime
) -> tuple[list[Measure], float]:
    """Fresh due orders, then one call of each function; return the runs and the setup time."""
    began = time.perf_counter()
    reset_orders(app)
    units = create_due_orders(app, fixtures, size, now)
    setup = time.perf_counter() - began
    print(f"  {size:>7,} orders, {variant}: setup {setup:.1f} s", end="", flush=True)
    reminders = measure(app, "reminders", variant, size, now)
    print(f", send_due_reminders {reminders.seconds:.1f} s", end="", flush=True)
    expiry = measure(app, "expiry", variant, size, now)
    print(f", expire_due_orders {expiry.seconds:.1f} s", flush=True)
    # Checked after both calls, so that the checks' memory is not in the calls' peak RSS.
    check_reminders(app, reminders, now)
    check_expiry(app, expiry, fixtures, units, now)
    return [reminders, expiry], setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.expiry", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="numbers of due orders of each kind, comma-separated (default 10000,100000)",
    )
    parser.add_argument(
        "--constant",
        choices=("first", "all", "none"),
        default="first",
        help="sizes measured a second time with render_email replaced by a constant: the "
        "first size only (default), all of them, or none",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_note = busy_machine_warning("orders/s", when="start")
    constant_sizes = {"first": args.sizes[:1], "all": args.sizes, "none": []}[args.constant]

    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmpdir:
        try:
            url = database_url(tmpdir)
            app = build_app(url, os.path.join(tmpdir, "mail"))
        except BenchSetupError as error:
            print(f"bench.expiry: {error}", file=sys.stderr)
            return 2
        print(f"Expiry and reminders on {engine_label(app, url)}")

        runs: list[Measure] = []
        setup_seconds = 0.0
        try:
            fixtures = create_fixtures(app)
            now = utcnow().replace(microsecond=0)
            print("Measuring (each run: reset, insert the due orders, one call of each function):")
            plan = [(size, FULL) for size in args.sizes]
            plan += [(size, CONSTANT) for size in constant_sizes]
            for size, variant in plan:
                measured, setup = run_size(app, fixtures, size, variant, now)
                runs.extend(measured)
                setup_seconds += setup
        except BenchSetupError as error:
            print(f"\nbench.expiry: {error}", file=sys.stderr)
            return 2
        finally:
            dispose(app)

        how = "Core executemany" + ("" if url.startswith("sqlite") else ", then VACUUM ANALYZE")
        print(
            f"For each run: N orders past their deadline (already reminded) and N orders due "
            f"for a reminder,\n1-{MAX_LINES} lines each over {POOL} products per kind, inserted "
            f"with {how} (not timed: {setup_seconds:.1f} s of setup in all)."
        )
        grows = report(runs)
        if load_note:
            print()
            print(load_note)
        problems = [p for run in runs for p in run.problems]
        print()
        print(f"Peak RSS of the whole run: {peak_rss_mib():.0f} MiB.")
        parts = [
            "statements per 1,000 orders GROW with the number of orders" if grows else "",
            f"{len(problems)} failed check(s)" if problems else "",
        ]
        if any(parts):
            print("SUMMARY: see above: " + ", ".join(p for p in parts if p))
        else:
            flat = "flat (set-based)" if len(args.sizes) > 1 else "(one size: flatness not checked)"
            print(
                f"SUMMARY: statements per 1,000 orders {flat}; every due order expired or "
                "reminded once, reservations released, one e-mail per order."
            )
    print(f"\n(whole run: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
