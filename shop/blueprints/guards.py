"""Access guards shared by the blueprints: anonymous visitors go to the sign-in page, signed-in
accounts the guard does not admit get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def _guard(admits: Callable[[object], bool]):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not admits(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# Head-office admins only.
admin_required = _guard(lambda account: account.is_admin)
# Accounts whose type may order: the sections' people, and head office (printed material).
orderer_required = _guard(lambda account: account.may_order)
# Logisticians and head-office admins: the pages after validation.
staff_required = _guard(lambda account: account.is_admin or account.is_logistician)
