"""Flask extensions, created unbound and bound in :func:`shop.create_app`."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from shop.dbtypes import render_alembic_item

# Stable constraint names: Alembic needs them to alter tables, on SQLite (batch mode) too.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Execution option for connections that only read: on SQLite they start a plain (deferred)
# transaction instead of BEGIN IMMEDIATE, so a long read (a CSV download) never holds the
# write lock; under WAL, readers and writers do not block each other.
READ_ONLY = "shop_read_only"
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_alembic_item)
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
babel = Babel()
bootstrap = Bootstrap5()
