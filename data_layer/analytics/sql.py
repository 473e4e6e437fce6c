"""The SQL vocabulary every number is written in: windows, the member set, the cohort-tag rule, scope.

Every statement binds the same named parameters (`parameters()`): the filter's dates, today,
one list per row of the filter's field table (cohorts, teams, regions, roles: domain/filters.py),
and the windows it is evaluated over. A statement covers `$nwin` consecutive windows of `$length`
days, the first starting on `$start0` and the last being the filter's own (`$date_from`..`$date_to`):
a page asks for one window, the Overview's trends for six. Every fact (facts.py) carries the window
number `k` (0 = oldest), so one text of a number serves a page, the report and the trend alike.

The builders below return SQL text made only of our constant fragments and column names;
values are never put into SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from data_layer.domain.filters import DIMENSIONS, PEOPLE_DIMENSIONS, Dimension, Filter, previous_window

# Constants some facts take as parameters (so their text never changes).
AT_RISK_QUIET_DAYS = 21
NOTES_LIMIT = 500
FLOPS_LIMIT = 5
QUOTES_LIMIT = 200


def selected(param: str, column: str) -> str:
    """`column` is among the values of list parameter `param`, or that list is empty (no filter)."""
    return f"(len(${param}::VARCHAR[]) = 0 OR list_contains(${param}::VARCHAR[], {column}))"


def _any_chosen(dimensions: tuple[Dimension, ...]) -> str:
    """How many values are chosen across `dimensions`' list parameters."""
    return " + ".join(f"len(${d.name}::VARCHAR[])" for d in dimensions)


def people_match(person_column: str) -> str:
    """The people filters (team, region, role: the field table's rows with a people column); the
    people table is read only when one of them is set."""
    where = " AND ".join(selected(d.name, f"p.{d.person_column}") for d in PEOPLE_DIMENSIONS)
    return (f"({_any_chosen(PEOPLE_DIMENSIONS)} = 0 "
            f"OR {person_column} IN (SELECT p.person_id FROM people p WHERE {where}))")


def overlaps_window(membership: str, window: str) -> str:
    """A membership row overlaps a window: joined on or before its end, not left before its start."""
    return (f"{membership}.joined_on <= {window}.w_to "
            f"AND ({membership}.left_on IS NULL OR {membership}.left_on >= {window}.w_from)")


def tagged_for_selection(alias: str) -> str:
    """The cohort-tag rule: a member's row counts when untagged, or tagged with a selected cohort
    (any cohort, when none is selected)."""
    return f"({alias}.cohort_id IS NULL OR {selected('cohorts', alias + '.cohort_id')})"


def window_of(day: str) -> str:
    """The window number a day falls in (rows before `$start0` get a negative number: filter them)."""
    return f"CAST(({day} - $start0) // $length AS INTEGER)"


# Any list filter set (cohort, team, region, role): lessons and plans are then counted by scope.
NARROWED = f"({_any_chosen(DIMENSIONS)} > 0)"


def window_member(alias: str, person_column: str, window: str = "w") -> str:
    """A LEFT JOIN finding `person_column` among window `window`'s members, as `alias` (for in_scope)."""
    return f"LEFT JOIN members {alias} ON {alias}.k = {window}.k AND {alias}.person_id = {person_column}"


def in_scope(cohort_column: str, member: str) -> str:
    """A lesson or plan counts in a window: always with no filter; otherwise when tagged with a selected
    cohort or written/owned by one of that window's members (`member`, joined by window_member)."""
    return f"(NOT {NARROWED} OR list_contains($cohorts::VARCHAR[], {cohort_column}) OR {member}.person_id IS NOT NULL)"


def with_ctes(ctes: list[tuple[str, str, bool]]) -> str:
    """`WITH name AS [MATERIALIZED] (body), ...` from (name, body, materialized) triples (our constants)."""
    if not ctes:
        return ""
    return "WITH " + ",\n".join(
        f"{name} AS {'MATERIALIZED ' if materialized else ''}({body}\n)" for name, body, materialized in ctes) + "\n"


def trend_windows(filt: Filter, windows: int = 6) -> list[Filter]:
    """`filt` and the windows of equal length before it, oldest first."""
    out = [filt]
    for _ in range(windows - 1):
        out.append(previous_window(out[-1]))
    return out[::-1]


def parameters(filt: Filter, windows: int = 1) -> dict[str, Any]:
    """Every parameter a statement binds, for `windows` windows ending with the filter's."""
    length = (filt.date_to - filt.date_from).days + 1
    start0: dt.date = filt.date_from - dt.timedelta(days=length * (windows - 1))
    return {**filt.params(), "start0": start0, "length": length, "nwin": windows,
            "quiet": AT_RISK_QUIET_DAYS, "notes_limit": NOTES_LIMIT, "flops_limit": FLOPS_LIMIT,
            "quotes_limit": QUOTES_LIMIT}
