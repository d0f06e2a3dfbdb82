"""Saves per second and SQL statements per save, alone and with 20 savers at once.

Run from the project root: ``python -m bench.saves``. It prints figures and never fails on
them. A save is ``shop.ordering.orders.save_basket`` and its commit ("Enregistrer votre
commande"): it locks the basket and the products, reserves the stock and numbers the order.

1. One saver: saves per second for baskets of 1, 10 and 50 printed products. Before each
   save the basket is filled with ``add_to_basket`` and committed; only the save and its
   commit are timed.
2. SQL statements per save for those baskets (BEGIN, SAVEPOINT and RELEASE not counted; an
   executemany counts once). It must not grow with the basket: a count that grows is
   printed loudly.
3. 20 savers at once: 20 threads, each with its own account, app context and session,
   released together, each filling and saving 10-line baskets in a loop for a few seconds;
   once with all of them ordering the same 10 products (hot), once with 10 products each
   (disjoint). Afterwards the reservations are checked: the products' reserved quantities
   add up to the order lines' ones and never exceed the stock, and the order numbers are
   unique. A failed check or an error is printed, never raised.

The database is a temporary SQLite file, or the PostgreSQL database named by
``SHOP_BENCH_DATABASE_URL``, whose ``public`` schema is dropped and recreated first (only
if the database name contains "bench").
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from flask import Flask, current_app
from sqlalchemy import func, select

from bench._setup import (
    BenchSetupError,
    build_app,
    busy_machine_warning,
    counting_statements,
    database_url,
    dispose,
    engine_label,
)
from shop.clock import shop_timezone, utcnow
from shop.extensions import db
from shop.models import Account, AccountType, Category, Entity, Order, OrderLine, Product, ShopKind
from shop.ordering.basket import add_to_basket
from shop.ordering.orders import save_basket

LINE_COUNTS = (1, 10, 50)
SAVERS = 20
CONCURRENT_LINES = 10  # lines in each basket of the concurrent savers
STOCK = 10_000_000  # per product: no save ever runs out of stock
ENTITY = "S001"  # MGEN SECTION DE L'AIN, a demo section the bench accounts belong to
WARM_UP_SAVES = 1  # per basket size; the very first one also creates the order counter
COUNTED_SAVES = 3  # statements are counted on this many saves, after the warm-up
MIN_TIMED_SAVES = 5
# Savers beyond the pool size would wait for a connection rather than for the database.
ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": SAVERS + 2, "max_overflow": 5}


# -- setup ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixtures:
    single: list[int]  # the one saver's products (max(LINE_COUNTS) of them)
    hot: list[int]  # the products every concurrent saver orders in the hot run
    disjoint: list[list[int]]  # one list of products per concurrent saver
    solo_account: int
    accounts: list[int]  # one per concurrent saver


def create_fixtures(app: Flask) -> Fixtures:
    """Synthetic printed products with plenty of stock, and section directors to order them.

    Each part of the benchmark orders its own products, so one part's order lines do not
    slow down another's reservations.
    """
    needed = max(LINE_COUNTS) + CONCURRENT_LINES + SAVERS * CONCURRENT_LINES
    with app.app_context():
        categories = list(
            db.session.scalars(
                select(Category).where(Category.shop == ShopKind.PRINTED).order_by(Category.id)
            )
        )
        entity = db.session.scalar(select(Entity).where(Entity.code == ENTITY))
        if not categories or entity is None:
            raise BenchSetupError(f"the demo data has no printed category or no entity {ENTITY}")
        products = [
            Product(
                reference=f"SAVE-{n:04d}",
                name=f"Dépliant de synthèse n° {n}",
                description="Produit créé par le banc d'essai des enregistrements.",
                category=categories[n % len(categories)],
                unit_price=Decimal(n % 7) / 4,
                vat_rate=Decimal("5.50"),
                min_quantity=1,
                max_quantity=100,
                quantity_step=1,
                stock_on_hand=STOCK,
                weight_grams=10 + n % 40,
            )
            for n in range(1, needed + 1)
        ]
        accounts = [
            Account(
                identifier=f"bench-saver-{n:02d}",
                account_type=AccountType.SECTION_DIRECTOR,
                first_name="Banc",
                last_name=f"Saver {n}",
                email=f"bench-saver-{n:02d}@example.org",
                entity=entity,
            )
            for n in range(SAVERS + 1)
        ]
        db.session.add_all(products + accounts)
        db.session.commit()
        ids = [p.id for p in products]
        account_ids = [a.id for a in accounts]
        db.session.remove()
    single, rest = ids[: max(LINE_COUNTS)], ids[max(LINE_COUNTS) :]
    hot, rest = rest[:CONCURRENT_LINES], rest[CONCURRENT_LINES:]
    disjoint = [rest[i : i + CONCURRENT_LINES] for i in range(0, len(rest), CONCURRENT_LINES)]
    return Fixtures(single, hot, disjoint, account_ids[0], account_ids[1:])


# -- one save -------------------------------------------------------------------------------


def fill_basket(account_id: int, product_ids: list[int]) -> None:
    """Put one of each product in the (empty) basket and commit, as successive clicks do."""
    tz = shop_timezone()
    today = utcnow().astimezone(tz).date()
    account = db.session.get(Account, account_id)
    for product_id in product_ids:
        add_to_basket(account, product_id, 1, today)
    db.session.commit()


def timed_save(account_id: int, whole_transaction: bool = False) -> tuple[str, float]:
    """Save the basket and commit; return the order number and the seconds both took.

    The account is loaded first, in the save's transaction, as a request loads the signed-in
    user; that load is timed only with ``whole_transaction``. (On SQLite that first statement
    is where ``BEGIN IMMEDIATE`` waits for the write lock held by other savers.)
    """
    start = time.perf_counter()
    account = db.session.get(Account, account_id)
    tz = shop_timezone()
    dispatch_weekday = current_app.config["SHOP_DISPATCH_WEEKDAY"]
    if not whole_transaction:
        start = time.perf_counter()
    order = save_basket(account, utcnow(), tz, dispatch_weekday)
    number = order.number
    db.session.commit()
    return number, time.perf_counter() - start


# -- 1 and 2: one saver ---------------------------------------------------------------------


@dataclass
class SoloMeasure:
    lines: int
    durations: list[float]  # seconds per timed save (save + commit)
    statements: list[int]  # one count per counted save
    sample: list[str] = field(default_factory=list)  # the statements of the last counted save

    @property
    def saves_per_second(self) -> float:
        return len(self.durations) / sum(self.durations)

    @property
    def count(self) -> int:
        return max(self.statements)

    @property
    def count_text(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(high) if low == high else f"{low}-{high}"


def measure_solo(app: Flask, account_id: int, products: list[int], seconds: float) -> SoloMeasure:
    with app.app_context():
        for _ in range(WARM_UP_SAVES):
            fill_basket(account_id, products)
            timed_save(account_id)

        counts: list[int] = []
        sample: list[str] = []
        for _ in range(COUNTED_SAVES):
            fill_basket(account_id, products)
            account = db.session.get(Account, account_id)  # as timed_save does, not counted
            with counting_statements(app) as statements:
                timed_save(account.id)
            counts.append(len(statements))
            sample = statements

        durations: list[float] = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(durations) < MIN_TIMED_SAVES:
            fill_basket(account_id, products)
            durations.append(timed_save(account_id)[1])
        db.session.remove()
    return SoloMeasure(len(products), durations, counts, sample)


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f}"


def report_solo(results: list[SoloMeasure]) -> bool:
    """Print the table and the statement check; return whether the count grew."""
    print()
    print("1. One saver: save_basket + commit, the basket refilled (untimed) before each save")
    print()
    print(f"{'basket':>10} | {'saves/s':>8} {'median ms':>10} {'p90 ms':>7} {'saves':>6} | SQL")
    print("-" * 54)
    for m in results:
        ordered = sorted(m.durations)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        label = f"{m.lines} line" + "s" * (m.lines > 1)
        print(
            f"{label:>10} | {m.saves_per_second:8.1f} {_ms(statistics.median(ordered)):>10} "
            f"{_ms(p90):>7} {len(ordered):>6} | {m.count_text}"
        )
    print()
    print("saves/s: timed saves divided by the time they took (save_basket + commit only).")
    print("SQL:     statements one save sends, BEGIN/SAVEPOINT/RELEASE not counted, an")
    print(f"         executemany counted once; {COUNTED_SAVES} saves counted after a warm-up save")
    print("         (the very first save also creates the order-number counter row).")
    print()

    counts = ", ".join(f"{m.count_text} with {m.lines}" for m in results)
    grows = any(b.count > a.count for a, b in pairwise(results))
    print("2. SQL statements per save must not grow with the basket:")
    if grows:
        bar = "!" * 78
        print(bar)
        print(f"!!! SQL STATEMENTS GROW WITH THE BASKET (an N+1 query, most likely): {counts}")
        for statement in _repeated(results[-1].sample)[:5]:
            print(f"!!!     {statement}")
        print(bar)
    elif any(len(set(m.statements)) > 1 for m in results):
        print(f"  varies: {counts} lines (identical saves differ)")
    else:
        print(f"  constant: {counts} lines")
    print(f"  the statements of one save of {results[-1].lines} lines:")
    for n, statement in enumerate(results[-1].sample, 1):
        print(f"    {n:>2}. {_one_line(statement)}")
    return grows


def _one_line(statement: str, width: int = 96) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _repeated(statements: list[str]) -> list[str]:
    """The statements sent more than once in one save: where an N+1 shows."""
    seen = Counter(" ".join(s.split()) for s in statements)
    return [f"{n} x {s[:160]}" for s, n in seen.most_common() if n > 1]


# -- 3: concurrent savers -------------------------------------------------------------------


@dataclass
class ConcurrentRun:
    name: str
    elapsed: float = 0.0
    cpu: float = 0.0  # CPU seconds this process used during the run (all threads)
    saves: list[int] = field(default_factory=list)  # per saver
    durations: list[float] = field(default_factory=list)  # every successful save + commit
    fill_seconds: float = 0.0  # time the savers spent filling baskets
    errors: Counter = field(default_factory=Counter)  # (step, error class, first line)
    stuck: int = 0  # threads still running long after the end
    numbers: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _error_key(step: str, error: BaseException) -> tuple[str, str, str]:
    """(step, error class, message), the message naming the statement that failed if any."""
    original = getattr(error, "orig", None) or error
    text = (str(original).strip().splitlines() or [""])[0][:120]
    statement = " ".join((getattr(error, "statement", None) or "").split())
    if statement:
        if len(statement) > 90:
            statement = f"{statement[:45]} ... {statement[-40:]}"
        text += f", in: {statement}"
    return step, type(original).__name__, text


def run_concurrent(
    app: Flask,
    name: str,
    accounts: list[int],
    baskets: list[list[int]],
    seconds: float,
    seed: int,
    shuffle: bool = True,
) -> ConcurrentRun:
    """Every saver fills its basket then saves it, in a loop.

    With ``shuffle`` each basket is filled in a new random order, as people add products in
    any order; without, always in product id order (the order the saves lock them in).
    """
    run = ConcurrentRun(name, saves=[0] * len(accounts))
    lock = threading.Lock()
    clock = {"start": 0.0, "stop": 0.0, "cpu": 0.0}

    def start_clock() -> None:  # run by one thread once all have reached the barrier
        clock["start"] = time.perf_counter()
        clock["cpu"] = time.process_time()
        clock["stop"] = clock["start"] + seconds

    barrier = threading.Barrier(len(accounts), action=start_clock, timeout=60)

    def saver(index: int) -> None:
        rng = random.Random(seed + index)
        account_id, products = accounts[index], list(baskets[index])
        durations, numbers, filling = [], [], 0.0
        errors: Counter = Counter()
        with app.app_context():
            try:
                barrier.wait()
                while time.perf_counter() < clock["stop"]:
                    if shuffle:
                        rng.shuffle(products)
                    step, began = "fill", time.perf_counter()
                    try:
                        fill_basket(account_id, products)
                        filling += time.perf_counter() - began
                        step = "save"
                        number, took = timed_save(account_id, whole_transaction=True)
                        durations.append(took)
                        numbers.append(number)
                    except Exception as error:  # counted and printed: the figures go on
                        db.session.rollback()
                        errors[_error_key(step, error)] += 1
            except threading.BrokenBarrierError as error:
                errors[_error_key("start", error)] += 1
            finally:
                db.session.remove()
        with lock:
            run.saves[index] = len(durations)
            run.durations.extend(durations)
            run.numbers.extend(numbers)
            run.fill_seconds += filling
            run.errors.update(errors)

    threads = [
        threading.Thread(target=saver, args=(i,), name=f"saver-{i}", daemon=True)
        for i in range(len(accounts))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    run.elapsed = time.perf_counter() - clock["start"] if clock["start"] else 0.0
    run.cpu = time.process_time() - clock["cpu"] if clock["start"] else 0.0
    run.stuck = sum(thread.is_alive() for thread in threads)
    return run


def check_reservations(app: Flask, run: ConcurrentRun, orders_before: int) -> None:
    """Compare the stock, the reservations and the order numbers; record, never raise."""
    with app.app_context():
        reserved = db.session.scalar(select(func.coalesce(func.sum(Product.reserved_quantity), 0)))
        held = db.session.scalar(select(func.coalesce(func.sum(OrderLine.reserved_quantity), 0)))
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
        oversold = db.session.scalar(
            select(func.count()).where(Product.reserved_quantity > Product.stock_on_hand)
        )
        orders, numbers = db.session.execute(
            select(func.count(Order.id), func.count(Order.number.distinct()))
        ).one()
        db.session.remove()

    def record(ok: bool, text: str) -> None:
        run.checks.append(("ok      " if ok else "PROBLEM ") + text)
        if not ok:
            run.problems.append(text)

    record(
        reserved == held,
        f"sum(products.reserved_quantity) = {reserved:,}, "
        f"sum(order_lines.reserved_quantity) = {held:,}",
    )
    record(mismatched == 0, f"products whose reservation differs from their lines': {mismatched}")
    record(oversold == 0, f"products reserved beyond their stock: {oversold}")
    record(orders == numbers, f"order numbers: {numbers:,} distinct for {orders:,} orders")
    saved = sum(run.saves)
    record(
        orders - orders_before == saved and len(set(run.numbers)) == saved,
        f"orders added by this run: {orders - orders_before:,}, saves that committed: {saved:,}",
    )


def order_count(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Order.id)))
        db.session.remove()
        return count


def report_concurrent(runs: list[ConcurrentRun], seconds: float) -> None:
    print()
    print(
        f"3. {SAVERS} savers at once, each with its own account and session, saving "
        f"{CONCURRENT_LINES}-line baskets"
    )
    print(f"   for about {seconds:g} s a run")
    print()
    width = max(len(run.name) for run in runs)
    head = f"{'run':>{width}} | {'saves/s':>7} {'saves':>5} {'per saver':>9} "
    head += f"{'median ms':>9} {'p90 ms':>7} {'max ms':>7} {'fill %':>6} {'CPU %':>5} {'errors':>6}"
    print(head)
    print("-" * len(head))
    for run in runs:
        done = sum(run.saves)
        ordered = sorted(run.durations) or [0.0]
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        busy = SAVERS * run.elapsed
        fill = 100 * run.fill_seconds / busy if busy else 0.0
        cpu = 100 * run.cpu / run.elapsed if run.elapsed else 0.0
        per_saver = f"{min(run.saves)}-{max(run.saves)}"
        rate = done / run.elapsed if run.elapsed else 0.0
        print(
            f"{run.name:>{width}} | {rate:7.1f} {done:>5} {per_saver:>9} "
            f"{_ms(statistics.median(ordered)):>9} {_ms(p90):>7} {_ms(ordered[-1]):>7} "
            f"{fill:5.0f}% {cpu:4.0f}% {sum(run.errors.values()):>6}"
        )
    print()
    print("hot:       all the savers order the same products; disjoint: 10 products each.")
    print("fill:      each saver refills its basket with add_to_basket before every save, in a")
    print("           new random order (as people click), or always in product id order (the")
    print("           order save_basket locks the products in); fill %: the share of the")
    print("           savers' time spent filling.")
    print("saves/s:   saves committed by all savers divided by the run's wall-clock time (fills")
    print("           included, so not comparable with section 1).")
    print("per saver: fewest-most saves of one saver (how evenly the database served them).")
    print("ms:        one save transaction (account loaded, save_basket, commit), waits for locks")
    print("           included.")
    print("CPU %:     CPU time of this process over the run's wall-clock time. All the savers")
    print("           are threads of this one Python process: near 100 %, the GIL and this")
    print("           process, not the database, bound saves/s (and lengthen the waits).")
    for run in runs:
        print()
        print(f"{run.name}:")
        if run.stuck:
            print(
                f"  PROBLEM {run.stuck} saver thread(s) still running long after the end (stuck?)"
            )
        for (step, kind, text), n in run.errors.most_common():
            print(f"  ERROR   {n} x during {step}: {kind}: {text}")
        for line in run.checks:
            print(f"  {line}")


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.saves", description=__doc__)
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("SHOP_BENCH_SECONDS", "2.0")),
        help="time spent saving each basket size alone (default 2.0, or SHOP_BENCH_SECONDS)",
    )
    parser.add_argument(
        "--concurrent-seconds",
        type=float,
        default=5.0,
        help=f"length of each run of {SAVERS} savers at once (default 5.0)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_note = busy_machine_warning("saves/s", when="start")

    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmpdir:
        try:
            url = database_url(tmpdir)
            app = build_app(
                url,
                os.path.join(tmpdir, "mail"),
                {"SQLALCHEMY_ENGINE_OPTIONS": ENGINE_OPTIONS},
            )
        except BenchSetupError as error:
            print(f"bench.saves: {error}", file=sys.stderr)
            return 2
        print(f"Saves on {engine_label(app, url)}")

        runs: list[ConcurrentRun] = []
        try:
            fixtures = create_fixtures(app)
            print("Measuring one saver ", end="", flush=True)
            solo = []
            for lines in LINE_COUNTS:
                products = fixtures.single[:lines]
                solo.append(measure_solo(app, fixtures.solo_account, products, args.seconds))
                print(".", end="", flush=True)
            print(f" then {SAVERS} savers at once ", end="", flush=True)
            for name, baskets, shuffle in (
                ("hot, random fill order", [fixtures.hot] * SAVERS, True),
                ("hot, fill in id order", [fixtures.hot] * SAVERS, False),
                ("disjoint, random fill", fixtures.disjoint, True),
            ):
                before = order_count(app)
                run = run_concurrent(
                    app,
                    name,
                    fixtures.accounts,
                    baskets,
                    args.concurrent_seconds,
                    seed=len(runs),
                    shuffle=shuffle,
                )
                if not run.stuck:
                    check_reservations(app, run, before)
                runs.append(run)
                print(".", end="", flush=True)
            print()
        except BenchSetupError as error:
            print(f"\nbench.saves: {error}", file=sys.stderr)
            return 2
        finally:
            if not any(run.stuck for run in runs):  # a stuck thread still holds its connection
                dispose(app)

        grows = report_solo(solo)
        report_concurrent(runs, args.concurrent_seconds)
        if load_note:
            print()
            print(load_note)
        problems = [p for run in runs for p in run.problems]
        errors = sum(sum(run.errors.values()) for run in runs)
        kinds = Counter()
        for run in runs:
            for (_, kind, _), n in run.errors.items():
                kinds[kind] += n
        error_text = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        print()
        if grows or problems or errors or any(run.stuck for run in runs):
            print(
                "SUMMARY: see above: "
                + ", ".join(
                    part
                    for part in (
                        "statements per save grow with the basket" if grows else "",
                        f"errors among the concurrent savers ({error_text})" if errors else "",
                        f"{len(problems)} failed check(s)" if problems else "",
                        "stuck savers" if any(run.stuck for run in runs) else "",
                    )
                    if part
                )
            )
        else:
            print(
                "SUMMARY: statements per save constant; no error, reservations consistent and "
                "order numbers unique under concurrency."
            )
    print(f"\n(whole run: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
