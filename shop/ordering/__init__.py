"""The order's life: the basket, saving (reserve), modifying, validating, the reminder and
the expiry, then logistics; with the pricing, shipping, reservation and numbering rules they
apply. Quotas are :mod:`shop.quota`'s."""
