"""What caps the quantities an entity may receive, as plain rules with no Flask in them.

Today: each product's orderable quantities (:mod:`shop.quota.quantities`). The monthly
per-entity quotas, the yearly limit of object orders and the annual allocations join here.
"""

from shop.quota.quantities import QuantityRule

__all__ = ["QuantityRule"]
