"""The order life cycle: basket, pricing, shipping (save, validate and expiry come next)."""
