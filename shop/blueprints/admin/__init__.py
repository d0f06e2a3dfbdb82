"""Head-office administration (Administrateur siège only).

The ``admin`` blueprint (``/admin``), one module per area:

- :mod:`.accounts`: the accounts list, creating and editing an account, its invitation;
- :mod:`.categories`: the categories of both shops: create, rename, order, deactivate;
- :mod:`.entities`: the entities list, creating and editing an entity;
- :mod:`.access`: "Gestion des accès", who still has to activate, inviting them;
- :mod:`.outbox`: the e-mails of the outbox, sending a failed one again;
- :mod:`.audit_log`: the audit log of every admin change;
- :mod:`.pending_orders`: saved orders waiting for their validation.

Other head-office pages have their own blueprints in this package: :mod:`.catalog`
(products and stock), :mod:`.quotas` (quotas and allocations), :mod:`.roster` (the staff
roster import) and :mod:`.api_clients` (the warehouse API clients). Their forms are in
:mod:`.forms`.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The views register themselves on ``bp``.
from shop.blueprints.admin import (  # noqa: E402
    access,
    accounts,
    audit_log,
    categories,
    entities,
    outbox,
    pending_orders,
)

__all__ = [
    "access",
    "accounts",
    "audit_log",
    "bp",
    "categories",
    "entities",
    "outbox",
    "pending_orders",
]
