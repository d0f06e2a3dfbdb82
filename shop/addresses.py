"""Addresses and contact details as people type them: checked, normalised, and their zone.

One block of the guide (« Adresse de livraison », « Adresse de facturation ») is a
:class:`Block`: Nom, Prénom, Adresse email, Téléphone, Adresse, Code postal, Ville (the
« Entité » shown beside it is the entity's name, not typed). Every place that saves one (Mon
compte, the basket, validation) goes through :func:`clean_block`, so a postcode ``ABC`` or a
phone ``12`` is refused everywhere with the same French message, beside its field.

The postcode also decides the shipping zone: « Cette adresse sert de base au calcul des
frais de port » [004 §II.c].
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from flask_babel import lazy_gettext as _l

from shop.errors import DomainError

POSTCODE = re.compile(r"[0-9]{5}")
# National: 0 then 9 digits; international: +33 / 0033 then 9 digits (the 0 dropped), or
# an overseas country code (Réunion and Mayotte 262, Guadeloupe 590, Guyane 594,
# Martinique 596, Saint-Pierre 508, Wallis 681, Nouvelle-Calédonie 687, Polynésie 689).
NATIONAL_PHONE = re.compile(r"0[1-9][0-9]{8}")
INTERNATIONAL_PHONE = re.compile(
    r"(?:\+|00)(?:33[1-9][0-9]{8}|(?:262|269|508|590|594|596|681|687|689)[0-9]{6,9})"
)
PHONE_SEPARATORS = re.compile(r"[ .\-/]|\(0\)")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Postcodes of the overseas departments and communities: 971 Guadeloupe … 976 Mayotte,
# 975 Saint-Pierre-et-Miquelon, 977/978 Saint-Barthélemy/Saint-Martin, 986-988 Pacific.
# (980xx is Monaco, delivered as metropolitan France.)
OVERSEAS_PREFIXES = ("97", "98")

INVALID_POSTCODE = _l(
    "Code postal non valide : saisissez les 5 chiffres du code postal (par exemple 75015)."
)
INVALID_PHONE = _l(
    "Numéro de téléphone non valide : saisissez un numéro français à 10 chiffres "
    "(par exemple 01 23 45 67 89) ou au format international (+33 1 23 45 67 89)."
)
INVALID_EMAIL = _l("Adresse email non valide (par exemple prenom.nom@exemple.fr).")
REQUIRED = _l("Ce champ est obligatoire.")

# Column sizes, so a value that passes here always fits.
MAX_LENGTHS = {
    "last_name": 80,
    "first_name": 80,
    "email": 254,
    "phone": 32,
    "address": 255,
    "postcode": 10,
    "city": 120,
}


def is_french_postcode(value: str) -> bool:
    """Five digits beginning with a department, 01 to 95 (20 for Corsica), or 97/98
    overseas (and Monaco): ``00000`` or ``96123`` is no French postcode."""
    if not POSTCODE.fullmatch(value or ""):
        return False
    return 1 <= int(value[:2]) <= 95 or value.startswith(OVERSEAS_PREFIXES)


def clean_postcode(value: str, field: str = "postcode") -> str:
    value = (value or "").strip()
    if not is_french_postcode(value):
        raise DomainError(INVALID_POSTCODE, field=field)
    return value


def _pairs(digits: str) -> str:
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _international(digits: str) -> str:
    """``+33 3 20 11 22 33``, ``+262 262 00 09 74``: the country code, then the number
    grouped as it is read (an odd length begins with a group of three)."""
    if digits.startswith("33"):
        return f"+33 {digits[2]} {_pairs(digits[3:])}"
    code, number = digits[:3], digits[3:]
    head = number[:3] if len(number) % 2 else ""
    return " ".join(part for part in (f"+{code}", head, _pairs(number[len(head) :])) if part)


def clean_phone(value: str, field: str = "phone") -> str:
    """A French phone number, written ``01 23 45 67 89`` when national, ``+33 1 23 45 67 89``
    when international; empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = PHONE_SEPARATORS.sub("", value)
    if NATIONAL_PHONE.fullmatch(digits):
        return _pairs(digits)
    if INTERNATIONAL_PHONE.fullmatch(digits):
        return _international(digits.removeprefix("+").removeprefix("00"))
    raise DomainError(INVALID_PHONE, field=field)


def clean_email(value: str, field: str = "email") -> str:
    """An e-mail address, lowercase; empty stays empty."""
    value = (value or "").strip().lower()
    if value and (len(value) > MAX_LENGTHS["email"] or not EMAIL.fullmatch(value)):
        raise DomainError(INVALID_EMAIL, field=field)
    return value


def is_overseas_postcode(postcode: str) -> bool:
    return (
        POSTCODE.fullmatch(postcode or "") is not None
        and postcode.startswith(OVERSEAS_PREFIXES)
        and not postcode.startswith("980")
    )


def overseas_zone(postcode: str, default: bool) -> bool:
    """The shipping zone of a delivery address: from its postcode when it has a valid one,
    else ``default`` (the entity's « outre-mer » flag)."""
    if POSTCODE.fullmatch(postcode or ""):
        return is_overseas_postcode(postcode)
    return default


@dataclass(frozen=True)
class Block:
    """One address block of the guide (the entity's name is shown beside it, not typed)."""

    last_name: str = ""
    first_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""

    @property
    def contact(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def copy_to(self, target: object, prefix: str) -> None:
        for f in fields(self):
            setattr(target, prefix + f.name, getattr(self, f.name))

    @classmethod
    def read_from(cls, source: object, prefix: str) -> Block:
        return cls(**{f.name: getattr(source, prefix + f.name) or "" for f in fields(cls)})

    @classmethod
    def names(cls, prefix: str = "") -> list[str]:
        return [prefix + f.name for f in fields(cls)]


REQUIRED_FIELDS = ("address", "postcode", "city")


def clean_block(block: Block, prefix: str, required: tuple[str, ...] = REQUIRED_FIELDS) -> Block:
    """The block checked and normalised; a refusal names the form field (``prefix`` + name):
    the ``required`` fields (by default address, postcode and city) must be given, the rest
    is checked when given."""
    values = {f.name: (getattr(block, f.name) or "").strip() for f in fields(block)}
    for name, value in values.items():
        if name in required and not value:
            raise DomainError(REQUIRED, field=prefix + name)
        if len(value) > MAX_LENGTHS[name]:
            raise DomainError(
                _l("Ce champ ne peut pas dépasser %(max)s caractères.", max=MAX_LENGTHS[name]),
                field=prefix + name,
            )
    if values["postcode"] or "postcode" in required:
        values["postcode"] = clean_postcode(values["postcode"], prefix + "postcode")
    values["phone"] = clean_phone(values["phone"], prefix + "phone")
    values["email"] = clean_email(values["email"], prefix + "email")
    return replace(block, **values)
