"""Recording admin changes in the audit log, in the same transaction as the change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from shop.extensions import db
from shop.models import Account, AuditEntry


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return sorted(_plain(v) for v in value)
    return value


def snapshot(obj, fields: list[str]) -> dict:
    """The fields' current values, JSON-ready, to compare after the change."""
    return {name: _plain(getattr(obj, name)) for name in fields}


# What the audit log keeps of an account, wherever it is changed (admin form, roster import).
ACCOUNT_FIELDS = [
    "identifier", "account_type", "first_name", "last_name", "email", "phone", "entity_id",
    "active", "locale", "valid_from", "valid_until",
]  # fmt: skip


def account_snapshot(account: Account, attached_ids: list[int] | None = None) -> dict:
    values = snapshot(account, ACCOUNT_FIELDS)
    if attached_ids is None:
        attached_ids = [entity.id for entity in account.attached_entities]
    values["attached_entities"] = sorted(attached_ids)
    return values


def record(
    actor: Account | None,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
    label: str = "",
) -> AuditEntry | None:
    """Add an audit entry for what changed between ``before`` and ``after``.

    Nothing is recorded for an update that changed nothing.
    """
    before = {key: _plain(value) for key, value in (before or {}).items()}
    after = {key: _plain(value) for key, value in (after or {}).items()}
    changes = {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
    if before and after and not changes:
        return None
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=getattr(target, "id", None),
        target_label=label or str(getattr(target, "identifier", "") or getattr(target, "name", "")),
        changes=changes,
    )
    db.session.add(entry)
    return entry


def search_entries(terms: str = "", actions: list[str] | None = None) -> Select:
    """The audit log, newest first; ``terms`` in the action, the target or the actor, or one
    of ``actions`` (the codes whose French name matched)."""
    query = (
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if terms:
        pattern = f"%{terms}%"
        query = query.outerjoin(AuditEntry.actor).where(
            or_(
                AuditEntry.action.ilike(pattern),
                AuditEntry.target_label.ilike(pattern),
                Account.identifier.ilike(pattern),
                AuditEntry.action.in_(actions or []),
            )
        )
    return query
