"""How numbers read on a page: rates as %, zero denominators as 'no data', changes with units."""

from __future__ import annotations

import math

from data_layer.analytics.units import NO_DATA, decision_rule, lift_interval, lift_unit
from data_layer.domain.stats import DealRate

__all__ = ["NO_DATA", "count", "deal_rate_caption", "decision_rule", "lift_interval", "lift_unit", "money", "number",
           "percent"]


def percent(value: float | None, digits: int = 0) -> str:
    """0.4567 -> '46%'; None -> 'no data' (never a misleading 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    return f"{value * 100:.{digits}f}%"


def number(value: float | None, digits: int = 0, unit: str = "") -> str:
    """A plain number with thousands separators, or 'no data'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    return f"{value:,.{digits}f}{unit}"


def money(value: float | None) -> str:
    """An amount in the deals' currency (the demo uses USD)."""
    return NO_DATA if value is None else f"${value:,.0f}"


def deal_rate_caption(rate: DealRate) -> str:
    """The n and interval beside a rate over deals, or the 'too few deals' warning."""
    if rate.n == 0:
        return "no deals closed in this window"
    if rate.too_few:
        return f"too few deals (n = {rate.n})"
    low, high = rate.ci or (0.0, 0.0)
    return f"n = {rate.n:,}; 95% interval {percent(low)}–{percent(high)}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """"1 lesson", "2 lessons", "1,204 people": the number with its noun agreeing."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"
