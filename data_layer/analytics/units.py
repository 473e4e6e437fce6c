"""How a number reads, decided once per unit: tiles, tables, CSV, the Markdown digest and the report.

A metric's declaration (catalog.py) names its unit; every surface formats through these.
Rates are fractions 0..1 shown as %; a missing value (a rate with a zero denominator, a mean
over nobody) reads "no data", never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from data_layer.domain.stats import Rate

NO_DATA = "no data"


def plain_value(result: Any) -> float | None:
    """The number behind a result: a Rate's value, an int, a float, or None."""
    if isinstance(result, Rate):
        return result.value
    if result is None or (isinstance(result, float) and math.isnan(result)):
        return None
    if isinstance(result, (int, float)):
        return float(result)
    return None


@dataclass(frozen=True)
class Unit:
    """What a value means and how it reads: `fraction` values are shown ×100 with `%`."""

    name: str
    digits: int = 0
    suffix: str = ""
    prefix: str = ""
    fraction: bool = False
    change_suffix: str = ""    # the unit of a difference of two values ("pp" for rates)
    change_digits: int = 1
    signed: bool = False       # a difference itself ("+16.7 pp"): always shows its sign

    def text(self, result: Any) -> str:
        """The value as it reads on a tile, in a table or in the digest."""
        value = plain_value(result)
        if value is None:
            return NO_DATA
        sign = "+" if self.signed and value > 0 else ""
        if self.fraction:
            return f"{sign}{value * 100:.{self.digits}f}{self.suffix or '%'}"
        return f"{sign}{self.prefix}{value:,.{self.digits}f}{self.suffix}"

    def difference(self, diff: float | None) -> str:
        """A signed difference of two values of this unit ("+4.2 pp", "-3 days")."""
        if diff is None or math.isnan(diff):
            return NO_DATA
        if abs(diff) < 1e-12:
            diff = 0.0  # never "-0.0"
        shown = diff * 100 if self.fraction else diff
        return f"{'-' if shown < 0 else '+'}{self.prefix}{abs(shown):,.{self.change_digits}f}{self.change_suffix}"

    def change(self, current: Any, previous: Any) -> str | None:
        """The change against a previous value; None when either is missing."""
        now, before = plain_value(current), plain_value(previous)
        return None if now is None or before is None else self.difference(now - before)

    def column_format(self) -> str:
        """The grid's printf-style format for a column of this unit, applied to `table_value`s."""
        if self.fraction:
            return f"%.{self.digits}f%%"
        return f"{self.prefix}%.{self.digits}f{self.suffix}"

    def from_shown(self, shown: float) -> float:
        """What a person typed in this unit's shown form, as the value is stored (2 pp -> 0.02)."""
        return shown / 100 if self.fraction else shown

    def table_value(self, value: Any) -> float | None:
        """A value as a table column holds it for `column_format` (rates as percentages)."""
        number = plain_value(value)
        return None if number is None else (number * 100 if self.fraction else number)



COUNT = Unit("count", change_digits=0)
RATE = Unit("rate", fraction=True, change_suffix=" pp")
DEAL_RATE = Unit("deal rate", fraction=True, change_suffix=" pp")
PERCENT_POINTS = Unit("percentage points (a difference of rates)", digits=1, suffix=" pp", fraction=True,
                      change_suffix=" pp", signed=True)
SCORE = Unit("score (0-100)", digits=1, suffix=" / 100", change_suffix=" points")
POINTS = Unit("points (0-100 scale)", digits=1, suffix=" pts", change_suffix=" pts")
HOURS = Unit("hours", digits=1, suffix=" h", change_suffix=" h")
DAYS = Unit("days", suffix=" days", change_suffix=" days", change_digits=0)
MONEY = Unit("amount (deal currency)", prefix="$", change_digits=0)
TABLE = Unit("table")
# A test's lift over its control: a difference of rates in percentage points, or a difference of
# means in the metric's own unit (whatever the test measured: days, a score, an amount).
MEAN_DIFFERENCE = Unit("difference of means (the metric's own unit)", digits=2, change_digits=2, signed=True)


def lift_unit(measure: str) -> Unit:
    """The unit of a test's lift: pp for a test of conversions, the metric's own unit for a test of means."""
    return PERCENT_POINTS if measure == "conversion" else MEAN_DIFFERENCE


def lift_interval(measure: str, low: float, high: float) -> str:
    """"95 % interval +1.6 pp to +5.4 pp"."""
    unit = lift_unit(measure)
    return f"95 % interval {unit.text(low)} to {unit.text(high)}"


def decision_rule(measure: str, worked_above: float, flopped_below: float, metric: str = "") -> str:
    """A test's decision rule in words, in the unit its lines are in."""
    unit = lift_unit(measure)
    own = "" if measure == "conversion" else f" (in the unit of {metric or 'the metric'})"
    return (f"worked when the whole 95 % interval of the lift is above {unit.text(worked_above)}, flopped when it "
            f"is wholly below {unit.text(flopped_below)}{own}; otherwise inconclusive")

