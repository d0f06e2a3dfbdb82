"""Per-product orderable quantities: a minimum, a maximum and a step.

What a person is offered is bounded by what is available, and never built from the maximum
alone: an admin's « Quantité maximale » of millions would otherwise render millions of
options on every page. Up to :data:`MAX_LISTED_CHOICES` quantities are offered as a
drop-down; beyond, a number field with the same minimum, maximum and step (the server checks
the quantity either way).
"""

from __future__ import annotations

from dataclasses import dataclass

# The most « Quantité maximale » head office may set on a product: one order line of a
# million copies is already far beyond any section's needs (the column holds 2^31 - 1).
MAX_ORDER_QUANTITY = 1_000_000

# Above this many orderable quantities, a number field replaces the drop-down.
MAX_LISTED_CHOICES = 100


@dataclass(frozen=True)
class QuantityOffer:
    """The quantities one may order now: ``minimum`` to ``maximum`` by ``step``.

    ``choices`` lists them for a drop-down, or is None when they are too many to list (the
    page shows a number field). ``maximum`` is 0 when nothing can be ordered.
    """

    minimum: int
    maximum: int
    step: int
    choices: list[int] | None

    @property
    def orderable(self) -> bool:
        return self.maximum >= self.minimum

    def with_current(self, quantity: int) -> list[int]:
        """The drop-down's choices with ``quantity`` (a basket line's) among them."""
        choices = list(self.choices or [])
        if quantity > 0 and quantity not in choices:
            choices.append(quantity)
            choices.sort()
        return choices


@dataclass(frozen=True)
class QuantityRule:
    minimum: int
    maximum: int
    step: int

    def __post_init__(self) -> None:
        if self.minimum < 1 or self.step < 1 or self.maximum < self.minimum:
            raise ValueError(f"inconsistent quantity rule {self}")

    def offer(self, available: int, limit: int = MAX_LISTED_CHOICES) -> QuantityOffer:
        """What may be ordered when ``available`` units are left, without ever listing more
        than ``limit`` quantities."""
        top = self.largest_allowed_up_to(available)
        if top == 0:
            return QuantityOffer(self.minimum, 0, self.step, [])
        count = (top - self.minimum) // self.step + 1
        choices = list(range(self.minimum, top + 1, self.step)) if count <= limit else None
        return QuantityOffer(self.minimum, top, self.step, choices)

    def allows(self, quantity: int) -> bool:
        return (
            self.minimum <= quantity <= self.maximum and (quantity - self.minimum) % self.step == 0
        )

    def largest_allowed_up_to(self, ceiling: int) -> int:
        """The largest allowed quantity not above ``ceiling``, or 0 if there is none."""
        if ceiling < self.minimum:
            return 0
        capped = min(ceiling, self.maximum)
        return capped - (capped - self.minimum) % self.step
