"""Accounts: who may sign in, and who may order."""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from shop.addresses import Block
from shop.clock import utcnow
from shop.dbtypes import UTCDateTime, value_enum
from shop.extensions import db
from shop.models.catalog import ShopKind
from shop.models.entities import Entity


class AccountType(enum.Enum):
    SECTION_DIRECTOR = "section_director"
    REGIONAL_ASSISTANT = "regional_assistant"
    PREVENTION_REFERENT = "prevention_referent"
    HEAD_OFFICE_ADMIN = "head_office_admin"
    LOGISTICIAN = "logistician"

    @property
    def label(self) -> str:
        return str(ACCOUNT_TYPE_LABELS[self])

    @property
    def may_order(self) -> bool:
        return self in ORDERING_TYPES

    @property
    def orderable_shops(self) -> frozenset[ShopKind]:
        return ORDERABLE_SHOPS.get(self, frozenset())


ACCOUNT_TYPE_LABELS = {
    AccountType.SECTION_DIRECTOR: _l("Directeur de section"),
    AccountType.REGIONAL_ASSISTANT: _l("Assistante régionale"),
    AccountType.PREVENTION_REFERENT: _l("Référent Régional Prévention"),
    AccountType.HEAD_OFFICE_ADMIN: _l("Administrateur siège"),
    AccountType.LOGISTICIAN: _l("Logisticien"),
}

# Who orders what [004 §I]: the sections' people order objects and printed material for
# their sections; head office orders printed material, for itself or any entity, and is
# whom the sections ask for objects beyond their yearly limit: it orders no objects.
# Logisticians order nothing.
ORDERABLE_SHOPS = {
    AccountType.SECTION_DIRECTOR: frozenset({ShopKind.OBJECTS, ShopKind.PRINTED}),
    AccountType.REGIONAL_ASSISTANT: frozenset({ShopKind.OBJECTS, ShopKind.PRINTED}),
    AccountType.PREVENTION_REFERENT: frozenset({ShopKind.OBJECTS, ShopKind.PRINTED}),
    AccountType.HEAD_OFFICE_ADMIN: frozenset({ShopKind.PRINTED}),
}
# The account types that may order something (save and validate an order).
ORDERING_TYPES = frozenset(ORDERABLE_SHOPS)


def who_orders_what() -> str:
    """The rule above in words, for the account form: « Directeur de section, … : peuvent
    commander les imprimés et les objets. Administrateur siège : peut commander … »."""
    groups: dict[frozenset[ShopKind], list[str]] = {}
    for account_type in AccountType:
        groups.setdefault(account_type.orderable_shops, []).append(account_type.label)
    sentences = []
    for shops, labels in groups.items():
        types = ", ".join(labels)
        if not shops:
            sentences.append(
                ngettext(
                    "%(types)s : ne peut rien commander.",
                    "%(types)s : ne peuvent rien commander.",
                    len(labels),
                    types=types,
                )
            )
            continue
        names = [kind.label[0].lower() + kind.label[1:] for kind in ShopKind if kind in shops]
        what = (
            names[0]
            if len(names) == 1
            else _("%(first)s et %(last)s", first=", ".join(names[:-1]), last=names[-1])
        )
        sentences.append(
            ngettext(
                "%(types)s : peut commander %(shops)s.",
                "%(types)s : peuvent commander %(shops)s.",
                len(labels),
                types=types,
                shops=what,
            )
        )
    return " ".join(sentences)


account_entities = Table(
    "account_entities",
    db.metadata,
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
)


