"""Fixtures that read like the domain: an app on a migrated database, clients signed in as
demo accounts, factories that return functions, and a guard against real SMTP servers."""

from __future__ import annotations

import os
import re
import smtplib
import sys
import threading
import time
import traceback
from decimal import Decimal
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from shop import create_app
from shop.api import clients as api_clients
from shop.clock import local_today, shop_timezone, utcnow
from shop.demo import DEMO_PASSWORD, load_demo
from shop.extensions import db
from shop.models import (
    Account,
    AccountType,
    Category,
    Entity,
    Order,
    OutboxMessage,
    Product,
    ShopKind,
)
from shop.ordering import basket as baskets
from shop.ordering import orders, validation

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


@pytest.fixture(scope="session")
def migrated_rows(app) -> dict:
    """The rows the migrations insert (the guide's categories), by table, as migrated."""
    with app.app_context(), db.engine.connect() as connection:
        rows = {
            table: [dict(row._mapping) for row in connection.execute(table.select())]
            for table in db.metadata.sorted_tables
        }
    return {table: values for table, values in rows.items() if values}


@pytest.fixture(autouse=True)
def _clean_database(app, migrated_rows):
    """Every test starts from the database as the migrations leave it (migrated once per
    session): every table emptied, then the rows the migrations insert put back."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
            for table, rows in migrated_rows.items():
                connection.execute(table.insert(), rows)
                if postgres and "id" in table.c:  # the next id follows the restored rows
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT max(id) FROM {table.name}))"
                        )
                    )


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
def new_browser(app):
    """``new_browser()``: another Browser, with its own cookies."""
    return lambda: Browser(app.test_client())


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


# --- threads ------------------------------------------------------------------------------


THREAD_TIMEOUT = 60.0


def _stacks(threads: list[threading.Thread]) -> str:
    frames = sys._current_frames()
    return "\n".join(
        f"--- {thread.name}\n" + "".join(traceback.format_stack(frames[thread.ident]))
        for thread in threads
        if thread.ident in frames
    )


@pytest.fixture
def run_threads():
    """``run_threads([f, g, ...])`` runs each callable in its own daemon thread, all released
    at once behind a barrier, and returns their results in order.

    Each thread is joined with a timeout: a hang (a deadlock) fails the test with the stacks
    of the threads still running, and never keeps the test run alive (daemon threads). An
    exception raised by a callable is raised again here.
    """

    def run(targets: list, timeout: float = THREAD_TIMEOUT) -> list:
        barrier = threading.Barrier(len(targets), timeout=timeout)
        results: list = [None] * len(targets)
        errors: list[BaseException] = []

        def body(index: int, target) -> None:
            try:
                barrier.wait()
                results[index] = target()
            except BaseException as exc:  # handed to the main thread
                errors.append(exc)

        threads = [
            threading.Thread(target=body, args=(i, t), name=f"test-worker-{i}", daemon=True)
            for i, t in enumerate(targets)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [thread for thread in threads if thread.is_alive()]
        if stuck:
            pytest.fail(
                f"{len(stuck)} thread(s) still running after {timeout:.0f} s "
                f"(a deadlock?):\n{_stacks(stuck)}",
                pytrace=False,
            )
        if errors:
            raise errors[0]
        return results

    return run


@pytest.fixture
def race(app, run_threads):
    """``race([work, ...])``: each callable in its own thread and app context, all released at
    once; a worker's session is committed when it returns, rolled back when it raises, and its
    result is what it returned or the exception it raised."""

    def in_context(work):
        def run():
            with app.app_context():
                try:
                    result = work()
                    db.session.commit()
                    return result
                except Exception as exc:  # the outcome is what the test checks
                    db.session.rollback()
                    return exc
                finally:
                    db.session.remove()

        return run

    def run_race(workers: list, timeout: float = THREAD_TIMEOUT) -> list:
        return run_threads([in_context(work) for work in workers], timeout=timeout)

    return run_race


# --- orders --------------------------------------------------------------------------------


@pytest.fixture
def make_orderers(app):
    """``make_orderers(3)``: new section directors of S001 (demo data); returns their ids."""
    counter = iter(range(10_000))

    def make(count: int) -> list[int]:
        with app.app_context():
            entity = db.session.query(Entity).filter_by(code="S001").one()
            accounts = []
            for _ in range(count):
                n = next(counter)
                accounts.append(
                    Account(
                        identifier=f"racer-{n}",
                        account_type=AccountType.SECTION_DIRECTOR,
                        first_name="Racer",
                        last_name=str(n),
                        email=f"racer{n}@example.org",
                        entity=entity,
                    )
                )
            db.session.add_all(accounts)
            db.session.commit()
            return [a.id for a in accounts]

    return make


@pytest.fixture
def fill(app):
    """``fill(account_id, [(product_id, quantity), ...])`` adds the lines to the basket."""

    def add_lines(account_id: int, items: list[tuple[int, int]]) -> None:
        with app.app_context():
            account = db.session.get(Account, account_id)
            for product_id, quantity in items:
                baskets.add_to_basket(account, product_id, quantity, local_today())
            db.session.commit()

    return add_lines


@pytest.fixture
def validate():
    """``validate(account, order_id)``: "Valider votre commande" now, with the shop's usual
    settings, in the caller's session."""

    def validate_now(account: Account, order_id: int, delivery=None) -> Order:
        return validation.validate_order(
            account,
            order_id,
            reference="",
            ansh_number="ANSH-TEST",
            delivery=delivery,
            now=utcnow(),
            tz=shop_timezone(),
            objects_per_year=2,
            contact_email="siege@example.org",
        )

    return validate_now


