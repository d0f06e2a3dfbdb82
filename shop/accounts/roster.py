"""The staff roster from the HR system: a CSV file applied to the accounts.

Each line of the file names one person (identifier optional, names, birth date, e-mail,
account type, home entity, attached entities, mandate dates). The import works out, for
every line, what it would do, « Créé », « Complété », « Modifié », « Inchangé » or an error,
and, for a full roster, which accounts of the file's entities are absent and would be
« Désactivé ». :func:`import_roster` computes that plan from a handful of queries (every
account and entity loaded once) and, unless it is a dry run, applies it: new accounts and
their invitation e-mails in bulk, changes and deactivations with an audit entry each. The
caller commits (or rolls back) once: the import is one transaction.

Matching a line to an existing account, first rule that applies:

1. the identifier given in the file;
2. without one, the generated identifier ``prenom.nom.JJMMAA`` (or one of its suffixed
   forms ``.2``, ``.3``...) whose account has the line's e-mail;
3. the e-mail alone, when exactly one account not matched by another line has it;
4. the generated identifier itself, when its account belongs to the line's entity (the
   person's e-mail changed).

Otherwise the line creates an account; a generated identifier already used by another
person gets the first free numeric suffix. Empty optional values in the file (phone,
attached entities, mandate dates) never clear what the account already has. Entity codes,
identifiers and e-mails are compared without case, as the database keeps them unique.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from shop.accounts import audit, normalise_identifier, queue_invitations
from shop.clock import utcnow
from shop.documents.csvfiles import CsvFileError, decode, sniff_delimiter
from shop.extensions import db
from shop.french import elide
from shop.models import (
    ACCOUNT_TYPE_LABELS,
    Account,
    AccountType,
    AuditEntry,
    Entity,
    account_entities,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000
IDENTIFIER_MAX = 64
IDENTIFIER_RE = re.compile(r"^[a-z0-9._-]+$")


class RosterFileError(CsvFileError):
    """The file as a whole cannot be read, or cannot be applied: nothing is imported."""

    def __init__(self, message, field: str | None = "file"):
        super().__init__(message, field=field)


class Outcome(enum.Enum):
    CREATED = "created"
    COMPLETED = "completed"
    MODIFIED = "modified"
    DEACTIVATED = "deactivated"
    UNCHANGED = "unchanged"
    ERROR = "error"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.CREATED: _l("Créé"),
    Outcome.COMPLETED: _l("Complété"),
    Outcome.MODIFIED: _l("Modifié"),
    Outcome.DEACTIVATED: _l("Désactivé"),
    Outcome.UNCHANGED: _l("Inchangé"),
    Outcome.ERROR: _l("Erreur"),
}


@dataclass
class ReportLine:
    line: int | None  # the file's line number; None for a deactivation
    identifier: str
    name: str
    outcome: Outcome
    detail: str = ""


@dataclass
class RosterReport:
    dry_run: bool
    full: bool
    lines: list[ReportLine] = field(default_factory=list)
    invitations: int = 0

    @property
    def counts(self) -> dict[Outcome, int]:
        counted = Counter(line.outcome for line in self.lines)
        return {outcome: counted.get(outcome, 0) for outcome in Outcome}

    @property
    def has_errors(self) -> bool:
        return any(line.outcome is Outcome.ERROR for line in self.lines)


# --- reading the file ---------------------------------------------------------------------


def fold(text: str) -> str:
    """Lowercase, without accents, words joined by single underscores: to compare names."""
    text = unicodedata.normalize("NFKD", text.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


COLUMN_ALIASES = {
    "identifier": ("identifiant", "login"),
    "last_name": ("nom", "nom_de_famille"),
    "first_name": ("prenom",),
    "birth_date": ("date_naissance", "date_de_naissance", "naissance"),
    "email": ("email", "e_mail", "mail", "courriel", "adresse_email"),
    "account_type": ("type", "type_de_compte", "role"),
    "entity": ("entite", "code_entite"),
    "attached": ("entites_rattachees", "rattachements"),
    "phone": ("telephone", "tel"),
    "valid_from": ("debut_mandat", "debut_du_mandat", "date_debut_mandat"),
    "valid_until": ("fin_mandat", "fin_du_mandat", "date_fin_mandat"),
}
REQUIRED_COLUMNS = ("last_name", "first_name", "birth_date", "email", "account_type", "entity")
COLUMN_NAMES = {
    "last_name": "nom",
    "first_name": "prenom",
    "birth_date": "date_naissance",
    "email": "email",
    "account_type": "type",
    "entity": "entite",
}
_COLUMN_BY_HEADER = {alias: key for key, aliases in COLUMN_ALIASES.items() for alias in aliases}

# French labels (and a few variants) of the account types, folded; the enum values too.
_TYPE_NAMES = {
    **{fold(kind.value): kind for kind in AccountType},
    "directeur_de_section": AccountType.SECTION_DIRECTOR,
    "directrice_de_section": AccountType.SECTION_DIRECTOR,
    "assistante_regionale": AccountType.REGIONAL_ASSISTANT,
    "assistant_regional": AccountType.REGIONAL_ASSISTANT,
    "referent_regional_prevention": AccountType.PREVENTION_REFERENT,
    "referente_regionale_prevention": AccountType.PREVENTION_REFERENT,
    "administrateur_siege": AccountType.HEAD_OFFICE_ADMIN,
    "administratrice_siege": AccountType.HEAD_OFFICE_ADMIN,
    "logisticien": AccountType.LOGISTICIAN,
    "logisticienne": AccountType.LOGISTICIAN,
}

_DATE_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(raw: str) -> date:
    """JJ/MM/AAAA (also JJ.MM.AAAA, JJ-MM-AAAA, or AAAA-MM-JJ); ValueError otherwise."""
    raw = raw.strip()
    if match := _DATE_FR.match(raw):
        day, month, year = (int(g) for g in match.groups())
    elif match := _DATE_ISO.match(raw):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(raw)
    return date(year, month, day)


@dataclass
class Row:
    """One line of the file, parsed; ``errors`` empty when it can be applied."""

    line: int
    raw: dict[str, str]
    errors: list[str] = field(default_factory=list)
    identifier: str | None = None  # as given in the file
    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None
    email: str = ""
    account_type: AccountType | None = None
    entity: Entity | None = None
    attached: list[int] | None = None  # None: column absent or empty
    phone: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    base: str | None = None  # the generated identifier, without suffix

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def code_key(code: str) -> str:
    """An entity code as the file and the database are compared: without case (the database
    refuses two codes that differ only by case), without surrounding spaces."""
    return code.strip().lower()


def read_rows(data: bytes, entities_by_code: dict[str, Entity]) -> list[Row]:
    """Decode, split and check every line; raises RosterFileError for the file as a whole."""
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            _l(
                "Fichier trop volumineux : %(max)s Mo au plus.",
                max=MAX_BYTES // (1024 * 1024),
            )
        )
    try:
        text = decode(data)
    except CsvFileError as error:
        raise RosterFileError(error.message) from error
    if not text.strip():
        raise RosterFileError(_l("Le fichier est vide."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise RosterFileError(_l("Le fichier n'a pas pu être lu comme un CSV.")) from error
    columns = [_COLUMN_BY_HEADER.get(fold(name)) for name in header]
    missing = [COLUMN_NAMES[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise RosterFileError(
            _l(
                "Colonne(s) obligatoire(s) absente(s) de la première ligne : %(columns)s.",
                columns=", ".join(missing),
            )
        )
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_LINES:
                raise RosterFileError(
                    _l("Trop de lignes : %(max)s au plus par fichier.", max=MAX_LINES)
                )
            raw = {}
            for key, cell in zip(columns, cells, strict=False):
                if key is not None and key not in raw:
                    raw[key] = cell.strip()
            row = Row(line=reader.line_num, raw=raw)
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                row.errors.append(_("plus de valeurs que de colonnes"))
            _parse_row(row, entities_by_code)
            rows.append(row)
    except csv.Error as error:
        raise RosterFileError(
            _l("Le fichier n'a pas pu être lu comme un CSV (ligne %(line)s).", line=reader.line_num)
        ) from error
    return rows


def _parse_row(row: Row, entities_by_code: dict[str, Entity]) -> None:
    raw, errors = row.raw, row.errors
    for key in REQUIRED_COLUMNS:
        if not raw.get(key):
            errors.append(_("valeur manquante : %(column)s", column=COLUMN_NAMES[key]))
    row.first_name = raw.get("first_name", "")
    row.last_name = raw.get("last_name", "")
    for value, label in ((row.first_name, _l("prénom")), (row.last_name, _l("nom"))):
        if len(value) > 80:
            errors.append(_("%(column)s trop long (80 caractères au plus)", column=label))

    if raw.get("identifier"):
        identifier = normalise_identifier(raw["identifier"])
        if len(identifier) > IDENTIFIER_MAX or not IDENTIFIER_RE.match(identifier):
            errors.append(
                _(
                    "identifiant non valide (lettres, chiffres, point, tiret et souligné, "
                    "64 caractères au plus)"
                )
            )
        row.identifier = identifier

    if raw.get("birth_date"):
        try:
            row.birth_date = parse_date(raw["birth_date"])
        except ValueError:
            errors.append(
                _("date de naissance non valide : « %(value)s » (JJ/MM/AAAA attendu)",
                  value=raw["birth_date"])
            )  # fmt: skip

    if raw.get("email"):
        try:
            row.email = validate_email(raw["email"], check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.append(_("adresse email non valide : « %(value)s »", value=raw["email"]))
        else:
            if len(row.email) > 254:
                errors.append(_("adresse email trop longue"))

    if raw.get("account_type"):
        row.account_type = _TYPE_NAMES.get(fold(raw["account_type"]))
        if row.account_type is None:
            errors.append(_("type de compte inconnu : « %(value)s »", value=raw["account_type"]))

    if raw.get("entity"):
        row.entity = entities_by_code.get(code_key(raw["entity"]))
        if row.entity is None:
            errors.append(_("entité inconnue : « %(value)s »", value=raw["entity"]))

    codes = [c for c in re.split(r"[|\s]+", raw.get("attached", "")) if c]
    if codes:
        unknown = [c for c in codes if code_key(c) not in entities_by_code]
        if unknown:
            errors.append(
                _("entité(s) rattachée(s) inconnue(s) : %(codes)s", codes=", ".join(unknown))
            )
        else:
            row.attached = sorted({entities_by_code[code_key(c)].id for c in codes})

    if raw.get("phone"):
        row.phone = raw["phone"]
        if len(row.phone) > 32:
            errors.append(_("téléphone trop long (32 caractères au plus)"))

    for key, label in (("valid_from", _l("début de mandat")), ("valid_until", _l("fin de mandat"))):
        if raw.get(key):
            try:
                setattr(row, key, parse_date(raw[key]))
            except ValueError:
                errors.append(
                    _("%(column)s non valide : « %(value)s » (JJ/MM/AAAA attendu)",
                      column=label, value=raw[key])
                )  # fmt: skip
    if row.valid_from and row.valid_until and row.valid_until < row.valid_from:
        errors.append(_("la fin du mandat précède son début"))

    if row.first_name and row.last_name and row.birth_date:
        row.base = generate_identifier(row.first_name, row.last_name, row.birth_date)


# --- identifiers --------------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().lower().translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9-]", "", text)  # spaces, apostrophes, dots... go
    return re.sub(r"-{2,}", "-", text).strip("-")


def generate_identifier(first_name: str, last_name: str, birth_date: date) -> str:
    """``prenom.nom.JJMMAA``: lowercase, no accents, spaces or apostrophes; hyphens kept."""
    return f"{_slug(first_name)}.{_slug(last_name)}.{birth_date:%d%m%y}"


_SUFFIXED = re.compile(r"^(.*\.\d{6})\.(\d{1,4})$")


def _base_of(identifier: str) -> str:
    """``x.y.030285.2`` -> ``x.y.030285``; other identifiers unchanged."""
    match = _SUFFIXED.match(identifier)
    return match.group(1) if match else identifier


# --- the plan -----------------------------------------------------------------------------


@dataclass
class _State:
    """Everything the import reads, loaded once."""

    entities_by_code: dict[str, Entity]
    entities_by_id: dict[int, Entity]
    accounts: list[Account]
    by_identifier: dict[str, Account]
    by_email: dict[str, list[Account]]
    by_base: dict[str, list[Account]]
    attached: dict[int, list[int]]


def _load(lock: bool) -> _State:
    entities = db.session.scalars(select(Entity)).all()
    query = select(Account).options(lazyload(Account.entity)).order_by(Account.id)
    if lock and db.session.get_bind().dialect.name == "postgresql":
        # Admin edits wait for the import rather than being overwritten by it.
        query = query.with_for_update(key_share=True)
    accounts = db.session.scalars(query).all()
    attached: dict[int, list[int]] = defaultdict(list)
    for account_id, entity_id in db.session.execute(
        select(account_entities.c.account_id, account_entities.c.entity_id).order_by(
            account_entities.c.account_id, account_entities.c.entity_id
        )
    ):
        attached[account_id].append(entity_id)
    by_email: dict[str, list[Account]] = defaultdict(list)
    by_base: dict[str, list[Account]] = defaultdict(list)
    for account in accounts:
        by_email[account.email.lower()].append(account)
        by_base[_base_of(account.identifier.lower())].append(account)
    return _State(
        entities_by_code={code_key(e.code): e for e in entities},
        entities_by_id={e.id: e for e in entities},
        accounts=list(accounts),
        by_identifier={a.identifier.lower(): a for a in accounts},
        by_email=by_email,
        by_base=by_base,
        attached=attached,
    )


@dataclass
class _Planned:
    row: Row
    outcome: Outcome
    account: Account | None = None  # the existing account
    identifier: str = ""
    changes: dict[str, object] = field(default_factory=dict)  # field -> new value
    detail: str = ""


def _match(rows: list[Row], state: _State) -> dict[int, Account]:
    """The existing account of each valid line (by line number), following the rules above."""
    matched: dict[int, Account] = {}
    claimed: dict[int, Row] = {}  # account id -> the line that has it

    def claim(row: Row, account: Account) -> None:
        matched[row.line] = account
        claimed[account.id] = row

    def duplicate_of(row: Row, account: Account) -> bool:
        other = claimed.get(account.id)
        if other is not None and other is not row:
            row.errors.append(
                _("même personne que la ligne %(line)s (compte %(identifier)s)",
                  line=other.line, identifier=account.identifier)
            )  # fmt: skip
            return True
        return False

    # 1. The identifier given in the file.
    for row in rows:
        if row.identifier and (account := state.by_identifier.get(row.identifier)):
            claim(row, account)
    generated = [row for row in rows if not row.identifier]
    # 2. The generated identifier (or a suffixed form) whose account has the line's e-mail.
    for row in generated:
        for account in state.by_base.get(row.base, ()):
            if account.email.lower() == row.email:
                if not duplicate_of(row, account):
                    claim(row, account)
                break
    # 3. The e-mail alone, when one account not matched by another line has it.
    for row in rows:
        if row.line in matched or row.errors:
            continue
        free = [a for a in state.by_email.get(row.email, ()) if a.id not in claimed]
        if len(free) == 1:
            claim(row, free[0])
    # 4. The generated identifier, in the line's entity (the person's e-mail changed).
    for row in generated:
        if row.line in matched or row.errors:
            continue
        account = state.by_identifier.get(row.base)
        if account is not None and account.id not in claimed and account.entity_id == row.entity.id:
            claim(row, account)
    return matched


def _fmt(value, state: _State, name: str = "") -> str:
    if name == "entity_id" and value in state.entities_by_id:
        return state.entities_by_id[value].code
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, AccountType):
        return str(ACCOUNT_TYPE_LABELS[value])
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, list):
        return " ".join(state.entities_by_id[i].code for i in value)
    return str(value)


def _field_labels() -> dict[str, str]:
    return {
        "identifier": _("identifiant"),
        "first_name": _("prénom"),
        "last_name": _("nom"),
        "email": _("email"),
        "account_type": _("type"),
        "entity_id": _("entité"),
        "phone": _("téléphone"),
        "attached": _("entités rattachées"),
        "valid_from": _("début de mandat"),
        "valid_until": _("fin de mandat"),
        "active": _("compte réactivé"),
    }


def _compare(row: Row, account: Account, state: _State) -> _Planned:
    wanted: dict[str, object] = {
        "identifier": row.identifier or account.identifier,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "account_type": row.account_type,
        "entity_id": row.entity.id,
        "active": True,
    }
    if row.phone is not None:
        wanted["phone"] = row.phone
    if row.attached is not None:
        wanted["attached"] = row.attached
    if row.valid_from is not None:
        wanted["valid_from"] = row.valid_from
    if row.valid_until is not None:
        wanted["valid_until"] = row.valid_until
    current = {
        name: (state.attached.get(account.id, []) if name == "attached" else getattr(account, name))
        for name in wanted
    }
    valid_from = wanted.get("valid_from", account.valid_from)
    valid_until = wanted.get("valid_until", account.valid_until)
    if valid_from and valid_until and valid_until < valid_from:
        row.errors.append(_("la fin du mandat précéderait son début"))
        return _Planned(row, Outcome.ERROR)
    changes = {name: value for name, value in wanted.items() if current[name] != value}
    labels = _field_labels() if changes else {}
    completed = [n for n in changes if current[n] in (None, "", [])]
    modified = [n for n in changes if n not in completed]
    parts = []
    if modified:
        parts.append(
            "; ".join(
                labels[n]
                if n == "active"
                else f"{labels[n]} : {_fmt(current[n], state, n)} → {_fmt(changes[n], state, n)}"
                for n in modified
            )
        )
    if completed:
        parts.append("; ".join(f"{labels[n]} : {_fmt(changes[n], state, n)}" for n in completed))
    if modified:
        outcome = Outcome.MODIFIED
        if completed:
            parts[1] = _("complété") + " : " + parts[1]
    elif completed:
        outcome = Outcome.COMPLETED
    else:
        outcome = Outcome.UNCHANGED
    return _Planned(
        row,
        outcome,
        account=account,
        identifier=wanted["identifier"],
        changes=changes,
        detail=" — ".join(parts),
    )


def _plan(
    rows: list[Row], state: _State, full: bool, actor: Account | None
) -> tuple[list[_Planned], list[Account]]:
    # Identifiers given twice in the file.
    first_seen: dict[str, Row] = {}
    for row in rows:
        if row.identifier:
            if row.identifier in first_seen:
                row.errors.append(
                    _("identifiant en double dans le fichier (déjà ligne %(line)s)",
                      line=first_seen[row.identifier].line)
                )  # fmt: skip
            else:
                first_seen[row.identifier] = row
    valid = [row for row in rows if not row.errors]
    matched = _match(valid, state)

    planned: dict[int, _Planned] = {}
    taken = set(state.by_identifier) | {r.identifier for r in rows if r.identifier}
    new_people: dict[tuple[str, str], Row] = {}
    for row in rows:
        if row.errors:
            continue
        account = matched.get(row.line)
        if account is not None:
            planned[row.line] = _compare(row, account, state)
            continue
        if row.identifier:
            identifier = row.identifier
        else:
            person = (row.base, row.email)
            if person in new_people:
                row.errors.append(
                    _("même personne que la ligne %(line)s", line=new_people[person].line)
                )
                continue
            new_people[person] = row
            identifier, n = row.base, 1
            while identifier in taken:
                n += 1
                identifier = f"{row.base}.{n}"
            taken.add(identifier)
            if len(identifier) > IDENTIFIER_MAX:
                row.errors.append(
                    _(
                        "identifiant généré trop long (64 caractères au plus) : "
                        "indiquez-le dans la colonne identifiant"
                    )
                )
                continue
        planned[row.line] = _Planned(row, Outcome.CREATED, identifier=identifier)

    for row in rows:
        if row.errors:
            planned[row.line] = _Planned(row, Outcome.ERROR, detail="; ".join(row.errors))

    deactivated: list[Account] = []
    if full:
        deactivated = _absent(rows, planned, state, actor)
    return [planned[row.line] for row in rows], deactivated


def _absent(
    rows: list[Row], planned: dict[int, _Planned], state: _State, actor: Account | None
) -> list[Account]:
    """Active accounts of the file's entities that no line names (full roster)."""
    entity_ids = {row.entity.id for row in rows if row.entity is not None}
    present = {p.account.id for p in planned.values() if p.account is not None}
    # A line in error still protects the account it may be about.
    for row in rows:
        if not row.errors:
            continue
        if row.identifier and (account := state.by_identifier.get(row.identifier)):
            present.add(account.id)
        if row.email:
            present.update(a.id for a in state.by_email.get(row.email, ()))
        if row.base:
            present.update(a.id for a in state.by_base.get(row.base, ()))
    return [
        account
        for account in state.accounts
        if account.active
        and account.entity_id in entity_ids
        and account.id not in present
        and (actor is None or account.id != actor.id)
    ]


