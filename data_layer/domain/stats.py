"""Small statistics helpers: rates with their denominators and Wilson intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a binomial proportion; None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Rate:
    """numerator / denominator, None when the denominator is zero (shown as 'no data')."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator


# Deals "before and after joining" are those closed this many days before a member joined, and from it.
AROUND_JOINING_DAYS = 180
# A rate over fewer closed deals than this reads "too few deals (n = k)" beside it, on every surface.
TOO_FEW_DEALS = 10


@dataclass(frozen=True)
class DealRate(Rate):
    """A rate over deals: also carries n and its 95 % Wilson interval."""

    @property
    def n(self) -> int:
        return self.denominator

    @property
    def ci(self) -> tuple[float, float] | None:
        return wilson_interval(self.numerator, self.denominator)

    @property
    def too_few(self) -> bool:
        """Fewer than TOO_FEW_DEALS deals: pages say 'too few deals (n = k)' beside the number."""
        return self.denominator < TOO_FEW_DEALS
