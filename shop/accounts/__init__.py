"""Accounts: provisioning by head office, sign-in, activation and password reset.

Tokens are signed (itsdangerous), expire, and carry the account's password fingerprint, so
a token is single-use: choosing a password changes the fingerprint and kills every token
issued before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import escape
from sqlalchemy import func, or_, select, update

from shop import addresses
from shop.accounts import audit
from shop.clock import shop_timezone, utcnow
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, AccountType, Entity
from shop.notifications import queue_email, queue_emails, render_email
from shop.notifications.links import external_url

ACTIVATION = "activate"
RESET = "reset"
MIN_PASSWORD_LENGTH = 12


@dataclass
class AccountData:
    """What head office sets on an account."""

    identifier: str
    account_type: AccountType
    first_name: str
    last_name: str
    email: str
    phone: str
    entity_id: int
    attached_entity_ids: list[int]
    active: bool = True
    locale: str = "fr"
    valid_from: date | None = None
    valid_until: date | None = None


def normalise_identifier(identifier: str) -> str:
    return identifier.strip().lower()


def create_account(data: AccountData, invite: bool = True) -> Account:
    """Create an account and queue its invitation e-mail (identifier + activation link)."""
    identifier = normalise_identifier(data.identifier)
    _check_identifier_free(identifier)
    account = Account(identifier=identifier)
    _apply(account, data)
    db.session.add(account)
    db.session.flush()
    if invite:
        send_invitation(account)
    return account


def update_account(account: Account, data: AccountData) -> None:
    identifier = normalise_identifier(data.identifier)
    if identifier != account.identifier:
        _check_identifier_free(identifier)
        account.identifier = identifier
    _apply(account, data)
    db.session.flush()


def _check_identifier_free(identifier: str) -> None:
    taken = db.session.scalar(
        select(Account.id).where(func.lower(Account.identifier) == func.lower(identifier))
    )
    if taken is not None:
        raise DomainError(_l("Cet identifiant est déjà utilisé."), field="identifier")


def _apply(account: Account, data: AccountData) -> None:
    entity_ids = {data.entity_id, *data.attached_entity_ids}
    entities = db.session.scalars(select(Entity).where(Entity.id.in_(entity_ids))).all()
    if len(entities) != len(entity_ids):
        raise DomainError(_l("Entité inconnue."), field="entity_id")
    by_id = {e.id: e for e in entities}
    account.account_type = data.account_type
    account.first_name = data.first_name.strip()
    account.last_name = data.last_name.strip()
    account.email = data.email.strip().lower()
    account.phone = data.phone.strip()
    account.entity = by_id[data.entity_id]
    account.attached_entities = [by_id[i] for i in sorted(set(data.attached_entity_ids))]
    account.active = data.active
    account.locale = data.locale
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        raise DomainError(_l("La fin du mandat ne peut précéder son début."), field="valid_until")
    account.valid_from = data.valid_from
    account.valid_until = data.valid_until


# --- tokens -----------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"shop-{purpose}")


def make_token(account: Account, purpose: str) -> str:
    return _serializer(purpose).dumps([account.id, account.password_fingerprint()])


def account_from_token(token: str, purpose: str) -> Account | None:
    """The account a valid token names, or None if expired, tampered with or already used."""
    try:
        account_id, fingerprint = _serializer(purpose).loads(
            token, max_age=current_app.config["SHOP_TOKEN_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature, ValueError, TypeError):
        return None
    account = db.session.get(Account, account_id) if isinstance(account_id, int) else None
    if account is None or not account.active or account.password_fingerprint() != fingerprint:
        return None
    if purpose == ACTIVATION and account.activated:
        # An activation link may change the e-mail address: never for an account in use,
        # whose holder resets a password with "Mot de passe oublié" instead.
        return None
    return account


def send_invitation(account: Account) -> None:
    account.invited_at = utcnow()
    token = make_token(account, ACTIVATION)
    queue_email(
        recipient=account.email,
        kind="account-invitation",
        template="account_invitation",
        locale=account.locale,
        account=account,
        link=external_url("auth.choose_password", token=token),
        max_age_hours=current_app.config["SHOP_TOKEN_MAX_AGE"] // 3600,
    )


_LINK_MARK = "xInviteLinkx"
_STAND_IN = {"identifier": "xInviteIdx", "first_name": "xInviteFirstx", "last_name": "xInviteLastx"}


def queue_invitations(accounts: list[Account]) -> None:
    """The invitation e-mail of each account, as :func:`send_invitation` writes it, queued
    with one ``executemany`` (roster imports and "Gestion des accès" invite thousands).

    Rendering the template 5,000 times takes seconds, so it is rendered once per language
    for a stand-in account, and each message is that text with the account's identifier,
    names and link put in. The first message of each language is also rendered in full and
    compared: a template that uses anything else (or transforms those values) is then
    rendered for every account, as before.
    """
    if not accounts:
        return
    link = external_url("auth.choose_password", token=_LINK_MARK)
    max_age_hours = current_app.config["SHOP_TOKEN_MAX_AGE"] // 3600
    templates: dict[str, dict | None] = {}
    rows = []
    for account in accounts:
        token = make_token(account, ACTIVATION)
        account_link = link.replace(_LINK_MARK, token)

        def render(account=account, account_link=account_link) -> dict:
            return render_email(
                "account_invitation",
                account.locale,
                account=account,
                link=account_link,
                max_age_hours=max_age_hours,
            )

        if account.locale not in templates:
            stand_in = Account(locale=account.locale, **_STAND_IN)
            template = render_email(
                "account_invitation",
                account.locale,
                account=stand_in,
                link=link,
                max_age_hours=max_age_hours,
            )
            message = render()
            templates[account.locale] = (
                template if _fill(template, account, token) == message else None
            )
        else:
            template = templates[account.locale]
            message = render() if template is None else _fill(template, account, token)
        rows.append({"recipient": account.email, "kind": "account-invitation", **message})
    queue_emails(rows)


def _fill(template: dict, account: Account, token: str) -> dict:
    values = {
        _LINK_MARK: token,
        _STAND_IN["identifier"]: account.identifier,
        _STAND_IN["first_name"]: account.first_name,
        _STAND_IN["last_name"]: account.last_name,
    }
    pattern = re.compile("|".join(re.escape(key) for key in values))
    filled = {}
    for key, text in template.items():
        if text is None:
            filled[key] = None
        elif key == "body_html":
            filled[key] = pattern.sub(lambda m: str(escape(values[m.group(0)])), text)
        else:
            filled[key] = pattern.sub(lambda m: values[m.group(0)], text)
    return filled


def invite_pending(now, interval_hours: int) -> int:
    """Invite active accounts without a password not invited in the last ``interval_hours``.

    The accounts are locked while they are invited, so two admins pressing the button at
    once do not both send: the second finds them just invited.
    """
    query = (
        select(Account)
        .where(
            Account.active.is_(True),
            Account.password_hash.is_(None),
            or_(
                Account.invited_at.is_(None),
                Account.invited_at <= now - timedelta(hours=interval_hours),
            ),
        )
        .order_by(Account.id)
        .with_for_update(of=Account, key_share=True)  # not the joined entity rows
    )
    accounts = list(db.session.scalars(query))
    for account in accounts:
        account.invited_at = now
    queue_invitations(accounts)
    db.session.flush()
    return len(accounts)


def request_password_reset(email: str) -> None:
    """Queue a reset link to every active account with this address; say nothing either way."""
    accounts = db.session.scalars(
        select(Account).where(
            func.lower(Account.email) == email.strip().lower(), Account.active.is_(True)
        )
    ).all()
    for account in accounts:
        token = make_token(account, RESET)
        queue_email(
            recipient=account.email,
            kind="password-reset",
            template="password_reset",
            locale=account.locale,
            account=account,
            link=external_url("auth.choose_password", token=token, purpose=RESET),
            max_age_hours=current_app.config["SHOP_TOKEN_MAX_AGE"] // 3600,
        )


def choose_password(account: Account, password: str, email: str | None = None) -> None:
    """Set the password chosen from an e-mailed link (and, on activation, the e-mail address
    of reference the person may correct). The audit log says it changed, never what to."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("Le mot de passe doit contenir au moins %(n)s caractères.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    before = {"email": account.email, "password": "set" if account.password_hash else None}
    if email:
        account.email = email.strip().lower()
    account.set_password(password)
    after = {"email": account.email, "password": "new"}
    audit.record(account, "account.password", account, before, after)
    db.session.flush()


