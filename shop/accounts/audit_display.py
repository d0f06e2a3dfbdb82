"""The audit log as a person reads it: each action and field named in French, each value as
it is typed and shown elsewhere (Oui/Non, jj/mm/aaaa, « 1 575,00 € », « 20 % », names).

The log stores codes and plain values (``account.update``, ``active: true``,
``valid_until: 2026-12-31``) so that it survives a change of wording; they are turned into
text here, when the page is shown, in the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.extensions import db
from shop.models import (
    AccountType,
    AuditEntry,
    Category,
    Entity,
    OrderStatus,
    OutboxStatus,
    ShopKind,
)
from shop.templating import rate as format_rate

ACTION_LABELS = {
    "account.create": _l("Création de compte"),
    "account.update": _l("Modification de compte"),
    "account.invite": _l("Invitation envoyée"),
    "account.password": _l("Choix du mot de passe"),
    "access.invite": _l("Invitations envoyées aux comptes non activés"),
    "entity.create": _l("Création d'entité"),
    "entity.update": _l("Modification d'entité"),
    "product.create": _l("Création de produit"),
    "product.update": _l("Modification de produit"),
    "stock.adjust": _l("Mouvement de stock"),
    "quota.default": _l("Quota mensuel du produit"),
    "quota.entity": _l("Quota mensuel d'une entité"),
    "allocation.create": _l("Dotation du siège"),
    "allocation.delivered": _l("Dotation livrée"),
    "api_client.create": _l("Création d'un accès API"),
    "api_client.regenerate": _l("Nouvelle clé d'accès API"),
    "api_client.revoke": _l("Révocation d'un accès API"),
    "mail.retry": _l("Email remis dans la file d'envoi"),
    "roster.create": _l("Import du personnel : compte créé"),
    "roster.update": _l("Import du personnel : compte modifié"),
    "roster.deactivate": _l("Import du personnel : compte désactivé"),
    "order.cancel": _l("Annulation de commande par le siège"),
    "category.create": _l("Création de catégorie"),
    "category.update": _l("Modification de catégorie"),
    "category.delete": _l("Suppression de catégorie"),
}

FIELD_LABELS = {
    "identifier": _l("Identifiant"),
    "account_type": _l("Type de compte"),
    "first_name": _l("Prénom"),
    "last_name": _l("Nom"),
    "email": _l("Adresse email"),
    "phone": _l("Téléphone"),
    "entity_id": _l("Entité"),
    "entity": _l("Entité"),
    "attached_entities": _l("Entités rattachées"),
    "active": _l("Actif"),
    "locale": _l("Langue des emails"),
    "valid_from": _l("Début du mandat"),
    "valid_until": _l("Fin du mandat"),
    "password": _l("Mot de passe"),
    "delivery_address": _l("Adresse de livraison"),
    "delivery_postcode": _l("Code postal de livraison"),
    "delivery_city": _l("Ville de livraison"),
    "code": _l("Code"),
    "name": _l("Nom"),
    "overseas": _l("Section d'outre-mer"),
    "billing_name": _l("Nom de facturation"),
    "billing_address": _l("Adresse de facturation"),
    "billing_postcode": _l("Code postal de facturation"),
    "billing_city": _l("Ville de facturation"),
    "reference": _l("Référence"),
    "description": _l("Description"),
    "category_id": _l("Catégorie"),
    "unit_price": _l("Prix unitaire HT"),
    "vat_rate": _l("Taux de TVA"),
    "min_quantity": _l("Quantité minimale"),
    "max_quantity": _l("Quantité maximale"),
    "quantity_step": _l("Pas de quantité"),
    "weight_grams": _l("Poids unitaire (grammes)"),
    "orderable_from": _l("Commandable à partir du"),
    "monthly_quota": _l("Quota mensuel"),
    "image": _l("Image"),
    "stock_on_hand": _l("Stock"),
    "reason": _l("Motif"),
    "product": _l("Produit"),
    "year": _l("Année"),
    "quantity": _l("Quantité"),
    "delivered_quantity": _l("Quantité livrée"),
    "shop": _l("Boutique"),
    "token_hint": _l("Début de la clé"),
    "revoked_at": _l("Révoqué le"),
    "status": _l("Statut"),
    "next_attempt_at": _l("Prochain essai"),
    "invitations": _l("Invitations envoyées"),
    "order_status": _l("Statut de la commande"),
    "slug": _l("Adresse de la page"),
    "position": _l("Position dans la liste"),
    "address": _l("Adresse"),
    "postcode": _l("Code postal"),
    "city": _l("Ville"),
    "delivery_last_name": _l("Nom (livraison)"),
    "delivery_first_name": _l("Prénom (livraison)"),
    "delivery_email": _l("Adresse email (livraison)"),
    "delivery_phone": _l("Téléphone (livraison)"),
    "billing_last_name": _l("Nom (facturation)"),
    "billing_first_name": _l("Prénom (facturation)"),
    "billing_email": _l("Adresse email (facturation)"),
    "billing_phone": _l("Téléphone (facturation)"),
}
IMAGE_CHANGES = {
    "added": _l("nouvelle image"),
    "replaced": _l("image remplacée"),
    "removed": _l("image retirée"),
}

LOCALES = {"fr": "Français", "en": "English"}
PASSWORD_STATES = {"set": _l("défini"), "new": _l("nouveau")}
OUTBOX_STATES = {
    OutboxStatus.PENDING.value: _l("En attente"),
    OutboxStatus.SENT.value: _l("Envoyé"),
    OutboxStatus.FAILED.value: _l("En échec"),
}
ENUMS = {"account_type": AccountType, "shop": ShopKind, "order_status": OrderStatus}
MONEY = {"unit_price"}
RATES = {"vat_rate"}
ENTITY_IDS = {"entity_id", "attached_entities"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ReadableEntry:
    entry: AuditEntry
    action: str
    changes: list[Change]


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _folded(text: str) -> str:
    """Lowercase and without accents: « categorie » finds « Catégorie »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def actions_matching(terms: str) -> list[str]:
    """The action codes whose French name contains ``terms`` (the log is searched by both)."""
    terms = _folded(terms)
    return [code for code, label in ACTION_LABELS.items() if terms and terms in _folded(str(label))]


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return str(label) if label is not None else field


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


