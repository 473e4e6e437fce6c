"""Goals everyone can see: a target for one metric of the registry, by a day, for all or some cohorts.

A goal's metric is read over the `window_days` days ending a day, for the goal's cohorts (all,
when none), exactly as a page reads it. Its path is a straight line from the value on the day it
was set (`start_value`) to the target on `due_on`: expected(d) = start + (target - start) *
min(1, (d - starts_on) / (due_on - starts_on)). On day d a goal is "on track" when the value is
at or beyond its path (at or above for "at least", at or below for "at most"), "behind" when
not, and "no data" when the metric has none. With no start value (no data on the day it was
set) the path is flat at the target. Progress = (value - start) / (target - start), the share
of the way covered (null without a start, or when start = target). Editors and admins set and
retire goals; both are audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.engine import evaluate
from data_layer.analytics.report import build_report
from data_layer.analytics.units import plain_value
from data_layer.db import audit
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.filters import Filter

DIRECTIONS = {"at_least": "at least", "at_most": "at most"}
DEFAULT_WINDOW_DAYS = 90
ON_TRACK, BEHIND, NO_DATA = "on track", "behind", "no data"


def goal_metrics() -> list[str]:
    """The metrics a goal can be set on: every single number of the registry (not tables)."""
    return [m.name for m in REGISTRY.metrics.values() if not m.is_table]


def value_on(store: Store, metric: str, cohorts: Sequence[str], window_days: int, day: dt.date) -> float | None:
    """The metric over the `window_days` days ending `day`, for the cohorts (all when none), as a plain number."""
    filt = Filter(date_from=day - dt.timedelta(days=window_days - 1), date_to=day, today=day, cohorts=tuple(cohorts))
    return plain_value(evaluate(store, filt, [metric])[metric])


def expected_on(start: float | None, target: float, starts_on: dt.date, due_on: dt.date, day: dt.date) -> float:
    """Where the straight path from the start to the target stands on `day`."""
    if start is None:
        return target
    span = max((due_on - starts_on).days, 1)
    share = min(1.0, max(0.0, (day - starts_on).days / span))
    return start + (target - start) * share


def state_of(value: float | None, expected: float, direction: str) -> str:
    """On track, behind or no data (a tiny tolerance so a value exactly on the path is on track)."""
    if value is None:
        return NO_DATA
    ahead = value >= expected - 1e-9 if direction == "at_least" else value <= expected + 1e-9
    return ON_TRACK if ahead else BEHIND


@dataclass(frozen=True)
class Progress:
    """A goal on one day: the value, where the path expects it, the state and the share of the way covered."""

    goal_id: str
    metric: str
    target: float
    direction: str
    due_on: dt.date
    value: float | None
    expected: float
    state: str
    progress: float | None


def create(store: Store, actor: Actor | None, *, metric: str, target: float, due_on: dt.date,
           direction: str = "at_least", cohorts: Sequence[str] = (), program: str | None = None,
           window_days: int = DEFAULT_WINDOW_DAYS, today: dt.date | None = None) -> str:
    """Set a goal (editors and admins); a program's goal covers that program's cohorts. Rates' targets are fractions."""
    who = require(actor, "editor")
    today = today or dt.date.today()
    problems = []
    if metric not in goal_metrics():
        problems.append(Problem("metric", "must be one of the dashboard's single numbers"))
    if direction not in DIRECTIONS:
        problems.append(Problem("direction", "must be at least or at most"))
    if due_on <= today:
        problems.append(Problem("day", "must be after today"))
    if not 1 <= window_days <= 366:
        problems.append(Problem("window", "must be 1 to 366 days"))
    if program is not None and not program.strip():
        problems.append(Problem("program", "must be chosen"))
    if program and cohorts:
        problems.append(Problem("scope", "must be either cohorts or a program, not both"))
    chosen = list(cohorts)
    if program:
        chosen = [r[0] for r in store.query("SELECT cohort_id FROM cohorts WHERE program = ? ORDER BY cohort_id",
                                            [program])]
        if not chosen:
            problems.append(Problem("program", "has no cohorts"))
    known = {r[0] for r in store.query("SELECT cohort_id FROM cohorts")}
    problems += [Problem("cohorts", f"do not include {c!r}: no such cohort") for c in chosen if c not in known]
    if metric in goal_metrics() and REGISTRY[metric].unit.fraction and not 0 <= target <= 1:
        problems.append(Problem("target", "must be between 0 % and 100 %"))
    if problems:
        raise InvalidData(problems)
    start = value_on(store, metric, chosen, window_days, today)
    goal_id = "G-" + uuid.uuid4().hex[:8]
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute("INSERT INTO goals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                   [goal_id, metric, float(target), direction, today, due_on, start, chosen, program or None,
                    window_days, who.email, now])
        unit = REGISTRY[metric].unit
        audit.record(tx, who.email, "goal", goal_id, "create",
                     f"{REGISTRY[metric].label} {DIRECTIONS[direction]} {unit.text(float(target))} by {due_on} "
                     f"({program or ', '.join(chosen) or 'all cohorts'}; from {unit.text(start)})", at=now)
    return goal_id


