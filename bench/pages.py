"""Pages per second and SQL statements per request, with a small and a large catalog.

Run from the project root: ``python -m bench.pages`` (or ``make bench``). It prints figures
and never fails on them. What it measures, for the demo account ``mgen-sd01``:

- the printed shop listing, a category page, a search, and the basket with 1 line and with
  many lines, first with 10 products in the catalog, then with 1,000;
- for each page, the pages served per second through the Flask test client, and the SQL
  statements one request sends (BEGIN, SAVEPOINT and RELEASE not counted);
- whether the statement count stays the same when the catalog or the basket grows. A count
  that grows (an N+1 query) is printed loudly at the end.

The database is a temporary SQLite file, or the PostgreSQL database named by
``SHOP_BENCH_DATABASE_URL``, whose ``public`` schema is dropped and recreated first (only
if the database name contains "bench").
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from bench._setup import (
    BenchSetupError,
    build_app,
    busy_machine_warning,
    counting_statements,
    database_url,
    dispose,
    engine_label,
)
from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import Category, Product, ShopKind

SMALL_CATALOG = 10
LARGE_CATALOG = 1_000
MANY_LINES = 50  # the big basket, measured with the large catalog
ACCOUNT = "mgen-sd01"
SEARCH_TERMS = "depliant"  # "Dépliant": in demo names and in every synthetic product's name
WARM_UP_REQUESTS = 3
COUNTED_REQUESTS = 3  # statements are counted on this many requests, after the warm-up
MIN_TIMED_REQUESTS = 5
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASKET_LINE_RE = re.compile(r'class="basket-line\b')


def trim_catalog(app: Flask, size: int) -> str:
    """Keep ``size`` orderable printed products and delete the others; return a category slug.

    The slug is the category of the first product kept, so its page is never empty.
    """
    with app.app_context():
        kept = list(
            db.session.scalars(
                select(Product)
                .join(Product.category)
                .where(
                    Category.shop == ShopKind.PRINTED,
                    Product.active.is_(True),
                    Product.orderable_from.is_(None),
                    Product.stock_on_hand >= Product.min_quantity,
                )
                .order_by(Product.id)
                .limit(size)
            )
        )
        if len(kept) < size:
            raise BenchSetupError(
                f"the demo data has {len(kept)} orderable printed products, {size} needed"
            )
        slug = kept[0].category.slug
        db.session.execute(delete(Product).where(Product.id.not_in([p.id for p in kept])))
        db.session.commit()
        db.session.remove()
        return slug


def grow_catalog(app: Flask, size: int) -> None:
    """Add synthetic printed products, spread over the printed categories, up to ``size``."""
    with app.app_context():
        missing = size - db.session.scalar(select(func.count(Product.id)))
        categories = list(
            db.session.scalars(
                select(Category).where(Category.shop == ShopKind.PRINTED).order_by(Category.id)
            )
        )
        db.session.add_all(
            Product(
                reference=f"BENCH-{n:04d}",
                name=f"Dépliant de synthèse n° {n}",
                description="Produit créé par le banc d'essai pour remplir le catalogue.",
                category=categories[n % len(categories)],
                unit_price=Decimal(n % 7) / 4,
                vat_rate=Decimal("5.50"),
                min_quantity=10,
                max_quantity=200,
                quantity_step=10,
                stock_on_hand=5_000,
                weight_grams=10 + n % 40,
            )
            for n in range(1, missing + 1)
        )
        db.session.commit()
        db.session.remove()


def orderable_products(app: Flask) -> list[tuple[int, int]]:
    """(id, minimum quantity) of the orderable printed products, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(Product.id, Product.min_quantity)
            .join(Product.category)
            .where(
                Category.shop == ShopKind.PRINTED,
                Product.active.is_(True),
                Product.orderable_from.is_(None),
                Product.stock_on_hand >= Product.min_quantity,
            )
            .order_by(Product.id)
        ).all()
        db.session.remove()
        return [(product_id, quantity) for product_id, quantity in rows]


def catalog_size(app: Flask) -> int:
    with app.app_context():
        size = db.session.scalar(select(func.count(Product.id)))
        db.session.remove()
        return size


# -- a signed-in browser ----------------------------------------------------------------------


