"""What caps the quantities an entity may receive, as plain rules with no Flask in them.

- :mod:`shop.quota.quantities`: each product's orderable quantities (min, max, step);
- :mod:`shop.quota.monthly`: the monthly quota per (entity, product) and its three outcomes;
- :mod:`shop.quota.yearly`: the yearly limit of validated orders of objects per entity.

Annual allocations are data (``shop.models.Allocation``) shown to the entities' members.
"""

from shop.quota.monthly import Outcome, QuotaLine, QuotaResult, check, month_bounds, month_key
from shop.quota.quantities import QuantityRule
from shop.quota.yearly import may_validate_another, year_bounds

__all__ = [
    "Outcome",
    "QuantityRule",
    "QuotaLine",
    "QuotaResult",
    "check",
    "may_validate_another",
    "month_bounds",
    "month_key",
    "year_bounds",
]
