"""The global filter of DOMAIN.md: cohorts, a date window, team/region/role, and today.

`Filter`'s list fields are the filter's field table: each one declares, on its own line, its URL
key, its sidebar widget and where its SQL and its choices come from (`DIMENSIONS` reads them).
The URL (dashboard/filter_bar.py), the widgets (the same) and the SQL parameters
(data_layer/analytics/sql.py) all read that table, so a new dimension is one line here plus
its SQL (a people column needs none: sql.people_match and choices.filter_options follow the line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

_ROW = "filter_dimension"  # the metadata key that marks a Filter field as a row of the field table


def dimension(url_key: str, label: str, person_column: str | None, *, placeholder: str = "All",
              help: str | None = None) -> Any:
    """A list field of `Filter` (empty = no filter) and its row of the field table (see `Dimension`)."""
    return field(default=(), metadata={_ROW: {"url_key": url_key, "label": label, "person_column": person_column,
                                              "placeholder": placeholder, "help": help}})


@dataclass(frozen=True)
class Filter:
    """Cohorts (empty = all), an inclusive date window, team/region/role, and `today`."""

    date_from: dt.date
    date_to: dt.date
    today: dt.date = field(default_factory=dt.date.today)
    # The field table, one row per list filter: the URL key (shared links carry it: never rename one),
    # the widget's label, and the people column the SQL matches and the choices are read from
    # (None: cohorts, with their own SQL, the cohort-tag rule, and their own choices, the cohorts table).
    cohorts: tuple[str, ...] = dimension("cohort", "Cohorts", None, placeholder="All cohorts",
                                         help="Type to search. None selected means all cohorts.")
    teams: tuple[str, ...] = dimension("team", "Team", "team")
    regions: tuple[str, ...] = dimension("region", "Region", "region")
    roles: tuple[str, ...] = dimension("role", "Role", "role")

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise ValueError("The window starts after it ends: 'from' must be on or before 'to'.")

    def params(self) -> dict[str, Any]:
        """Named parameters bound by every metric query: the window, today and one list per dimension."""
        return {"date_from": self.date_from, "date_to": self.date_to, "today": self.today,
                **{d.name: list(getattr(self, d.name)) for d in DIMENSIONS}}

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None, **kw: Any) -> Filter:
        """The `days` days ending today (inclusive)."""
        today = today or dt.date.today()
        return cls(date_from=today - dt.timedelta(days=days - 1), date_to=today, today=today, **kw)


@dataclass(frozen=True)
class Dimension:
    """One row of the field table: a list filter from its widget to its SQL parameter."""

    name: str                  # the Filter field, the SQL list parameter ($teams) and the widget's key (f_teams)
    url_key: str               # the query-string key, repeated per value (?team=A&team=B)
    label: str                 # the widget's label
    person_column: str | None  # people.<column> for sql.people_match and the choices; None: cohorts
    placeholder: str = "All"
    help: str | None = None

    @property
    def widget_key(self) -> str:
        """The session-state key of the widget (kept from before the table, so sessions carry over)."""
        return f"f_{self.name}"


DIMENSIONS: tuple[Dimension, ...] = tuple(
    Dimension(name=f.name, **f.metadata[_ROW]) for f in fields(Filter) if _ROW in f.metadata)
PEOPLE_DIMENSIONS: tuple[Dimension, ...] = tuple(d for d in DIMENSIONS if d.person_column)


DATE_PRESETS: dict[str, str] = {
    "last_30": "Last 30 days",
    "last_90": "Last 90 days",
    "qtd": "Quarter to date",
    "ytd": "Year to date",
    "program": "Program to date",
    "custom": "Custom",
}
DEFAULT_PRESET = "last_90"

# The filter in a URL: each dimension's repeated key, then the window as a preset (so "last 90 days"
# stays relative) with its dates only when custom. Shared links depend on these names and formats.
Query = dict[str, list[str]]
WINDOW_KEYS = ("preset", "from", "to")
URL_KEYS = (*(d.url_key for d in DIMENSIONS), *WINDOW_KEYS)


def window_query(preset: str, custom: tuple[dt.date, dt.date] | None) -> Query:
    """The window's part of a query; the default preset is left out."""
    out: Query = {}
    if preset != DEFAULT_PRESET:
        out["preset"] = [preset]
    if preset == "custom" and custom is not None:
        out["from"], out["to"] = [custom[0].isoformat()], [custom[1].isoformat()]
    return out


def read_query(get_all: Callable[[str], list[str]]) -> Query:
    """The filter in a query string, leniently: an unknown preset, or custom without two good dates, falls
    back to the default window; a value given twice counts once; unknown values are left to the caller."""
    def day(key: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(get_all(key)[0])
        except (IndexError, ValueError):
            return None

    out: Query = {d.url_key: list(dict.fromkeys(get_all(d.url_key))) for d in DIMENSIONS if get_all(d.url_key)}
    preset = next(iter(get_all("preset")), DEFAULT_PRESET)
    low, high = day("from"), day("to")
    custom = (low, high) if low is not None and high is not None else None
    if preset not in DATE_PRESETS or (preset == "custom" and custom is None):
        preset = DEFAULT_PRESET
    return {**out, **window_query(preset, custom)}


def query_window(query: Mapping[str, list[str]]) -> tuple[str, tuple[dt.date, dt.date] | None]:
    """The preset and custom dates of a query made by `read_query` or `window_query`."""
    preset = query.get("preset", [DEFAULT_PRESET])[0]
    if preset == "custom" and "from" in query and "to" in query:  # (a one-day pick in progress has no "to")
        return preset, (dt.date.fromisoformat(query["from"][0]), dt.date.fromisoformat(query["to"][0]))
    return preset, None


def query_filter(query: Mapping[str, list[str]], today: dt.date,
                 program_start: Callable[[tuple[str, ...]], dt.date | None]) -> Filter:
    """The Filter a query describes on `today` (`program_start` of the chosen cohorts, for that preset)."""
    preset, custom = query_window(query)
    picks: dict[str, Any] = {d.name: tuple(query.get(d.url_key, ())) for d in DIMENSIONS}
    start = program_start(picks["cohorts"]) if preset == "program" else None
    low, high = preset_window(preset, today, start, custom)
    return Filter(low, high, today, **picks)


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