@pytest.fixture
def validated_order_for(app, fill, validate):
    """``validated_order_for(account_id, items, name=..., address=...)``: the basket filled,
    saved and validated (to another delivery address when given); returns the order id."""

    def make(account_id: int, items: list[tuple[int, int]], **delivery) -> int:
        fill(account_id, items)
        with app.app_context():
            account = db.session.get(Account, account_id)
            order = orders.save_basket(account, utcnow(), shop_timezone(), 1)
            address = None
            if delivery:
                address = orders.DeliveryAddress(
                    name=delivery.get("name", order.delivery_name),
                    address=delivery.get("address", order.delivery_address),
                    postcode=delivery.get("postcode", order.delivery_postcode),
                    city=delivery.get("city", order.delivery_city),
                    phone="",
                )
            validate(account, order.id, address)
            db.session.commit()
            return order.id

    return make


@pytest.fixture
def sd01(demo, account_id) -> int:
    """The id of the demo section director "mgen-sd01"."""
    return account_id("mgen-sd01")


@pytest.fixture
def add():
    """``add(browser, product_id, quantity)``: "Ajouter au panier"."""

    def add_to_basket(browser, product_id, quantity, **kwargs):
        return browser.post(
            "/panier/ajouter",
            {"product_id": str(product_id), "quantity": str(quantity)},
            **kwargs,
        )

    return add_to_basket


@pytest.fixture
def save():
    """``save(browser)``: "Enregistrer votre commande", following the redirect."""

    def save_basket(browser):
        return browser.post("/panier/enregistrer", follow_redirects=True)

    return save_basket


@pytest.fixture
def only_order(app):
    """``only_order()``: the one order in the database, detached."""

    def read() -> Order:
        with app.app_context():
            order = db.session.query(Order).one()
            db.session.expunge_all()
            return order

    return read


@pytest.fixture
def validate_form():
    """``validate_form(reference=...)``: the fields of "Valider votre commande"."""

    def form(**overrides) -> dict[str, str]:
        data = {
            "reference": "REF-2026-001",
            "ansh_number": "ANSH-2026-001",
            "delivery_name": "MGEN SECTION DE L'AIN",
            "delivery_address": "12 avenue Alsace-Lorraine",
            "delivery_postcode": "01000",
            "delivery_city": "BOURG-EN-BRESSE",
            "delivery_phone": "04 74 00 00 01",
        }
        data.update(overrides)
        return data

    return form