class _Names:
    """The names of the entities and categories a page of entries refers to, in 2 queries."""

    def __init__(self, entries: list[AuditEntry]):
        entity_ids: set[int] = set()
        category_ids: set[int] = set()
        for entry in entries:
            for field, values in (entry.changes or {}).items():
                for value in values:
                    ids = value if isinstance(value, list) else [value]
                    ints = {v for v in ids if isinstance(v, int) and not isinstance(v, bool)}
                    if field in ENTITY_IDS:
                        entity_ids |= ints
                    elif field == "category_id":
                        category_ids |= ints
        self.entities = self._load(Entity, entity_ids)
        self.categories = self._load(Category, category_ids)

    @staticmethod
    def _load(model, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        query = select(model.id, model.name).where(model.id.in_(ids))
        return {row_id: name for row_id, name in db.session.execute(query)}


def readable_value(field: str, value, names: _Names | None = None) -> str:
    """One stored value as a person reads it; "—" for none."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_l("Oui") if value else _l("Non"))
    if field in ENTITY_IDS and names is not None:
        ids = value if isinstance(value, list) else [value]
        return ", ".join(names.entities.get(i, f"#{i}") for i in ids)
    if field == "category_id" and names is not None:
        return names.categories.get(value, f"#{value}")
    if field in MONEY and (amount := _number(value)) is not None:
        return format_currency(amount, "EUR")
    if field in RATES and (rate := _number(value)) is not None:
        return format_rate(rate)
    if field in ENUMS:
        try:
            return ENUMS[field](value).label
        except ValueError:
            return str(value)
    if field == "locale":
        return LOCALES.get(value, str(value))
    if field == "password":
        return str(PASSWORD_STATES.get(value, value))
    if field == "status" and value in OUTBOX_STATES:
        return str(OUTBOX_STATES[value])
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_date(date.fromisoformat(value), "dd/MM/yyyy")
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return format_datetime(datetime.fromisoformat(value), "dd/MM/yyyy HH:mm")
        except ValueError:
            return value
    if isinstance(value, int):
        return format_decimal(value, format="#,##0")
    if isinstance(value, list):
        return ", ".join(readable_value(field, v, names) for v in value)
    return str(value)


def image_change(before, after) -> tuple[str, str]:
    """A picture is stored under a hashed path no one reads: say what happened to it."""
    if not before:
        return "—", str(IMAGE_CHANGES["added"]) if after else "—"
    if not after:
        return str(_l("image")), str(IMAGE_CHANGES["removed"])
    return str(_l("image")), str(IMAGE_CHANGES["replaced"])


def readable_change(field: str, before, after, names: _Names | None = None) -> Change:
    if field == "image":
        return Change(field_label(field), *image_change(before, after))
    return Change(
        field_label(field),
        readable_value(field, before, names),
        readable_value(field, after, names),
    )


def readable(entries: list[AuditEntry]) -> list[ReadableEntry]:
    """A page of the audit log, ready to show."""
    names = _Names(entries)
    return [
        ReadableEntry(
            entry=entry,
            action=action_label(entry.action),
            changes=[
                readable_change(field, values[0], values[1], names)
                for field, values in (entry.changes or {}).items()
            ],
        )
        for entry in entries
    ]