# --- applying it ----------------------------------------------------------------------------


def _snapshot(account: Account, attached: list[int]) -> dict:
    return audit.account_snapshot(account, attached)


def _apply(
    plan: list[_Planned], deactivated: list[Account], state: _State, actor: Account | None
) -> int:
    """Write the plan in the current transaction; return the number of invitations queued.

    New accounts go in with multi-row INSERT ... RETURNING (matched back by identifier, so
    the order of the returned rows does not matter: plain ORM inserts would send one
    statement a row on SQLite); their attached entities, the audit entries and the e-mails
    with one ``executemany`` each. Changed accounts are flushed by the ORM, which groups
    identical UPDATEs into an ``executemany`` too.
    """
    now = utcnow()
    new_rows = [item.row for item in plan if item.outcome is Outcome.CREATED]
    new_identifiers = [item.identifier for item in plan if item.outcome is Outcome.CREATED]

    changed: list[tuple[Account, dict, list[int]]] = []
    replaced_links: dict[int, list[int]] = {}
    for item in plan:
        if item.outcome not in (Outcome.COMPLETED, Outcome.MODIFIED):
            continue
        account = item.account
        links = state.attached.get(account.id, [])
        before = _snapshot(account, links)
        for name, value in item.changes.items():
            if name == "attached":
                replaced_links[account.id] = value
                links = value
            else:
                setattr(account, name, value)
        changed.append((account, before, links))
    for account in deactivated:
        links = state.attached.get(account.id, [])
        changed.append((account, _snapshot(account, links), links))
        account.active = False
    db.session.flush()

    created: list[tuple[Account, list[int]]] = []
    if new_rows:
        inserted = db.session.scalars(
            insert(Account).returning(Account),
            [
                {
                    "identifier": identifier,
                    "account_type": row.account_type,
                    "first_name": row.first_name,
                    "last_name": row.last_name,
                    "email": row.email,
                    "phone": row.phone or "",
                    "entity_id": row.entity.id,
                    "active": True,
                    "locale": "fr",
                    "valid_from": row.valid_from,
                    "valid_until": row.valid_until,
                    "invited_at": now,
                    "failed_logins": 0,
                    "created_at": now,
                }
                for identifier, row in zip(new_identifiers, new_rows, strict=True)
            ],
        )
        loaded = {account.identifier: account for account in inserted}
        created = [
            (loaded[identifier], row.attached or [])
            for identifier, row in zip(new_identifiers, new_rows, strict=True)
        ]

    if replaced_links:
        ids = list(replaced_links)
        for start in range(0, len(ids), 1000):
            db.session.execute(
                delete(account_entities).where(
                    account_entities.c.account_id.in_(ids[start : start + 1000])
                )
            )
    links_rows = [
        {"account_id": account_id, "entity_id": entity_id}
        for account_id, entity_ids in [
            *replaced_links.items(),
            *((account.id, links) for account, links in created),
        ]
        for entity_id in entity_ids
    ]
    if links_rows:
        db.session.execute(insert(account_entities), links_rows)

    deactivated_ids = {account.id for account in deactivated}
    entries = [
        audit.record(actor, "roster.create", account, after=_snapshot(account, links))
        for account, links in created
    ]
    for account, before, links in changed:
        action = "roster.deactivate" if account.id in deactivated_ids else "roster.update"
        entries.append(audit.record(actor, action, account, before, _snapshot(account, links)))
    _insert_audit_entries([entry for entry in entries if entry is not None], now)

    queue_invitations([account for account, _ in created])
    db.session.flush()
    return len(created)


