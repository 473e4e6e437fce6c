"""How numbers read on a page: rates as %, zero denominators as 'no data'."""

from __future__ import annotations

from data_layer.stats import DealRate, Rate

NO_DATA = "no data"


def percent(value: float | None, digits: int = 0) -> str:
    """0.4567 -> '46%'; None -> 'no data' (never a misleading 0)."""
    if value is None:
        return NO_DATA
    return f"{value * 100:.{digits}f}%"


def rate_text(rate: Rate) -> str:
    """A rate as a percentage, or 'no data' when its denominator is zero."""
    return percent(rate.value)


def deal_rate_caption(rate: DealRate) -> str:
    """The n and interval beside a rate over deals, or the 'too few deals' warning."""
    if rate.n == 0:
        return "no deals closed in this window"
    if rate.too_few:
        return f"too few deals (n = {rate.n})"
    low, high = rate.ci or (0.0, 0.0)
    return f"n = {rate.n:,}; 95% interval {percent(low)}–{percent(high)}"
