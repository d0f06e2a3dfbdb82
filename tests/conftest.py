"""Fixtures that read like the domain: an app on a migrated database, clients signed in as
demo accounts, factories that return functions, and a guard against real SMTP servers."""

from __future__ import annotations

import os
import re
import smtplib
from decimal import Decimal
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from shop import create_app
from shop.demo import DEMO_PASSWORD, load_demo
from shop.extensions import db
from shop.models import Account, Category, OutboxMessage, Product, ShopKind

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _fresh_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("SHOP_TEST_DATABASE_URL")
    if url:
        _fresh_postgres(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "shop.sqlite3")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            "SHOP_ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SHOP_MAIL_TRANSPORT": "folder",
            "SHOP_MAIL_FOLDER": str(tmp_path_factory.mktemp("mail")),
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Every test starts from empty tables (migrated once per session)."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def _no_real_smtp(monkeypatch):
    """Fail any test that tries to reach an SMTP server outside this machine."""
    original = smtplib.SMTP.connect

    def guarded(self, host="localhost", port=0, source_address=None):
        if host not in {"localhost", "127.0.0.1", "::1"}:
            pytest.fail(f"test tried to reach a real SMTP server: {host}:{port}")
        return original(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class Browser:
    """A test client that signs in and posts forms with their CSRF token, as a browser does."""

    def __init__(self, client):
        self.client = client
        self._token: str | None = None

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        match = response.mimetype == "text/html" and CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self._token = match.group(1)
        return response

    def token(self) -> str:
        if self._token is None:
            self.get("/", follow_redirects=True)  # every page carries a CSRF token
        return self._token

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kwargs)

    def login(self, identifier: str, password: str = DEMO_PASSWORD):
        response = self.post(
            "/connexion", {"identifier": identifier, "password": password}, follow_redirects=True
        )
        self._token = None  # a new session: fetch a fresh token
        return response


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def login_as(app, demo):
    """``login_as("mgen-sd01")`` gives a Browser signed in as that demo account."""

    def login(identifier: str) -> Browser:
        browser = Browser(app.test_client())
        response = browser.login(identifier)
        assert "Déconnexion" in response.get_data(as_text=True), f"could not sign in {identifier}"
        return browser

    return login


@pytest.fixture
def create_product(app):
    """Factory: ``create_product(stock=5, shop=ShopKind.OBJECTS, ...)`` returns the product id."""
    counter = iter(range(1, 10_000))

    def make(shop: ShopKind = ShopKind.PRINTED, **values) -> int:
        n = next(counter)
        with app.app_context():
            slug = f"test-{shop.value}"
            category = db.session.query(Category).filter_by(slug=slug).one_or_none()
            if category is None:
                category = Category(shop=shop, slug=slug, name=f"Catégorie {shop.value}")
                db.session.add(category)
            defaults = dict(
                reference=f"TEST-{n:04d}",
                name=f"Produit de test {n}",
                unit_price=Decimal("1.00"),
                vat_rate=Decimal("20.00"),
                min_quantity=1,
                max_quantity=100,
                quantity_step=1,
                stock_on_hand=1000,
                weight_grams=100,
            )
            defaults.update(values)
            stock = defaults.pop("stock", None)
            if stock is not None:
                defaults["stock_on_hand"] = stock
            product = Product(category=category, **defaults)
            db.session.add(product)
            db.session.commit()
            product_id = product.id
            db.session.remove()
            return product_id

    return make


@pytest.fixture
def outbox(app):
    """The outbox rows, as (kind, recipient, subject, body) tuples, oldest first."""

    def read(kind: str | None = None) -> list[OutboxMessage]:
        with app.app_context():
            query = db.session.query(OutboxMessage).order_by(OutboxMessage.id)
            if kind:
                query = query.filter_by(kind=kind)
            rows = query.all()
            db.session.expunge_all()
            return rows

    return read


@pytest.fixture
def account_id(app):
    def find(identifier: str) -> int:
        with app.app_context():
            return db.session.query(Account.id).filter_by(identifier=identifier).scalar()

    return find


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count``."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
                counter.count += 1
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


def pytest_collection_modifyitems(config, items):
    # Browser tests last: they are the slowest and the others fail faster.
    items.sort(key=lambda item: "browser" in Path(str(item.fspath)).parts)