class Account(UserMixin, db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lowercase; sign-in is case-insensitive.
    identifier: Mapped[str] = mapped_column(String(64), unique=True)
    account_type: Mapped[AccountType] = mapped_column(value_enum(AccountType, 32))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A mandate: outside [valid_from, valid_until] the account cannot sign in.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # When the last invitation e-mail was queued (None: never invited).
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The holder's postal address (« Coordonnées »), optional.
    address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    city: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # The account's own delivery address ("Mon compte"); empty means the entity's.
    delivery_address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    delivery_postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    delivery_city: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Who receives it there (« Adresse de livraison » of Mon compte); empty: the holder.
    delivery_last_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    delivery_first_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    delivery_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    delivery_phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # The account's own billing address (« Adresse de facturation »); empty address: the
    # entity's.
    billing_last_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    billing_first_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    billing_phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    billing_address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    billing_postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    billing_city: Mapped[str] = mapped_column(String(120), default="", server_default="")

    entity: Mapped[Entity] = relationship(lazy="joined")
    attached_entities: Mapped[list[Entity]] = relationship(
        secondary=account_entities, order_by=Entity.name
    )

    def __repr__(self) -> str:
        return f"<Account {self.identifier}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def get_id(self) -> str:  # Flask-Login: see shop.create_app's user loader
        return f"{self.id}:{self.password_fingerprint()}"

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot sign in
        return self.active

    def within_mandate(self, today: date) -> bool:
        return (self.valid_from is None or self.valid_from <= today) and (
            self.valid_until is None or today <= self.valid_until
        )

    @property
    def is_admin(self) -> bool:
        return self.account_type is AccountType.HEAD_OFFICE_ADMIN

    @property
    def is_logistician(self) -> bool:
        return self.account_type is AccountType.LOGISTICIAN

    @property
    def may_order(self) -> bool:
        return self.account_type.may_order

    def may_order_from(self, shop: ShopKind | None) -> bool:
        return shop in self.account_type.orderable_shops

    @property
    def activated(self) -> bool:
        return self.password_hash is not None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.password_changed_at = utcnow()
        self.failed_logins = 0
        self.locked_until = None

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def password_fingerprint(self) -> str:
        """Changes whenever the password does: tokens carry it, so they die with it."""
        return hashlib.sha256((self.password_hash or "unset").encode()).hexdigest()[:16]

    def delivery(self) -> tuple[str, str, str]:
        """The account's delivery address, or its entity's when it has none of its own."""
        if self.delivery_address and not self.entity.overseas:
            return self.delivery_address, self.delivery_postcode, self.delivery_city
        entity = self.entity
        return entity.delivery_address, entity.delivery_postcode, entity.delivery_city

    def delivery_block(self) -> Block:
        """« Adresse de livraison » as Mon compte shows it: the account's own address (or
        its entity's), to the holder's attention unless another person is named."""
        address, postcode, city = self.delivery()
        own = self.delivery_address and not self.entity.overseas
        return Block(
            last_name=(own and self.delivery_last_name) or self.last_name,
            first_name=(own and self.delivery_first_name) or self.first_name,
            email=(own and self.delivery_email) or self.email,
            phone=(own and self.delivery_phone) or self.phone or self.entity.phone,
            address=address,
            postcode=postcode,
            city=city,
        )

    def billing_block(self) -> Block:
        """« Adresse de facturation »: the account's own, or its entity's billing address."""
        if self.billing_address:
            return Block.read_from(self, "billing_")
        return self.entity.billing_block(self.last_name, self.first_name, self.email)

    def orderable_entities(self) -> list[Entity]:
        """The entities the account may order for ("Entité du destinataire"): its home
        entity first, then the other sections attached to it; head office may order for
        every active entity [004 §I]."""
        if self.is_admin:
            others = db.session.scalars(
                select(Entity)
                .where(Entity.id != self.entity_id, Entity.active.is_(True))
                .order_by(Entity.name)
            ).all()
        else:
            others = [e for e in self.attached_entities if e.id != self.entity_id]
        return [self.entity, *others]


# Identifiers are stored lowercase; the database also refuses two that differ only by case,
# whatever wrote them (a script, a future import).
Index("uq_accounts_identifier_lower", func.lower(Account.identifier), unique=True)
