"""Start-up configuration, and migrations as the only source of the schema."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate
from sqlalchemy import text

from shop import create_app
from shop.config import ConfigError
from shop.dbtypes import render_alembic_item
from shop.extensions import db


def test_production_without_secret_key_stops_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("SHOP_SECRET_KEY", raising=False)
    monkeypatch.setenv("SHOP_ENV", "production")
    with pytest.raises(ConfigError, match="SHOP_SECRET_KEY is not set"):
        create_app()


def test_development_runs_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SHOP_SECRET_KEY", raising=False)
    app = create_app(
        {"SHOP_ENV": "development", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    )
    assert len(app.config["SECRET_KEY"]) >= 32
    assert app.config["SHOP_MAIL_TRANSPORT"] == "folder"


def test_postgres_url_uses_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("SHOP_DATABASE_URL", "postgresql://shop@db/shop")
    monkeypatch.setenv("SHOP_SECRET_KEY", "x" * 40)
    from shop.config import load_config

    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://shop@db/shop"
    assert config["SHOP_TIMEZONE"] == "Europe/Paris"


def test_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    from shop.config import load_config

    config = load_config("/srv/shop/instance", {"SHOP_ENV": "development"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/shop/instance/shop.sqlite3"


def test_migrations_have_one_head(app):
    migrate: Migrate = app.extensions["migrate"]
    script = ScriptDirectory(str(Path(migrate.directory)))
    assert len(script.get_heads()) == 1


# SQLAlchemy cannot reflect SQLite's expression indexes (``lower(code)``): it and Alembic say
# so and skip them. PostgreSQL's are compared; tests/test_case_unique.py tries them on both.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_from_empty_matches_the_models(app):
    """The session database was built by ``flask db upgrade``: no difference may remain."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_item": render_alembic_item}
        )
        assert compare_metadata(context, db.metadata) == []


def test_foreign_keys_are_on_after_the_migrations(app):
    """Migrations switch SQLite's foreign keys off while tables are rebuilt: the connection
    they used goes back to the pool, and must come back with them on."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
