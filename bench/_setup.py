"""What the benchmarks share: a fresh database, the app built on it, a statement counter.

The database is a temporary SQLite file, or the PostgreSQL database named by
``SHOP_BENCH_DATABASE_URL``, whose ``public`` schema is dropped and recreated first (only
if the database name contains "bench").
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from shop import create_app
from shop.demo import load_demo
from shop.extensions import db

IGNORED_STATEMENTS = ("BEGIN", "SAVEPOINT", "RELEASE")


class BenchSetupError(RuntimeError):
    """The benchmark could not reach the state it measures: its figures would mean nothing."""


# -- database -------------------------------------------------------------------------------


def database_url(tmpdir: str) -> str:
    url = os.environ.get("SHOP_BENCH_DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + os.path.join(tmpdir, "bench.sqlite3")
    if url.startswith("postgresql://"):  # psycopg 3 is the driver the shop ships
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    _fresh_postgres(url)
    return url


def _fresh_postgres(url: str) -> None:
    """Empty the database: drop and recreate its ``public`` schema.

    Only a database whose name contains "bench" is wiped, so a mistyped variable cannot
    destroy a development or test database.
    """
    name = make_url(url).database or ""
    if "bench" not in name:
        raise BenchSetupError(
            f"SHOP_BENCH_DATABASE_URL names the database {name!r}: the benchmark drops its "
            "public schema, so it only runs on a database whose name contains 'bench' "
            "(e.g. shop_bench)."
        )
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def build_app(url: str, mail_folder: str, extra_config: dict | None = None) -> Flask:
    """The app on ``url``: migrated from empty, with the demo data loaded."""
    app = create_app(
        {
            "SHOP_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "SHOP_MAIL_TRANSPORT": "folder",
            "SHOP_MAIL_FOLDER": mail_folder,
            **(extra_config or {}),
        }
    )
    logging.disable(logging.INFO)  # the migrations' "Running upgrade ..." lines
    try:
        with app.app_context():
            upgrade()
    finally:
        logging.disable(logging.NOTSET)
    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
    return app


def engine_label(app: Flask, url: str) -> str:
    """The engine named for the report: SQLite (temporary file), or the URL sans password."""
    with app.app_context():
        name = db.engine.dialect.name
    if name == "sqlite":
        return "SQLite (temporary file)"
    return f"{name} ({make_url(url).render_as_string()})"


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- measuring ------------------------------------------------------------------------------


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the engine sends, BEGIN/SAVEPOINT/RELEASE left out.

    An executemany is one call to the listener, so it counts once whatever its rows.
    """
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(IGNORED_STATEMENTS):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: 0.9 gives the 90th (``values`` need not be sorted)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def one_line(statement: str, width: int = 100) -> str:
    """A SQL statement on one line, whitespace collapsed: its first ``width`` characters,
    followed by "..." when it is longer."""
    text = " ".join(statement.split())
    return text if len(text) <= width else text[:width] + "..."


def busy_machine_warning(
    what: str = "pages/s", when: str = "end", effect: str = "is lower and noisier"
) -> str:
    """A note when other processes kept the CPUs busy (the figures are then low).

    Read at the end of a run by default; read it at the start (``when="start"``) when the
    run itself loads the machine. ``effect`` says what happens to ``what`` (for times:
    "are longer and noisier").
    """
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        return ""
    cpus = os.cpu_count() or 1
    if load < cpus / 2:
        return ""
    return (
        f"NOTE:    load average {load:.1f} on {cpus} CPU(s) at the {when} of the run: other "
        f"programs\n         were running, so {what} {effect} than on an idle machine."
    )
