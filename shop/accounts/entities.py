"""Entities (sections, head office): head office creates and edits them, with an audit entry.

An entity's code is unique whatever its case (``s001`` is ``S001``): two admins giving one
code at the same instant end with one entity and, for the second, the message beside the code
field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from shop import addresses
from shop.accounts import audit
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, Entity

ENTITY_FIELDS = [
    "code", "name", "phone", "email", "overseas", "active",
    "delivery_address", "delivery_postcode", "delivery_city",
    "billing_name", "billing_address", "billing_postcode", "billing_city",
]  # fmt: skip


@dataclass
class EntityData:
    """What head office sets on an entity."""

    code: str
    name: str
    phone: str = ""
    email: str = ""
    overseas: bool = False
    active: bool = True
    delivery_address: str = ""
    delivery_postcode: str = ""
    delivery_city: str = ""
    billing_name: str = ""
    billing_address: str = ""
    billing_postcode: str = ""
    billing_city: str = ""


def _code_taken() -> DomainError:
    return DomainError(_l("Ce code est déjà utilisé par une autre entité."), field="code")


def _check_code_free(code: str, entity_id: int | None) -> None:
    """Codes are unique whatever the case (``s001`` is ``S001``), as the database's index on
    ``lower(code)`` says: the database folds both sides, so both agree."""
    duplicate = db.session.scalar(
        select(Entity.id).where(
            func.lower(Entity.code) == func.lower(code), Entity.id != (entity_id or 0)
        )
    )
    if duplicate is not None:
        raise _code_taken()


def _check_contact(values: dict) -> None:
    """Postcodes (when given), phone and e-mail as everywhere else: a postcode ``ABC`` would
    put the entity's orders in no shipping zone."""
    for name in ("delivery_postcode", "billing_postcode"):
        if values[name]:
            values[name] = addresses.clean_postcode(values[name], name)
    values["phone"] = addresses.clean_phone(values["phone"], "phone")
    values["email"] = addresses.clean_email(values["email"], "email")


def save_entity(entity: Entity | None, data: EntityData, actor: Account | None) -> Entity:
    """Create the entity (``entity`` None) or change it; recorded in the audit log."""
    values = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in asdict(data).items()
    }
    _check_contact(values)
    _check_code_free(values["code"], entity.id if entity else None)
    before = audit.snapshot(entity, ENTITY_FIELDS) if entity is not None else {}
    try:
        with db.session.begin_nested():  # another admin may be saving the same code now
            if entity is None:
                entity = Entity()
                db.session.add(entity)
            for name, value in values.items():
                setattr(entity, name, value)
            db.session.flush()
    except IntegrityError as error:
        raise _code_taken() from error
    audit.record(
        actor,
        "entity.update" if before else "entity.create",
        entity,
        before,
        audit.snapshot(entity, ENTITY_FIELDS),
    )
    return entity


def all_entities() -> list[Entity]:
    """Every entity by name (the choices of a form, the filters of a list)."""
    return list(db.session.scalars(select(Entity).order_by(Entity.name)))


def search_entities(terms: str = "") -> Select:
    """The entities whose name, code or delivery city holds ``terms``, by name."""
    query = select(Entity).order_by(Entity.name)
    if terms:
        pattern = f"%{terms}%"
        query = query.where(
            or_(
                Entity.name.ilike(pattern),
                Entity.code.ilike(pattern),
                Entity.delivery_city.ilike(pattern),
            )
        )
    return query
