"""Configuration: development defaults, overridden by ``SHOP_*`` environment variables.

Outside development and tests a missing secret key stops start-up: there is no fallback key.
"""

from __future__ import annotations

import os
from pathlib import Path


class ConfigError(RuntimeError):
    """The configuration cannot be used to start the application."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask configuration from the environment, then apply ``overrides``."""
    env = os.environ
    overrides = overrides or {}
    shop_env = overrides.get("SHOP_ENV") or env.get("SHOP_ENV", "production")
    development = shop_env in {"development", "testing"}

    database_url = env.get("SHOP_DATABASE_URL") or "sqlite:///" + str(
        Path(instance_path) / "shop.sqlite3"
    )
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; the bare scheme would pick psycopg2.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    config: dict = {
        "SHOP_ENV": shop_env,
        "SECRET_KEY": env.get("SHOP_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SHOP_TIMEZONE": env.get("SHOP_TIMEZONE", "Europe/Paris"),
        "SHOP_BASE_URL": env.get("SHOP_BASE_URL", "http://127.0.0.1:5000"),
        # Weekly dispatch: 0 = Monday ... 6 = Sunday.
        "SHOP_DISPATCH_WEEKDAY": int(env.get("SHOP_DISPATCH_WEEKDAY", "1")),
        "SHOP_HEAD_OFFICE_EMAIL": env.get("SHOP_HEAD_OFFICE_EMAIL", "boutique@siege.example"),
        # « Vos contacts » [004 §VI], in every page's footer: the shop's working, logistics,
        # and general questions. Invented defaults: set the real addresses in production.
        "SHOP_CONTACT_SHOP": env.get("SHOP_CONTACT_SHOP", "info@boutique-imprimes.example"),
        "SHOP_CONTACT_LOGISTICS": env.get("SHOP_CONTACT_LOGISTICS", "logistique@siege.example"),
        "SHOP_CONTACT_GENERAL": env.get("SHOP_CONTACT_GENERAL", "communication@siege.example"),
        # Validated orders of objects on stock allowed per entity and calendar year.
        "SHOP_OBJECT_ORDERS_PER_YEAR": int(env.get("SHOP_OBJECT_ORDERS_PER_YEAR", "2")),
        # The sweeper (reminders, expiry, mail relay): how often, and whether this process
        # runs it. Production runs `flask --app shop scheduler` beside the web workers.
        "SHOP_SWEEP_MINUTES": float(env.get("SHOP_SWEEP_MINUTES", "5")),
        "SHOP_SCHEDULER_IN_PROCESS": _bool(env.get("SHOP_SCHEDULER_IN_PROCESS")),
        # "Gestion des accès": an account is not invited again within this delay.
        "SHOP_INVITATION_INTERVAL_HOURS": int(env.get("SHOP_INVITATION_INTERVAL_HOURS", "24")),
        "SHOP_TOKEN_MAX_AGE": int(env.get("SHOP_TOKEN_MAX_AGE", str(72 * 3600))),
        "SHOP_LOGIN_MAX_FAILURES": int(env.get("SHOP_LOGIN_MAX_FAILURES", "5")),
        "SHOP_LOGIN_LOCK_MINUTES": int(env.get("SHOP_LOGIN_LOCK_MINUTES", "15")),
        "SHOP_PAGE_SIZE": int(env.get("SHOP_PAGE_SIZE", "24")),
        # Mail: "smtp" in production; "folder" writes .eml files under instance/mail
        # and logs them, so development never needs a mail server.
        "SHOP_MAIL_TRANSPORT": env.get("SHOP_MAIL_TRANSPORT", "folder" if development else "smtp"),
        "SHOP_MAIL_FOLDER": env.get("SHOP_MAIL_FOLDER", str(Path(instance_path) / "mail")),
        "MAIL_SERVER": env.get("SHOP_MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("SHOP_MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(env.get("SHOP_MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("SHOP_MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("SHOP_MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("SHOP_MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env.get("SHOP_MAIL_SENDER", "Boutique <boutique@siege.example>"),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": env.get("SHOP_TIMEZONE", "Europe/Paris"),
        "SHOP_LANGUAGES": ["fr", "en"],
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SHOP_SECURE_COOKIES"), not development),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SHOP_SECURE_COOKIES"), not development),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    }
    config.update(overrides)

    if not config.get("SECRET_KEY"):
        if config["SHOP_ENV"] in {"development", "testing"}:
            # A per-process key: sessions do not survive a restart, which is fine here.
            config["SECRET_KEY"] = os.urandom(32).hex()
        else:
            raise ConfigError(
                "SHOP_SECRET_KEY is not set. Set it to a long random string "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set SHOP_ENV=development to run locally."
            )
    return config
