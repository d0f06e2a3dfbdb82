"""Warehouse API clients: creating them, revoking them, and recognising their tokens.

A client's token is shown once, when it is made; the database keeps only its SHA-256 hash, so
looking a token up is one indexed equality on the hash and a stolen database gives no usable
token. Revoking is final: a revoked client keeps its row (its name stays in the orders'
history) but no token of it is accepted again, even a regenerated one. Creating, revoking
and regenerating each record their audit entry (never the token).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop.accounts import audit
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, ApiClient, ShopKind
from shop.models.api import hash_token

# ``last_used_at`` is a hint for the admin ("is this client still in use?"), not a log:
# writing it at most once a minute spares a write on every call of a polling warehouse.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Longer than any token we issue (``shp_`` + 43 characters); longer input is not looked up.
MAX_TOKEN_LENGTH = 200
# What the audit log keeps of a client: never the token, only its public first characters.
AUDIT_FIELDS = ["name", "shop", "token_hint", "revoked_at"]


class ApiClientError(DomainError):
    pass


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ApiClientError(_l("Indiquez le nom du client."), field="name")
    if len(name) > 120:
        raise ApiClientError(_l("120 caractères au plus."), field="name")
    taken = db.session.scalar(select(ApiClient.id).where(ApiClient.name == name))
    if taken is not None:
        raise ApiClientError(_l("Un client API porte déjà ce nom."), field="name")
    return name


def create_client(
    name: str, shop: ShopKind, created_by: Account | None, now: datetime
) -> tuple[ApiClient, str]:
    """A new client of one shop; returns it with its token in clear (shown once).
    ``created_by`` is the admin, or None from the command line."""
    client = ApiClient(name=_check_name(name), shop=shop, created_by=created_by, created_at=now)
    token = client.new_token()
    try:
        with db.session.begin_nested():  # two admins giving one name at the same instant
            db.session.add(client)
    except IntegrityError as error:
        raise ApiClientError(_l("Un client API porte déjà ce nom."), field="name") from error
    audit.record(created_by, "api_client.create", client, after=_snapshot(client))
    return client, token


def revoke(client: ApiClient, now: datetime, actor: Account | None = None) -> None:
    if client.revoked_at is not None:
        raise ApiClientError(_l("Ce client API est déjà révoqué."))
    before = _snapshot(client)
    client.revoked_at = now
    db.session.flush()
    audit.record(actor, "api_client.revoke", client, before, _snapshot(client))


def regenerate_token(client: ApiClient, actor: Account | None = None) -> str:
    """Replace the client's token: the old one stops working at once."""
    if client.revoked_at is not None:
        raise ApiClientError(_l("Ce client API est révoqué : créez-en un nouveau."))
    before = _snapshot(client)
    token = client.new_token()
    db.session.flush()
    audit.record(actor, "api_client.regenerate", client, before, _snapshot(client))
    return token


def _snapshot(client: ApiClient) -> dict:
    return audit.snapshot(client, AUDIT_FIELDS)


def listing() -> Select:
    """Every client, the revoked ones last, with who created it."""
    return (
        select(ApiClient)
        .options(joinedload(ApiClient.created_by))
        .order_by(ApiClient.revoked_at.is_not(None), ApiClient.name)
    )


def authenticate(token: str, now: datetime) -> ApiClient | None:
    """The active client holding this token, or None whatever the reason (unknown, revoked):
    the caller answers the same 401 either way, so nothing tells a guesser which it was."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))
    if client is None or client.revoked_at is not None:
        return None
    _touch(client, now)
    return client


def _touch(client: ApiClient, now: datetime) -> None:
    """Record the use, at most once a minute, with a conditional UPDATE: concurrent calls of
    one client do not queue on its row more than once a minute either."""
    stale = now - LAST_USED_RESOLUTION
    db.session.execute(
        update(ApiClient)
        .where(
            ApiClient.id == client.id,
            or_(ApiClient.last_used_at.is_(None), ApiClient.last_used_at < stale),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
