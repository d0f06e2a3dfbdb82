"""What the views share about forms: errors beside their field, filters, "next" targets."""

from __future__ import annotations

import enum
from typing import TypeVar

from flask_wtf import FlaskForm

from shop.errors import DomainError


def error_beside_field(form: FlaskForm, error: DomainError) -> bool:
    """Show a domain error beside the field it names; False when it names none of the form's
    (the caller then shows it as a message)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        return False
    field.errors = [*field.errors, str(error)]  # a tuple until the form has been validated
    return True


def local_path(target: str | None, default: str) -> str:
    """A "next" page to go back to, if it is a path of this site; never an open redirect
    (``//host`` and ``/\\host`` lead browsers to another site)."""
    target = target or ""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


E = TypeVar("E", bound=enum.Enum)


def enum_value(kind: type[E], raw: str | None) -> E | None:
    """The member of ``kind`` whose value a filter names; None for anything else."""
    return next((member for member in kind if member.value == raw), None)
