"""The ordering storefront: application factory."""

from __future__ import annotations

import logging
import re

from flask import Flask, abort, g, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from shop.config import load_config
from shop.extensions import READ_ONLY, babel, bootstrap, csrf, db, login_manager, mail, migrate
from shop.web.boundary import ShopFlask
from shop.web.params import IdConverter, parse_int


def create_app(config: dict | None = None) -> Flask:
    app = ShopFlask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.update(load_config(app.instance_path, config))
    _ensure_instance_folder(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("SHOP_MIGRATIONS", _migrations_dir()))
    csrf.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    _init_login(app)

    with app.app_context():
        _configure_engine(db.engine)

    from shop import models  # noqa: F401  (registers the tables on the metadata)
    from shop.blueprints import register_blueprints
    from shop.cli import register_cli
    from shop.notifications import init_app as init_notifications
    from shop.templating import init_app as init_templating
    from shop.web.boundary import init_app as init_boundary

    register_blueprints(app)
    register_cli(app)
    init_notifications(app)
    init_templating(app)
    init_boundary(app)
    _register_error_pages(app)
    _refuse_malformed_input(app)
    logging.basicConfig(level=logging.INFO)
    if app.config["SHOP_SCHEDULER_IN_PROCESS"]:
        from shop.jobs import start_in_process

        start_in_process(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def _ensure_instance_folder(app: Flask) -> None:
    from pathlib import Path

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _configure_engine(engine: Engine) -> None:
    """SQLite: foreign keys on, WAL, and every transaction ``BEGIN IMMEDIATE``.

    SQLite has no ``SELECT ... FOR UPDATE``; taking the write lock when a transaction starts
    is what makes read-check-write sequences (stock, quotas, baskets) safe there. PostgreSQL
    uses row locks instead and needs nothing here.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a reader: never takes the write lock
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _select_locale() -> str:
    if not has_request_context():  # CLI commands and jobs speak the default language
        return "fr"
    languages = babel_languages()
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return "fr"


def babel_languages() -> list[str]:
    from flask import current_app

    return current_app.config["SHOP_LANGUAGES"]


def _select_timezone() -> str:
    from flask import current_app

    return current_app.config["SHOP_TIMEZONE"]


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from shop.models import Account

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Merci de vous connecter pour accéder à cette page.")
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_account(session_id: str) -> Account | None:
        # The session id carries the password fingerprint: changing the password
        # signs out every other session.
        account_id, _, fingerprint = session_id.partition(":")
        ident = parse_int(account_id, minimum=1)
        if ident is None:
            return None
        account = db.session.get(Account, ident)
        if account is None or not account.active or account.password_fingerprint() != fingerprint:
            return None
        from shop.clock import local_today

        if not account.within_mandate(local_today()):  # access ends with the mandate
            return None
        return account


PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def _refuse_malformed_input(app: Flask) -> None:
    """Input no page may take, refused before any view sees it: a NUL character (which
    PostgreSQL refuses in text) anywhere in the query or the form, and a page number that
    is not a small positive integer (pagination would overflow the database's integers)."""

    @app.before_request
    def _check_input():
        if request.blueprint == "api":  # the API answers these itself, naming the field
            return
        values = [*request.args.values(), *request.form.values(), *request.args.keys()]
        if any("\x00" in value for value in values):
            abort(400)
        page = request.args.get("page")
        if page is not None and not PAGE_NUMBER.fullmatch(page):
            abort(404)


def _register_error_pages(app: Flask) -> None:
    def render_error(code: int, message: str | None = None):
        g.error_message = message
        return render_template("errors/error.html", code=code, message=message), code

    # The boundary has rolled the request's work back before any of these is rendered.
    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, lambda _error, code=code: render_error(code))
    app.register_error_handler(CSRFError, lambda _error: render_error(400, "csrf"))

    @app.context_processor
    def inject_locale():
        path = request.path if has_request_context() else ""  # e-mails rendered by jobs
        return {"current_locale": str(get_locale()), "request_path": path}
