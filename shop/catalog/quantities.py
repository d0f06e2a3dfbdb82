"""Per-product orderable quantities: a minimum, a maximum and a step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuantityRule:
    minimum: int
    maximum: int
    step: int

    def __post_init__(self) -> None:
        if self.minimum < 1 or self.step < 1 or self.maximum < self.minimum:
            raise ValueError(f"inconsistent quantity rule {self}")

    def choices(self) -> list[int]:
        """The quantities offered in the drop-down, smallest first."""
        return list(range(self.minimum, self.maximum + 1, self.step))

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
