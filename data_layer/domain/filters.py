"""The global filter of DOMAIN.md: cohorts, a date window, team/region/role, and today.

The SQL that turns it into the member set M is data_layer/analytics/sql.py and facts.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Filter:
    """Cohorts (empty = all), an inclusive date window, team/region/role, and `today`."""

    date_from: dt.date
    date_to: dt.date
    today: dt.date = field(default_factory=dt.date.today)
    cohorts: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise ValueError("The window starts after it ends: 'from' must be on or before 'to'.")

    def params(self) -> dict[str, Any]:
        """Named parameters bound by every metric query."""
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "today": self.today,
            "cohorts": list(self.cohorts),
            "teams": list(self.teams),
            "regions": list(self.regions),
            "roles": list(self.roles),
        }

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None, **kw: Any) -> Filter:
        """The `days` days ending today (inclusive)."""
        today = today or dt.date.today()
        return cls(date_from=today - dt.timedelta(days=days - 1), date_to=today, today=today, **kw)


DATE_PRESETS: dict[str, str] = {
    "last_30": "Last 30 days",
    "last_90": "Last 90 days",
    "qtd": "Quarter to date",
    "ytd": "Year to date",
    "program": "Program to date",
    "custom": "Custom",
}
DEFAULT_PRESET = "last_90"


def preset_window(
    preset: str,
    today: dt.date,
    program_start: dt.date | None = None,
    custom: tuple[dt.date, dt.date] | None = None,
) -> tuple[dt.date, dt.date]:
    """The inclusive [from, to] of a date preset; unknown presets fall back to the last 90 days."""
    if preset == "last_30":
        return today - dt.timedelta(days=29), today
    if preset == "qtd":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if preset == "ytd":
        return dt.date(today.year, 1, 1), today
    if preset == "program":
        start = program_start if program_start is not None and program_start <= today else today
        return start, today
    if preset == "custom" and custom is not None:
        low, high = custom
        return (low, high) if low <= high else (high, low)
    return today - dt.timedelta(days=89), today


def previous_window(filt: Filter) -> Filter:
    """The window of equal length just before `filt`'s (for KPI changes and trends)."""
    length = (filt.date_to - filt.date_from).days + 1
    return replace(filt, date_from=filt.date_from - dt.timedelta(days=length),
                   date_to=filt.date_from - dt.timedelta(days=1))
