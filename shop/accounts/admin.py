"""Head office's operations on accounts, each with its audit entry, and the lists of its
pages ("Comptes", "Gestion des accès") as statements the pages paginate.

An identifier is unique: two admins giving one identifier at the same instant end with one
account and, for the second, the message beside the identifier field.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop import accounts
from shop.accounts import audit
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, AccountType

# The "statut" filter of the accounts list.
ACCOUNT_STATES = ("actif", "invite", "desactive")


def _identifier_taken() -> DomainError:
    return DomainError(_l("Cet identifiant est déjà utilisé."), field="identifier")


def create_account(data: accounts.AccountData, actor: Account | None) -> Account:
    """A new account, its invitation e-mail queued; recorded in the audit log."""
    try:
        with db.session.begin_nested():  # another admin may be creating the same one now
            account = accounts.create_account(data)
    except IntegrityError as error:
        raise _identifier_taken() from error
    audit.record(actor, "account.create", account, after=audit.account_snapshot(account))
    return account


def update_account(account: Account, data: accounts.AccountData, actor: Account | None) -> None:
    """Change an account; an admin may not take away their own admin rights nor deactivate
    themselves (so the shop always keeps an admin: another one must do it)."""
    if actor is not None and actor.id == account.id:
        if data.account_type is not AccountType.HEAD_OFFICE_ADMIN:
            raise DomainError(
                _l(
                    "Vous ne pouvez pas retirer vos propres droits d'administrateur : "
                    "demandez-le à un autre administrateur du siège."
                ),
                field="account_type",
            )
        if not data.active:
            raise DomainError(
                _l(
                    "Vous ne pouvez pas désactiver votre propre compte : demandez-le à un "
                    "autre administrateur du siège."
                ),
                field="active",
            )
    before = audit.account_snapshot(account)
    try:
        with db.session.begin_nested():
            accounts.update_account(account, data)
    except IntegrityError as error:
        raise _identifier_taken() from error
    audit.record(actor, "account.update", account, before, audit.account_snapshot(account))


def invite(account: Account, actor: Account | None) -> None:
    """Send the account its invitation (activation link) again, while it is not activated."""
    if account.activated:
        raise DomainError(
            _l(
                "Ce compte est déjà activé : pour un nouveau mot de passe, son titulaire "
                "utilise « Mot de passe oublié »."
            )
        )
    accounts.send_invitation(account)
    db.session.flush()
    audit.record(actor, "account.invite", account, after={"email": account.email})


def invite_pending(now: datetime, interval_hours: int, actor: Account | None) -> int:
    """ "Gestion des accès": invite every account still to activate, at most once per
    ``interval_hours``; returns how many were invited, as the audit log records."""
    sent = accounts.invite_pending(now, interval_hours)
    if sent:  # nothing sent, nothing to record (no « invitations — → 0 » line)
        audit.record(actor, "access.invite", actor, after={"invitations": sent})
    return sent


def search_accounts(
    terms: str = "",
    kind: AccountType | None = None,
    entity_id: int | None = None,
    state: str = "",
) -> Select:
    """The accounts matching the filters of the accounts list, by identifier."""
    query = select(Account).options(joinedload(Account.entity)).order_by(Account.identifier)
    if kind is not None:
        query = query.where(Account.account_type == kind)
    if entity_id is not None:
        query = query.where(Account.entity_id == entity_id)
    if state == "actif":
        query = query.where(Account.active.is_(True), Account.password_hash.is_not(None))
    elif state == "invite":
        query = query.where(Account.active.is_(True), Account.password_hash.is_(None))
    elif state == "desactive":
        query = query.where(Account.active.is_(False))
    if terms:
        pattern = f"%{terms}%"
        query = query.where(
            or_(
                Account.identifier.ilike(pattern),
                Account.last_name.ilike(pattern),
                Account.first_name.ilike(pattern),
                Account.email.ilike(pattern),
            )
        )
    return query


def access_states(entity_id: int | None = None) -> Select:
    """ "Gestion des accès": the accounts by last name, with their entity."""
    query = select(Account).options(joinedload(Account.entity)).order_by(Account.last_name)
    if entity_id is not None:
        query = query.where(Account.entity_id == entity_id)
    return query


def count_to_activate() -> int:
    """Active accounts that have not chosen their password yet."""
    return db.session.scalar(
        select(func.count(Account.id)).where(
            Account.active.is_(True), Account.password_hash.is_(None)
        )
    )
