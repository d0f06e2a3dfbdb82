"""The statistics CSV export at scale: rows per second and memory, 100,000 then 1,000,000 lines.

Run from the project root: ``python -m bench.export``. It prints figures and never fails on
them. PostgreSQL only (the floor below is PostgreSQL's ``COPY``): the database named by
``SHOP_BENCH_DATABASE_URL``, by default ``postgresql+psycopg://postgres@127.0.0.1:5432/
shop_bench``, whose ``public`` schema is dropped and recreated first (only if the database
name contains "bench").

Setup (not timed): migrations and demo data, then 100 entities, 1,000 orderer accounts and
200 products (Core inserts), then validated orders of 5 lines each, loaded with ``COPY FROM``
until the database holds each size's number of lines (20,000 orders for 100,000 lines,
200,000 for 1,000,000), followed by ``VACUUM ANALYZE``. Some names carry accents,
apostrophes, commas, quotes or a leading ``=``/``-``, so quoting and the formula guard work.

For each size, each of these runs in a **fresh child process** (so its peak RSS is its own):

- **client**: head office's ``GET /admin/statistiques.csv`` for the whole year through the
  Flask test client, signed in as ``siege-admin``, the streamed body consumed chunk by
  chunk (``buffered=False``) as a WSGI server would send it: auth, view, query, CSV, UTF-8;
- **generator**: ``stream_csv(EXPORT_HEADER, export_rows(filter, tz))`` called directly in
  an app context (no HTTP): what the export itself costs;
- **generator + tracemalloc**: the same with ``tracemalloc`` on, for the peak of Python
  allocations during the export (slower: tracemalloc hooks every allocation).

Each prints rows/s (wall clock), this process's CPU seconds, the bytes written, the RSS when
the export starts (app built, imports done, signed in) and the peak RSS during the export
(``VmHWM`` of ``/proc/self/status``, the high-water mark ``resource.getrusage`` reports as
``ru_maxrss``, first reset to the current RSS through ``/proc/self/clear_refs``, so start-up
does not count; ``ru_maxrss`` itself is not used where ``/proc`` exists because it also keeps
the peak of the parent the child was forked from). Flat
memory means the peak barely moves from 100,000 to 1,000,000 lines.

Then the **floor**: PostgreSQL's own ``COPY (SELECT ... the same columns, dates formatted by
to_char in Europe/Paris ...) TO STDOUT WITH CSV`` read through psycopg 3's
``cursor.copy()``, rows/s. It does no Python work per row; the gap to it is the price of the
app's formatting (BOM, RFC 4180 quoting, formula guard, local dates).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask import Flask
from psycopg import sql
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bench._setup import (
    BenchSetupError,
    build_app,
    busy_machine_warning,
    database_url,
    dispose,
    engine_label,
)
from shop import create_app
from shop.clock import shop_timezone
from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import Account, AccountType, Category, Entity, OrderLine, Product, ShopKind
from shop.reporting.csvexport import stream_csv
from shop.reporting.statistics import EXPORT_HEADER, StatisticsFilter, export_rows, period_bounds

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/shop_bench"
DEFAULT_SIZES = (100_000, 1_000_000)
LINES_PER_ORDER = 5
ENTITIES, ACCOUNTS, PRODUCTS = 100, 1_000, 200
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 300 * 24 * 3600  # orders validated over the first 300 days of 2026
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
EXPORT_URL = "/admin/statistiques.csv?du=2026-01-01&au=2026-12-31"
MODES = ("client", "generator", "tracemalloc")
MB = 1024  # ru_maxrss is in KiB on Linux


# -- setup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixtures:
    entities: list[int]
    accounts: list[tuple[int, int]]  # (account id, entity id)
    products: list[tuple[int, Decimal, Decimal, bool]]  # (id, price, VAT rate, is an object)


def _name(n: int, plain: str) -> str:
    """Mostly plain names; some that need quoting or the formula guard."""
    if n % 50 == 0:
        return f"={plain}"
    if n % 37 == 0:
        return f"-{plain}"
    if n % 11 == 0:
        return f'{plain}, « spécial » "édition"'
    return plain


def create_fixtures(app: Flask) -> Fixtures:
    with app.app_context():
        connection = db.session.connection()
        entity_ids = connection.execute(
            insert(Entity).returning(Entity.id),
            [
                {
                    "code": f"B{n:04d}",
                    "name": f"MGEN SECTION DE L'ISÈRE n° {n}",
                    "delivery_address": f"{n} rue de l'Église",
                    "delivery_postcode": "38000",
                    "delivery_city": "Grenoble",
                }
                for n in range(ENTITIES)
            ],
        ).scalars()
        entities = list(entity_ids)
        rows = [
            {
                "identifier": f"bench-{n:04d}",
                "account_type": AccountType.SECTION_DIRECTOR,
                "first_name": _name(n, "Hélène"),
                "last_name": f"D'ORNANO {n}",
                "email": f"bench{n}@example.org",
                "entity_id": entities[n % ENTITIES],
            }
            for n in range(ACCOUNTS)
        ]
        accounts = list(
            connection.execute(
                insert(Account).returning(Account.id, Account.entity_id), rows
            ).tuples()
        )
        categories = list(db.session.scalars(select(Category).order_by(Category.id)))
        if not categories:
            raise BenchSetupError("the demo data has no category")
        products = [
            {
                "reference": f"BENCH-{n:04d}",
                "name": _name(n, f"Dépliant « Santé » n° {n}"),
                "category_id": categories[n % len(categories)].id,
                "unit_price": Decimal(n % 500) / 100 + Decimal("0.28"),
                "vat_rate": Decimal("20.00"),
                "stock_on_hand": 1_000_000,
            }
            for n in range(PRODUCTS)
        ]
        inserted = connection.execute(
            insert(Product).returning(
                Product.id, Product.reference, Product.unit_price, Product.vat_rate
            ),
            products,
        ).tuples()
        objects = {c.id for c in categories if c.shop is ShopKind.OBJECTS}
        is_object = {p["reference"]: p["category_id"] in objects for p in products}
        product_rows = [
            (pid, price, rate, is_object[reference]) for pid, reference, price, rate in inserted
        ]
        db.session.commit()
        db.session.remove()
    return Fixtures(entities, [(a, e) for a, e in accounts], product_rows)


ORDER_COLUMNS = [
    "id",
    "number",
    "account_id",
    "entity_id",
    "billing_entity_id",
    "shop",
    "status",
    "created_at",
    "updated_at",
    "deadline",
    "reminder_due_at",
    "validated_at",
    "validated_number",
    "delivery_status",
    "invoice_status",
    "customer_reference",
    "delivery_name",
    "delivery_address",
    "delivery_postcode",
    "delivery_city",
    "delivery_phone",
    "shipping_carrier",
    "shipping_excl_vat",
    "shipping_vat",
    "dispatch_date",
    "estimated_delivery",
]
LINE_COLUMNS = [
    "id",
    "order_id",
    "product_id",
    "quantity",
    "unit_price",
    "vat_rate",
    "reserved_quantity",
]


def add_orders(app: Flask, fixtures: Fixtures, first: int, count: int, seed: int) -> None:
    """Orders ``first`` .. ``first + count - 1``, validated, 5 lines each, with ``COPY FROM``.

    Ids are given explicitly (the lines need them); the sequences are moved past them after.
    """
    rng = random.Random(seed)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            connection = raw.driver_connection
            with connection.cursor() as cursor:
                orders_copy = sql.SQL("COPY orders ({}) FROM STDIN").format(
                    sql.SQL(", ").join(map(sql.Identifier, ORDER_COLUMNS))
                )
                lines_copy = sql.SQL("COPY order_lines ({}) FROM STDIN").format(
                    sql.SQL(", ").join(map(sql.Identifier, LINE_COLUMNS))
                )
                chosen = []
                with cursor.copy(orders_copy) as copy:
                    for n in range(first, first + count):
                        products = rng.sample(fixtures.products, LINES_PER_ORDER)
                        chosen.append(products)
                        copy.write_row(_order_row(n, fixtures, products, rng))
                with cursor.copy(lines_copy) as copy:
                    for offset, products in enumerate(chosen):
                        order_id = first + offset
                        for k, (product_id, price, rate, _object) in enumerate(products):
                            quantity = rng.choice((10, 50, 100, 200))
                            line_id = (order_id - 1) * LINES_PER_ORDER + k + 1
                            copy.write_row(
                                (line_id, order_id, product_id, quantity, price, rate, 0)
                            )
                cursor.execute("SELECT setval('orders_id_seq', (SELECT max(id) FROM orders))")
                cursor.execute(
                    "SELECT setval('order_lines_id_seq', (SELECT max(id) FROM order_lines))"
                )
            connection.commit()
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE orders, order_lines")
            connection.autocommit = False
        finally:
            raw.close()


def _order_row(n: int, fixtures: Fixtures, products, rng: random.Random) -> tuple:
    account_id, entity_id = fixtures.accounts[n % len(fixtures.accounts)]
    validated = YEAR_START + timedelta(seconds=rng.randrange(YEAR_SECONDS))
    saved = validated - timedelta(hours=rng.randint(1, 100))
    objects = all(p[3] for p in products)
    fee = Decimal(rng.choice(("6.90", "11.50", "16.90"))) if objects else Decimal("0.00")
    return (
        n,
        f"2026-BENCH-{n:07d}",
        account_id,
        entity_id,
        entity_id,
        "objets" if objects else "imprimes",
        "validated",
        saved,
        validated,
        saved + timedelta(days=7),
        saved + timedelta(days=4),
        validated,
        f"B{n:07d}",
        "preparing",
        "awaiting_invoice",
        "",
        "MGEN SECTION DE L'ISÈRE",
        "1 rue de l'Église",
        "38000",
        "Grenoble",
        "",
        "DPD",
        fee,
        (fee * Decimal("0.20")).quantize(Decimal("0.01")),
        validated.date() + timedelta(days=2),
        validated.date() + timedelta(days=5),
    )


def count_lines(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(OrderLine))
        db.session.remove()
        return count


# -- measuring (in a child process) ---------------------------------------------------------


def _child_app(url: str) -> Flask:
    return create_app(
        {
            "SHOP_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "SHOP_MAIL_TRANSPORT": "folder",
            "SHOP_MAIL_FOLDER": tempfile.gettempdir(),
            "WTF_CSRF_ENABLED": False,  # the benchmark signs in with a plain POST
        }
    )


def _consume(chunks) -> tuple[int, int]:
    """(rows after the header, bytes): the synthetic names hold no line break."""
    rows = size = 0
    for chunk in chunks:
        rows += chunk.count(b"\r\n")
        size += len(chunk)
    return rows - 1, size


def reset_peak_rss() -> bool:
    """Make the peak RSS start again from the current RSS (Linux ``clear_refs`` 5).

    Importing and building the app peaks above what the process then holds; without the
    reset, ``ru_maxrss`` after the export would show that start-up peak, not the export's.
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _status_kib(field: str) -> int | None:
    """A memory figure of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in KiB, if readable."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def current_rss_kib() -> int:
    return _status_kib("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_kib() -> int:
    """This process's peak RSS: ``VmHWM``, else ``ru_maxrss``.

    ``ru_maxrss`` also keeps the peak of the process this one was forked from (the bench's
    parent, which holds the setup), so it is only the fallback where ``/proc`` is missing.
    """
    return _status_kib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(mode: str, url: str) -> dict:
    app = _child_app(url)
    if mode == "client":
        client = app.test_client()
        response = client.post(
            "/connexion",
            data={"identifier": "siege-admin", "password": DEMO_PASSWORD},
            follow_redirects=True,
        )
        if "Déconnexion" not in response.get_data(as_text=True):
            raise BenchSetupError("could not sign in as siege-admin")
        client.get("/admin/statistiques.csv?du=2026-01-01&au=2026-01-01").close()  # warm-up
    before = peak_rss_kib()
    reset = reset_peak_rss()
    start_rss = current_rss_kib()
    if mode == "tracemalloc":
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "client":
        response = client.get(EXPORT_URL, buffered=False)
        if not response.is_streamed or response.status_code != 200:
            raise BenchSetupError(f"the export answered {response.status_code}, not a stream")
        rows, size = _consume(response.iter_encoded())
        response.close()
    else:
        with app.app_context():
            period = StatisticsFilter.all_orders(*PERIOD)
            header = [str(title) for title in EXPORT_HEADER]
            rows, size = _consume(stream_csv(header, export_rows(period, shop_timezone())))
            db.session.remove()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_python = tracemalloc.get_traced_memory()[1] if mode == "tracemalloc" else None
    after = peak_rss_kib()
    dispose(app)
    return {
        "mode": mode,
        "rows": rows,
        "bytes": size,
        "seconds": seconds,
        "cpu": cpu,
        "rss_startup_peak_kib": before,
        "rss_start_kib": start_rss,
        "rss_before_kib": start_rss if reset else before,
        "rss_after_kib": after,
        "peak_reset": reset,
        "python_peak_bytes": peak_python,
    }


def measure_in_child(mode: str, url: str) -> dict:
    command = [sys.executable, "-m", "bench.export", "--child", mode, "--url", url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BenchSetupError(f"the {mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def copy_floor(app: Flask) -> dict:
    """PostgreSQL writing the same rows as CSV itself: no Python per row."""
    with app.app_context():
        start, end = period_bounds(StatisticsFilter.all_orders(*PERIOD), shop_timezone())
        statement = sql.SQL(
            "COPY (SELECT a.identifier,"
            " to_char(o.validated_at AT TIME ZONE {tz}, 'DD/MM/YYYY HH24:MI:SS'),"
            " e.name, a.last_name, a.first_name, p.name, p.reference, l.quantity,"
            " l.unit_price, o.shipping_excl_vat"
            " FROM order_lines l JOIN orders o ON l.order_id = o.id"
            " JOIN accounts a ON o.account_id = a.id JOIN entities e ON o.entity_id = e.id"
            " JOIN products p ON l.product_id = p.id"
            " WHERE o.status = 'validated' AND o.validated_at >= {start}"
            " AND o.validated_at < {end}"
            " ORDER BY o.validated_at, o.id, l.id) TO STDOUT WITH (FORMAT csv)"
        ).format(
            tz=sql.Literal(str(shop_timezone())), start=sql.Literal(start), end=sql.Literal(end)
        )
        raw = db.engine.raw_connection()
        try:
            started = time.perf_counter()
            rows = size = 0
            with raw.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
                for data in copy:
                    rows += bytes(data).count(b"\n")
                    size += len(data)
            seconds = time.perf_counter() - started
            raw.driver_connection.rollback()
        finally:
            raw.close()
    return {"mode": "COPY floor", "rows": rows, "bytes": size, "seconds": seconds}


# -- report ---------------------------------------------------------------------------------


def report_line(size: int, result: dict) -> str:
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0
    cpu = f"{result['cpu']:6.1f}" if "cpu" in result else "     -"
    if "rss_before_kib" in result:
        rss = f"{result['rss_before_kib'] / MB:7.1f} {result['rss_after_kib'] / MB:7.1f}"
    else:
        rss = "      -       -"
    peak = result.get("python_peak_bytes")
    python = f"{peak / 1024 / 1024:8.1f}" if peak else "       -"
    return (
        f"{size:>9,} {result['mode']:<12} {result['rows']:>9,} {result['seconds']:7.2f} {cpu} "
        f"{rate:>9,.0f} {result['bytes'] / 1024 / 1024:7.1f} {rss} {python}"
    )


HEADER = (
    "    lines run               rows       s  CPU s    rows/s      MB  RSS MB    peak  py peak\n"
    "                                                                   start  RSS MB       MB"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        help="order lines in the database for each measurement (default: 100000 1000000)",
    )
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.child, args.url)))
        return 0

    os.environ.setdefault("SHOP_BENCH_DATABASE_URL", DEFAULT_URL)
    if make_url(os.environ["SHOP_BENCH_DATABASE_URL"]).get_backend_name() != "postgresql":
        print("bench.export needs PostgreSQL (the floor is COPY): set SHOP_BENCH_DATABASE_URL")
        return 1
    sizes = sorted(set(args.sizes))
    with tempfile.TemporaryDirectory() as tmpdir:
        url = database_url(tmpdir)
        app = build_app(url, tmpdir)
        print(f"database: {engine_label(app, url)}")
        fixtures = create_fixtures(app)
        with app.app_context():
            db.session.execute(text("SELECT 1"))
            db.session.remove()
        results: list[tuple[int, dict]] = []
        orders = 0
        for size in sizes:
            wanted = size // LINES_PER_ORDER - orders
            started = time.perf_counter()
            if wanted > 0:
                add_orders(app, fixtures, orders + 1, wanted, seed=size)
                orders += wanted
            lines = count_lines(app)
            print(
                f"setup:   {lines:,} order lines ({orders:,} validated orders) loaded with "
                f"COPY in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            for mode in MODES:
                result = measure_in_child(mode, url)
                results.append((lines, result))
                print(f"         {report_line(lines, result)}", flush=True)
            floor = copy_floor(app)
            results.append((lines, floor))
            print(f"         {report_line(lines, floor)}", flush=True)
        dispose(app)

    print()
    print(HEADER)
    for size, result in results:
        print(report_line(size, result))
    print()
    mismatched = [(s, r["mode"], r["rows"]) for s, r in results if r["rows"] != s]
    for size, mode, rows in mismatched:
        print(f"PROBLEM: {mode} at {size:,} lines wrote {rows:,} rows")
    generator = {s: r for s, r in results if r["mode"] == "generator"}
    if len(generator) >= 2:
        low, high = min(generator), max(generator)
        growth = (generator[high]["rss_after_kib"] - generator[low]["rss_after_kib"]) / MB
        print(
            f"SUMMARY: peak RSS of the generator run {generator[low]['rss_after_kib'] / MB:.0f} MB "
            f"at {low:,} lines, {generator[high]['rss_after_kib'] / MB:.0f} MB at {high:,} "
            f"({growth:+.1f} MB); rows agree: {'yes' if not mismatched else 'NO'}"
        )
    if any(not r.get("peak_reset", True) for _size, r in results):
        print("NOTE:    the peak RSS could not be reset: it includes the child's start-up.")
    warning = busy_machine_warning("rows/s", effect="are lower and noisier")
    if warning:
        print(warning)
    return 0


if __name__ == "__main__":
    sys.exit(main())