# Of an account, what its holder changes in "Mon compte" (« Coordonnées »).
COORDINATES = addresses.Block.names()


def update_coordinates(
    account: Account,
    *,
    last_name: str,
    first_name: str,
    email: str,
    phone: str,
    address: str = "",
    postcode: str = "",
    city: str = "",
) -> None:
    """ "Enregistrer les modifications" (Mon compte, « Coordonnées »): the holder's own name,
    e-mail, phone and postal address (optional, its postcode checked when given).
    Identifier, type and entity are head office's (:func:`update_account`)."""
    block = addresses.Block(
        last_name=last_name,
        first_name=first_name,
        email=email,
        phone=phone,
        address=address,
        postcode=postcode,
        city=city,
    )
    required = ("last_name", "first_name", "email")
    block = addresses.clean_block(block, "", required=required)
    before = audit.snapshot(account, COORDINATES)
    block.copy_to(account, "")
    audit.record(account, "account.update", account, before, audit.snapshot(account, COORDINATES))
    db.session.flush()


def update_billing_address(account: Account, block: addresses.Block) -> None:
    """« Adresse de facturation » of Mon compte, « Enregistrer les modifications »: the
    account's own billing address, on its next orders (saved ones keep theirs)."""
    block = addresses.clean_block(block, "billing_")
    fields = addresses.Block.names("billing_")
    before = audit.snapshot(account, fields)
    block.copy_to(account, "billing_")
    audit.record(account, "account.update", account, before, audit.snapshot(account, fields))
    db.session.flush()


