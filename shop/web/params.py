"""One parser for request input: ids, quantities and amounts, filters, "next" targets.

Numbers are ASCII digits only, bounded to what their database column holds:
``"²".isdigit()`` is true and ``int("²")`` fails, ``int("٣")`` is 3, and an id of 2^63
overflows SQLite. Everything a view reads from the path, the query or the form goes through
here, so no such value ever reaches the database.
"""

from __future__ import annotations

import enum
import re
from typing import TypeVar

from flask import abort, request
from werkzeug.routing import IntegerConverter

from shop.extensions import db

# Integer columns, primary keys included, are 32-bit on PostgreSQL.
MAX_INT = 2**31 - 1
DIGITS = re.compile(r"[0-9]{1,10}")
# A path of this site: "/" then printable ASCII, no space nor control character.
SAFE_PATH = re.compile(r"/[!-~]*")


def parse_int(raw: str | None, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """``raw`` as an integer within [minimum, maximum]; None for anything else."""
    if raw is None:
        return None
    raw = raw.strip()
    if not DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def form_int(name: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """A whole number of the submitted form (a quantity, an amount); None when invalid."""
    return parse_int(request.form.get(name), minimum=minimum, maximum=maximum)


def arg_int(name: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """A whole number of the query string (a filter); None when absent or invalid."""
    return parse_int(request.args.get(name), minimum=minimum, maximum=maximum)


def form_id(name: str) -> int:
    """The id a form names (a hidden field): 404 when it cannot be one."""
    value = form_int(name, minimum=1)
    if value is None:
        abort(404)
    return value


def arg_id(name: str) -> int | None:
    """The id a filter names; None when absent or when it cannot be an id."""
    return arg_int(name, minimum=1)


M = TypeVar("M")


def get_or_404(model: type[M], ident: int | None) -> M:
    """The row ``ident`` of ``model``: 404 when there is none (or no valid id)."""
    if ident is None or not 1 <= ident <= MAX_INT:
        abort(404)
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def local_path(target: str | None, default: str) -> str:
    """A "next" page to go back to, if it is a path of this site; ``default`` otherwise.

    Never an open redirect: browsers read ``//host`` and ``/\\host`` as another site, and
    first drop tabs and line breaks from a URL (``/%09/host`` becomes ``//host``); a line
    break in a ``Location`` header is also a server error. So the target is printable ASCII
    (the paths this site links to are percent-encoded), without spaces, and starts with one
    ``/`` not followed by another or by ``\\``.
    """
    target = target or ""
    if not SAFE_PATH.fullmatch(target) or target.startswith(("//", "/\\")):
        return default
    return target


E = TypeVar("E", bound=enum.Enum)


def enum_value(kind: type[E], raw: str | None) -> E | None:
    """The member of ``kind`` whose value a filter names; None for anything else."""
    return next((member for member in kind if member.value == raw), None)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits, at most what an Integer column holds.

    Werkzeug's own accepts any Unicode decimal digit and any size; here ``/produit/٣`` and
    ``/produit/9223372036854775808`` are unknown pages (404), never a database error.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = None):  # noqa: A002
        super().__init__(
            map, fixed_digits=fixed_digits, min=min, max=MAX_INT if max is None else max
        )