# --- the warehouse API ---------------------------------------------------------------------


@pytest.fixture
def orderer(demo, make_orderers) -> int:
    [account_id] = make_orderers(1)
    return account_id


@pytest.fixture
def validated_order(app, orderer, create_product, fill):
    """Factory: a validated order of ``quantity`` units of a new product of ``shop``;
    returns ``(order_id, validated_number, product_id)``."""

    def make(shop: ShopKind = ShopKind.PRINTED, quantity: int = 3, stock: int = 50):
        product_id = create_product(shop=shop, stock=stock, weight_grams=250)
        fill(orderer, [(product_id, quantity)])
        with app.app_context():
            account = db.session.get(Account, orderer)
            order = orders.save_basket(account, utcnow(), shop_timezone(), 1)
            validation.validate_order(
                account,
                order.id,
                reference="REF-1",
                ansh_number="ANSH-1",
                delivery=None,
                now=utcnow(),
                tz=shop_timezone(),
                objects_per_year=100,
                contact_email="siege@example.org",
            )
            db.session.commit()
            return order.id, order.validated_number, product_id

    return make


@pytest.fixture
def api_token(app):
    """Factory: a new API client of ``shop``; returns its clear token."""
    counter = iter(range(1, 1000))

    def make(shop: ShopKind = ShopKind.PRINTED, name: str | None = None) -> str:
        with app.app_context():
            _, token = api_clients.create_client(
                name or f"Entrepôt {next(counter)}", shop, None, utcnow()
            )
            db.session.commit()
            return token

    return make


# --- the URL map, walked as every kind of account ------------------------------------------

# One demo account per account type; a type without one gets a new account of S001.
DEMO_ACCOUNT_OF_TYPE = {
    AccountType.SECTION_DIRECTOR: "mgen-sd01",
    AccountType.REGIONAL_ASSISTANT: "mgen-ar01",
    AccountType.HEAD_OFFICE_ADMIN: "siege-admin",
    AccountType.LOGISTICIAN: "logistique",
}
ROLES = [None, *AccountType]  # None: not signed in
RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def role_id(role: AccountType | None) -> str:
    return "anonymous" if role is None else role.value


@pytest.fixture(params=ROLES, ids=role_id)
def each_role(request) -> AccountType | None:
    """A test taking ``each_role`` runs as every account type and as an anonymous visitor."""
    return request.param


@pytest.fixture
def sign_in_as(app, demo, new_browser):
    """``sign_in_as(AccountType.LOGISTICIAN)``: a Browser signed in as an account of that type
    (a demo account, or a new one for a type the demo has none of); ``None``: anonymous."""

    def sign_in(role: AccountType | None) -> Browser:
        browser = new_browser()
        if role is None:
            return browser
        identifier = DEMO_ACCOUNT_OF_TYPE.get(role) or f"role-{role.value}".replace("_", "-")
        with app.app_context():
            if not db.session.query(Account.id).filter_by(identifier=identifier).scalar():
                from shop import accounts

                entity = db.session.query(Entity).filter_by(code="S001").one()
                account = accounts.create_account(
                    accounts.AccountData(
                        identifier=identifier,
                        account_type=role,
                        first_name="Dominique",
                        last_name=role.value.upper(),
                        email=f"{identifier}@example.org",
                        phone="06 00 00 00 00",
                        entity_id=entity.id,
                        attached_entity_ids=[],
                    ),
                    invite=False,
                )
                account.set_password(DEMO_PASSWORD)
                db.session.commit()
            db.session.remove()
        response = browser.login(identifier)
        assert "Déconnexion" in response.get_data(as_text=True), f"could not sign in {role}"
        return browser

    return sign_in


