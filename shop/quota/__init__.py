"""Everything about quotas: what caps the quantities an entity may receive.

- :mod:`shop.quota.monthly`: the monthly quota per (entity, product) and its three outcomes
  (plain rules, no Flask, no database);
- :mod:`shop.quota.yearly`: the yearly limit of validated orders of objects per entity
  (plain rules);
- :mod:`shop.quota.store`: what the database counts against a quota, and the locks that
  make two savers for one entity and product run one after the other;

Annual allocations are data (``shop.models.Allocation``) shown to the entities' members.
A product's orderable quantities (min, max, step) are no quota: they are
:mod:`shop.catalog.quantities`.
"""

from shop.quota.monthly import Outcome, QuotaLine, QuotaResult, check, month_bounds, month_key
from shop.quota.yearly import may_validate_another, year_bounds

__all__ = [
    "Outcome",
    "QuotaLine",
    "QuotaResult",
    "check",
    "may_validate_another",
    "month_bounds",
    "month_key",
    "year_bounds",
]
