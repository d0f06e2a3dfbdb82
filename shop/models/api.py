"""Warehouse API clients: one token each, stored only as its hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.dbtypes import UTCDateTime, value_enum
from shop.extensions import db
from shop.models.accounts import Account
from shop.models.catalog import ShopKind

TOKEN_PREFIX = "shp_"  # noqa: S105 (a public prefix, not a secret)


def hash_token(token: str) -> str:
    """Tokens are 256 random bits: a plain SHA-256 is enough to keep them safe at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(db.Model):
    """A warehouse system; it sees and ships only the orders of its shop."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    shop: Mapped[ShopKind] = mapped_column(value_enum(ShopKind, 16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, shown to tell tokens apart.
    token_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[Account | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApiClient {self.name}>"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def new_token(self) -> str:
        """Give the client a new token; returns it in clear, the only time it exists so."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_hint = token[:10]
        return token
