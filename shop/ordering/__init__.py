"""The order life cycle: basket, save (reserve), modify, validate, reminder and expiry,
with the pricing, shipping, reservation and quota rules they apply."""