def retire(store: Store, actor: Actor | None, goal_id: str) -> None:
    """Take a goal off the pages (it stays in the audit trail)."""
    who = require(actor, "editor")
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute("UPDATE goals SET retired_at = ? WHERE goal_id = ? AND retired_at IS NULL", [now, goal_id])
        audit.record(tx, who.email, "goal", goal_id, "retire", at=now)


def listing(store: Store) -> pd.DataFrame:
    """Every goal not retired, the soonest due first."""
    return store.query_df("SELECT goal_id, metric, target, direction, starts_on, due_on, start_value, cohorts, "
                          "program, window_days, created_by FROM goals WHERE retired_at IS NULL "
                          "ORDER BY due_on, goal_id")


def progress_of(store: Store, goal: pd.Series, day: dt.date) -> Progress:
    """One goal on `day` (a row of `listing`)."""
    start = None if pd.isna(goal["start_value"]) else float(goal["start_value"])
    starts_on, due_on = pd.Timestamp(goal["starts_on"]).date(), pd.Timestamp(goal["due_on"]).date()
    value = value_on(store, str(goal["metric"]), list(goal["cohorts"]), int(goal["window_days"]), day)
    expected = expected_on(start, float(goal["target"]), starts_on, due_on, day)
    share = None if start is None or start == goal["target"] or value is None else \
        (value - start) / (float(goal["target"]) - start)
    return Progress(str(goal["goal_id"]), str(goal["metric"]), float(goal["target"]), str(goal["direction"]), due_on,
                    value, expected, state_of(value, expected, str(goal["direction"])), share)


def all_progress(store: Store, day: dt.date) -> list[Progress]:
    """Every goal's progress on `day`."""
    return [progress_of(store, goal, day) for _, goal in listing(store).iterrows()]


def for_view(store: Store, cohorts: Sequence[str], day: dt.date) -> dict[str, Progress]:
    """metric -> the goal that applies to a view of exactly these cohorts (all, when none), on `day`."""
    out: dict[str, Progress] = {}
    for _, goal in listing(store).iterrows():
        if sorted(goal["cohorts"]) == sorted(cohorts) and str(goal["metric"]) not in out:
            out[str(goal["metric"])] = progress_of(store, goal, day)
    return out


def turned_behind(store: Store, since: dt.date, today: dt.date) -> list[Progress]:
    """Goals behind today that were not behind on `since` (on track, or not yet set): the digest says so."""
    out = []
    for _, goal in listing(store).iterrows():
        now = progress_of(store, goal, today)
        if now.state != BEHIND:
            continue
        starts_on = pd.Timestamp(goal["starts_on"]).date()
        if starts_on > since or progress_of(store, goal, since).state != BEHIND:
            out.append(now)
    return out


def describe(progress: Progress) -> str:
    """"Goal: at least 80% by 31 Dec 2026 · on track (now 82%)" in the metric's own unit."""
    unit = REGISTRY[progress.metric].unit
    return (f"Goal: {DIRECTIONS[progress.direction]} {unit.text(progress.target)} by {progress.due_on:%d %b %Y} · "
            f"{progress.state} (now {unit.text(progress.value)}, path {unit.text(progress.expected)})")


def report_json(store: Store, day: dt.date) -> list[dict[str, object]]:
    """Every goal's progress on `day` for `report --json` (rates as fractions, days as ISO text)."""
    return [{"goal_id": p.goal_id, "metric": p.metric, "target": p.target, "direction": p.direction,
             "due_on": p.due_on.isoformat(), "value": p.value, "expected": p.expected, "state": p.state,
             "progress": p.progress} for p in all_progress(store, day)]


def report_with_goals(store: Store, filt: Filter) -> dict[str, object]:
    """`report --json` (and the API's report): every declared metric, plus `goals` with each goal's progress today."""
    return {**build_report(store, filt), "goals": report_json(store, filt.today)}