@pytest.fixture
def url_values(app, demo, monkeypatch, tmp_path) -> dict[str, str]:
    """A value from real rows for each argument of the URL map's rules: the demo data, its
    orders at every step, an API client, a pending account's activation token, a picture.

    Keys are argument names, or ``endpoint:argument`` where the name alone is ambiguous.
    """
    from shop import accounts
    from shop.demo import load_demo_orders
    from shop.models import Allocation, ApiClient, Category

    uploads = tmp_path / "uploads"
    (uploads / "products").mkdir(parents=True)
    (uploads / "products" / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setitem(app.config, "SHOP_UPLOAD_FOLDER", str(uploads))
    with app.app_context():
        load_demo_orders()
        api_clients.create_client("Entrepôt des tests", ShopKind.PRINTED, None, utcnow())
        entity = db.session.query(Entity).filter_by(code="S001").one()
        pending = accounts.create_account(
            accounts.AccountData(
                identifier="not-yet-active",
                account_type=AccountType.SECTION_DIRECTOR,
                first_name="Claude",
                last_name="ATTENTE",
                email="not-yet-active@example.org",
                phone="",
                entity_id=entity.id,
                attached_entity_ids=[],
            ),
            invite=False,
        )
        db.session.flush()
        director = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        order = (
            db.session.query(Order)
            .filter(Order.account_id == director.id, Order.validated_number.is_not(None))
            .order_by(Order.id)
            .first()
        )
        category = db.session.query(Category).filter_by(shop=ShopKind.PRINTED).first()
        values = {
            "order_id": order.id,
            "number": order.validated_number,
            "product_id": order.lines[0].product_id,
            "account_id": director.id,
            "entity_id": entity.id,
            "client_id": db.session.query(ApiClient.id).scalar(),
            "message_id": db.session.query(OutboxMessage.id).order_by(OutboxMessage.id).first()[0],
            "allocation_id": db.session.query(Allocation.id).order_by(Allocation.id).first()[0],
            "shop": ShopKind.PRINTED.value,
            "slug": category.slug,
            "category_id": category.id,
            "token": accounts.make_token(pending, accounts.ACTIVATION),
            "lang": "en",
            "media.product:name": "picture.png",
            "fulfilment.move_invoice:name": "invoice",
            "static:filename": "css/shop.css",
            "bootstrap.static:filename": "css/bootstrap.min.css",
        }
        db.session.commit()
        db.session.remove()
    return {key: str(value) for key, value in values.items()}


@pytest.fixture
def rule_path(url_values):
    """``rule_path(rule)``: the path of a rule of the URL map, its arguments taken from
    ``url_values`` (``endpoint:name`` first, then ``name``); ``rule_path(rule, "²")`` puts
    that value in every argument. None when an argument has no value: a new route whose
    arguments the tests cannot build yet."""
    from urllib.parse import quote

    def path(rule, value: str | None = None) -> str | None:
        def value_of(name: str) -> str | None:
            if value is not None:
                return value
            return url_values.get(f"{rule.endpoint}:{name}", url_values.get(name))

        if any(value_of(name) is None for name in RULE_ARGUMENT.findall(rule.rule)):
            return None
        return RULE_ARGUMENT.sub(lambda m: quote(value_of(m.group(1)), safe="/"), rule.rule)

    return path


def pytest_collection_modifyitems(config, items):
    # Browser tests last: they are the slowest and the others fail faster.
    items.sort(key=lambda item: "browser" in Path(str(item.fspath)).parts)


SAVE_FORM = re.compile(r'<form method="post" action="/panier/enregistrer">(.*?)</form>', re.S)
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


@pytest.fixture
def save_as_shown():
    """``save_as_shown(browser)``: open « Mon panier » and press « Enregistrer votre
    commande » there, posting what that page's form holds (the ``save`` fixture posts
    nothing: a page older than the basket's state), following the redirect."""

    def save_from_page(browser):
        page = browser.get("/panier").get_data(as_text=True)
        form = SAVE_FORM.search(page)
        assert form is not None, "no « Enregistrer votre commande » on the basket page"
        data = dict(HIDDEN_INPUT.findall(form.group(1)))
        return browser.post("/panier/enregistrer", data=data, follow_redirects=True)

    return save_from_page