def _insert_audit_entries(entries: list[AuditEntry], now) -> None:
    """The entries :func:`shop.audit.record` added to the session, inserted in one go."""
    columns = ("actor_id", "action", "target_type", "target_id", "target_label", "changes")
    rows = []
    for entry in entries:
        db.session.expunge(entry)
        rows.append({"at": now} | {name: getattr(entry, name) for name in columns})
    if rows:
        db.session.execute(insert(AuditEntry), rows)


# --- the entry point ------------------------------------------------------------------------


def import_roster(
    data: bytes, *, full: bool = False, dry_run: bool = True, actor: Account | None = None
) -> RosterReport:
    """Read the roster and report each line's outcome; unless ``dry_run``, apply it.

    Lines in error change nothing; the others apply. ``full``: the file is the whole staff
    of each entity it names, so those entities' active accounts it does not name are
    deactivated (never deleted, never ``actor``). Raises :class:`RosterFileError` when the
    file cannot be read at all, or when an account created meanwhile clashes with the plan.
    The caller commits (a dry run changes nothing).
    """
    state = _load(lock=not dry_run)
    rows = read_rows(data, state.entities_by_code)
    plan, deactivated = _plan(rows, state, full, actor)
    report = RosterReport(dry_run=dry_run, full=full)
    for item in plan:
        report.lines.append(
            ReportLine(
                line=item.row.line,
                identifier=item.identifier or item.row.identifier or item.row.base or "",
                name=item.row.name,
                outcome=item.outcome,
                detail=item.detail,
            )
        )
    for account in deactivated:
        report.lines.append(
            ReportLine(
                line=None,
                identifier=account.identifier,
                name=account.full_name,
                outcome=Outcome.DEACTIVATED,
                detail=elide(
                    _(
                        "absent de l'effectif de %(entity)s",
                        entity=state.entities_by_id[account.entity_id].code,
                    )
                ),
            )
        )
    if not dry_run:
        try:
            with db.session.begin_nested():
                report.invitations = _apply(plan, deactivated, state, actor)
        except IntegrityError as error:  # an admin created or renamed an account meanwhile
            raise RosterFileError(
                _l(
                    "Des comptes ont été créés ou modifiés pendant l'import : rien n'a été "
                    "enregistré. Relancez l'import."
                )
            ) from error
    return report