# --- sign-in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt gave: the ``account`` signed in, or ``refusal``, the message."""

    account: Account | None = None
    refusal: DomainError | None = None


WRONG_CREDENTIALS = _l("Nom d'utilisateur ou mot de passe incorrect.")


def authenticate(identifier: str, password: str, now: datetime) -> SignIn:
    """Sign in, or say why not.

    A refusal is returned, not raised: a wrong password is counted, and the count must be
    committed with the request although the sign-in is refused. After
    ``SHOP_LOGIN_MAX_FAILURES`` wrong passwords in a row the account is locked for
    ``SHOP_LOGIN_LOCK_MINUTES``. The count is one ``UPDATE ... RETURNING`` in the database:
    concurrent wrong passwords (other processes, other threads) all count, and exactly the
    one that reaches the limit locks the account.
    """
    account = db.session.scalar(
        select(Account).where(
            func.lower(Account.identifier) == func.lower(normalise_identifier(identifier))
        )
    )
    if account is None or not account.active or account.password_hash is None:
        return SignIn(refusal=DomainError(WRONG_CREDENTIALS))
    if account.locked_until is not None and account.locked_until > now:
        return SignIn(
            refusal=DomainError(
                _l(
                    "Trop de tentatives de connexion. Réessayez dans quelques minutes "
                    "ou utilisez « Mot de passe oublié »."
                )
            )
        )
    if not account.check_password(password):
        _count_failure(account, now)
        return SignIn(refusal=DomainError(WRONG_CREDENTIALS))
    if not account.within_mandate(now.astimezone(shop_timezone()).date()):
        return SignIn(
            refusal=DomainError(
                _l(
                    "Votre accès n'est pas ouvert à cette date. Contactez l'administrateur "
                    "du siège."
                )
            )
        )
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    db.session.flush()
    return SignIn(account=account)


def _count_failure(account: Account, now: datetime) -> None:
    account_id = account.id
    failures = db.session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(failed_logins=Account.failed_logins + 1)
        .returning(Account.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if failures >= current_app.config["SHOP_LOGIN_MAX_FAILURES"]:
        db.session.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(
                failed_logins=0,
                locked_until=now + timedelta(minutes=current_app.config["SHOP_LOGIN_LOCK_MINUTES"]),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.expire(account, ["failed_logins", "locked_until"])
