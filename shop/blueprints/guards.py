"""Access guards shared by the blueprints."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    """Head-office admins only: anonymous users go to the login page, others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def orderer_required(view):
    """Accounts whose type may order (directors, regional assistants, prevention referents)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.may_order:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def staff_required(view):
    """Logisticians and head-office admins: the pages after validation."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (current_user.is_admin or current_user.is_logistician):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