class Browser:
    """The Flask test client, signed in, posting forms with the CSRF token of its session."""

    def __init__(self, client: FlaskClient):
        self.client = client
        self.token = ""

    def get(self, url: str):
        response = self.client.get(url)
        match = CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, url: str, data: dict, **kwargs):
        return self.client.post(url, data={**data, "csrf_token": self.token}, **kwargs)

    def login(self, identifier: str, password: str) -> None:
        self.get("/connexion")
        response = self.post(
            "/connexion",
            {"identifier": identifier, "password": password},
            follow_redirects=True,
        )
        if "Déconnexion" not in response.get_data(as_text=True):
            raise BenchSetupError(f"could not sign in as {identifier}")
        self.get("/panier")  # the signed-in session's token

    def fill_basket(self, products: list[tuple[int, int]]) -> None:
        """Empty the basket, then add each (product id, quantity) through the form."""
        self._expect(self.post("/panier/vider", {}), 302, "/panier/vider")
        for product_id, quantity in products:
            response = self.post(
                "/panier/ajouter", {"product_id": product_id, "quantity": quantity}
            )
            self._expect(response, 302, f"/panier/ajouter product {product_id}")
        page = self.get("/panier").get_data(as_text=True)
        lines = len(BASKET_LINE_RE.findall(page))
        if lines != len(products):
            raise BenchSetupError(f"the basket shows {lines} lines, {len(products)} expected")

    @staticmethod
    def _expect(response, status: int, what: str) -> None:
        if response.status_code != status:
            raise BenchSetupError(f"{what}: HTTP {response.status_code}, {status} expected")


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Measure:
    pages_per_second: float
    cpu_ms_per_page: float  # this process only: the database server's time is not in it
    statements: list[int]  # one count per counted request
    sample: list[str] = field(default_factory=list)  # the statements of the last request

    @property
    def count(self) -> int:
        return max(self.statements)

    @property
    def count_text(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(high) if low == high else f"{low}-{high}"


def measure(app: Flask, browser: Browser, url: str, seconds: float) -> Measure:
    client = browser.client

    def fetch() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise BenchSetupError(f"GET {url}: HTTP {response.status_code}, 200 expected")

    for _ in range(WARM_UP_REQUESTS):
        fetch()

    counts: list[int] = []
    sample: list[str] = []
    for _ in range(COUNTED_REQUESTS):
        with counting_statements(app) as statements:
            fetch()
        counts.append(len(statements))
        sample = statements

    done = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    elapsed = 0.0
    while elapsed < seconds or done < MIN_TIMED_REQUESTS:
        fetch()
        done += 1
        elapsed = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    return Measure(done / elapsed, 1000 * cpu / done, counts, sample)


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    url: str
    basket_lines: int | None = None  # None: the page does not depend on the basket


def pages_for(category_slug: str, line_counts: tuple[int, ...]) -> list[Page]:
    pages = [
        Page("listing", "catalog listing", "/boutique/imprimes"),
        Page("category", "category page", f"/boutique/imprimes/{category_slug}"),
        Page("search", "product search", f"/recherche?q={SEARCH_TERMS}"),
    ]
    for lines in line_counts:
        label = f"basket, {lines} line" + ("s" if lines > 1 else "")
        pages.append(Page(f"basket-{lines}", label, "/panier", basket_lines=lines))
    return pages


def run_catalog(
    app: Flask, browser: Browser, pages: list[Page], seconds: float
) -> dict[str, Measure]:
    products = orderable_products(app)
    results: dict[str, Measure] = {}
    for page in pages:
        if page.basket_lines is not None:
            if page.basket_lines > len(products):
                continue  # not enough products in this catalog: the cell says n/a
            browser.fill_basket(products[: page.basket_lines])
        results[page.key] = measure(app, browser, page.url, seconds)
        print(".", end="", flush=True)
    return results


# -- reporting ------------------------------------------------------------------------------


@dataclass
class Growth:
    what: str
    counts: str
    sample: list[str]


def _repeated(statements: list[str]) -> list[str]:
    """The statements sent more than once in one request: where an N+1 shows."""
    seen = Counter(" ".join(s.split()) for s in statements)
    return [f"{n} x {s[:160]}" for s, n in seen.most_common() if n > 1]


def check(
    pages: list[Page], small: dict[str, Measure], large: dict[str, Measure]
) -> tuple[list[str], list[Growth]]:
    lines: list[str] = []
    growths: list[Growth] = []

    def compare(what: str, cells: list[tuple[str, Measure]]) -> None:
        counts = ", ".join(f"{m.count_text} {label}" for label, m in cells)
        if any(b.count > a.count for (_, a), (_, b) in pairwise(cells)):
            growths.append(Growth(what, counts, cells[-1][1].sample))
            lines.append(f"  GROWS  {what}: {counts}")
        elif len({m.count for _, m in cells}) > 1:
            lines.append(f"  fewer  {what}: {counts}")
        elif any(len(set(m.statements)) > 1 for _, m in cells):
            lines.append(f"  varies {what}: {counts} (identical requests differ)")
        else:
            lines.append(f"  same   {what}: {counts}")

    for page in pages:
        if page.key in small and page.key in large:
            compare(
                f"{page.label} ({page.url}), catalog size",
                [
                    (f"with {SMALL_CATALOG:,} products", small[page.key]),
                    (f"with {LARGE_CATALOG:,}", large[page.key]),
                ],
            )
    for size, results in ((SMALL_CATALOG, small), (LARGE_CATALOG, large)):
        baskets = [p for p in pages if p.basket_lines is not None and p.key in results]
        if len(baskets) > 1:
            compare(
                f"basket (/panier), basket size, {size:,} products",
                [
                    (f"with {p.basket_lines} line" + "s" * (p.basket_lines > 1), results[p.key])
                    for p in baskets
                ],
            )
    return lines, growths


def report(
    pages: list[Page],
    small: dict[str, Measure],
    large: dict[str, Measure],
    engine_name: str,
    seconds: float,
    load_warning: str = "",
) -> list[Growth]:
    def cells(results: dict[str, Measure], key: str) -> str:
        m = results.get(key)
        if m is None:
            return f"{'n/a':>8} {'':>7} {'':>5}"
        return f"{m.pages_per_second:8.1f} {m.cpu_ms_per_page:7.2f} {m.count_text:>5}"

    label_width = max(len(p.label) for p in pages)
    url_width = max(len(p.url) for p in pages)
    head = f"{'':{label_width}}  {'':{url_width}}"
    small_title = f"{SMALL_CATALOG:,} products"
    large_title = f"{LARGE_CATALOG:,} products"
    print()
    print(f"Pages: {engine_name}, signed in as {ACCOUNT}, about {seconds:g} s a page")
    print()
    print(f"{head} | {small_title:^22} | {large_title:^22}")
    columns = f"{'pages/s':>8} {'CPU ms':>7} {'SQL':>5}"
    print(f"{'page':{label_width}}  {'url':{url_width}} | {columns} | {columns}")
    print("-" * (label_width + url_width + 52))
    for page in pages:
        print(
            f"{page.label:{label_width}}  {page.url:{url_width}} | "
            f"{cells(small, page.key)} | {cells(large, page.key)}"
        )
    print()
    print("pages/s: requests served per second by the Flask test client (one thread, no network).")
    print("CPU ms:  CPU time of this process per page (the database server's time not included);")
    print("         steadier than pages/s when other programs share the machine.")
    print("SQL:     statements one request sends, BEGIN/SAVEPOINT/RELEASE not counted (a range")
    print("         means identical requests did not send the same number).")
    if load_warning:
        print(load_warning)
    print()
    lines, growths = check(pages, small, large)
    print("SQL statements per request must not grow with the catalog or the basket:")
    for line in lines:
        print(line)
    if growths:
        bar = "!" * 78
        print()
        print(bar)
        print("!!! SQL STATEMENTS GROW WITH THE SIZE OF THE DATA (an N+1 query, most likely):")
        for growth in growths:
            print(f"!!!   {growth.what}: {growth.counts}")
            for statement in _repeated(growth.sample)[:5]:
                print(f"!!!       {statement}")
        print(bar)
    else:
        print("OK: no page sends more SQL statements when the catalog or the basket grows.")
    return growths


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("SHOP_BENCH_SECONDS", "1.0")),
        help="time spent serving each page (default 1.0, or SHOP_BENCH_SECONDS)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmpdir:
        try:
            url = database_url(tmpdir)
            app = build_app(url, os.path.join(tmpdir, "mail"))
        except BenchSetupError as error:
            print(f"bench.pages: {error}", file=sys.stderr)
            return 2
        engine_name = engine_label(app, url)

        try:
            category_slug = trim_catalog(app, SMALL_CATALOG)
            browser = Browser(app.test_client())
            browser.login(ACCOUNT, DEMO_PASSWORD)
            print(f"Measuring with {catalog_size(app):,} products ", end="", flush=True)
            small_pages = pages_for(category_slug, (1, SMALL_CATALOG))
            small = run_catalog(app, browser, small_pages, args.seconds)

            grow_catalog(app, LARGE_CATALOG)
            print(f" then {catalog_size(app):,} products ", end="", flush=True)
            pages = pages_for(category_slug, (1, SMALL_CATALOG, MANY_LINES))
            large = run_catalog(app, browser, pages, args.seconds)
            print()
        except BenchSetupError as error:
            print(f"\nbench.pages: {error}", file=sys.stderr)
            return 2
        finally:
            dispose(app)

        report(pages, small, large, engine_name, args.seconds, busy_machine_warning())
    print(f"\n(whole run: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
