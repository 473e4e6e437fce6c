"""Independent references for the outreach numbers (issue 27), in pandas over the raw tables.

Nothing of the production code is imported: the member set, the cohort-tag rule and each
definition are written again from DOMAIN.md and docs/metrics.md. Only raw tables are read
(memberships, assessments, events, outreach_tasks), never the summary tables the production
SQL reads, and a filter is plain dates and cohort ids (no team/region/role: these tests set none).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

Store = Any  # anything with query_df(sql)


def members(store: Store, date_from: dt.date, date_to: dt.date, cohorts: tuple[str, ...] = (),
            people: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> set[str]:
    """M: a membership in a selected cohort (any) with joined_on <= to and (left_on null or >= from), of
    people matching `people` ((column, allowed values) pairs: team, region, role; empty values: any)."""
    m = store.query_df("SELECT * FROM memberships")
    m = m[(pd.to_datetime(m["joined_on"]).dt.date <= date_to)
          & (m["left_on"].isna() | (pd.to_datetime(m["left_on"]).dt.date >= date_from))]
    if cohorts:
        m = m[m["cohort_id"].isin(cohorts)]
    p = store.query_df("SELECT person_id, team, region, role FROM people")
    for column, allowed in people:
        if allowed:
            p = p[p[column].isin(allowed)]
    return set(m["person_id"]) & set(p["person_id"])


def _outreach(store: Store, cohorts: tuple[str, ...]) -> pd.DataFrame:
    e = store.query_df("SELECT person_id, occurred_at, cohort_id FROM events WHERE verb = 'outreach_received'")
    if cohorts:  # the cohort-tag rule: untagged, or tagged with a selected cohort
        e = e[e["cohort_id"].isna() | e["cohort_id"].isin(cohorts)]
    return e


def _first_after(outreach: pd.DataFrame, person: str, taken_at: pd.Timestamp) -> pd.Timestamp | None:
    times = outreach[(outreach["person_id"] == person) & (outreach["occurred_at"] >= taken_at)]["occurred_at"]
    return None if times.empty else times.min()


def outreach_within_24h_rate(store: Store, date_from: dt.date, date_to: dt.date,
                             cohorts: tuple[str, ...] = ()) -> float | None:
    """Of members' assessments taken in the window, the share whose first outreach came within 24 h."""
    m = members(store, date_from, date_to, cohorts)
    a = store.query_df("SELECT assessment_id, person_id, taken_at FROM assessments")
    a = a[a["person_id"].isin(m) & (a["taken_at"].dt.date >= date_from) & (a["taken_at"].dt.date <= date_to)]
    if a.empty:
        return None
    outreach = _outreach(store, cohorts)
    within = 0
    for row in a.itertuples():
        first = _first_after(outreach, row.person_id, row.taken_at)
        within += first is not None and (first - row.taken_at) <= pd.Timedelta(hours=24)
    return within / len(a)


def queue(store: Store, date_from: dt.date, date_to: dt.date, as_of: dt.datetime,
          cohorts: tuple[str, ...] = (), people: tuple[tuple[str, tuple[str, ...]], ...] = ()
          ) -> tuple[int, int, float | None]:
    """(waiting, waiting over 24 h, median hours to first outreach of in-product assessments in the window)."""
    m = members(store, date_from, date_to, cohorts, people)
    t = store.query_df("SELECT t.assessment_id, t.person_id, t.status, t.closed_at, a.taken_at "
                       "FROM outreach_tasks t JOIN assessments a USING (assessment_id)")
    t = t[t["person_id"].isin(m) & (t["taken_at"].dt.date <= date_to)]
    outreach = _outreach(store, cohorts)
    waiting = late = 0
    delays = []
    for row in t.itertuples():
        first = _first_after(outreach, row.person_id, row.taken_at)
        dismissed = row.status == "not_needed" and row.closed_at <= as_of
        if row.taken_at <= as_of and (first is None or first > as_of) and not dismissed:
            waiting += 1
            late += row.taken_at + pd.Timedelta(hours=24) < as_of
        if first is not None and date_from <= row.taken_at.date() <= date_to:
            delays.append((first - row.taken_at).total_seconds() / 3600)
    return waiting, late, (float(pd.Series(delays).median()) if delays else None)


# The same numbers with the registry's signature (store, filter), for tests/test_fast_paths.py.
def _of_filter(store: Store, filt: Any) -> tuple[int, int, float | None]:
    # "as of the end of the window, or now if that is earlier"
    as_of = min(dt.datetime.combine(filt.date_to + dt.timedelta(days=1), dt.time()),
                dt.datetime.now(dt.UTC).replace(tzinfo=None))
    people = (("team", filt.teams), ("region", filt.regions), ("role", filt.roles))
    return queue(store, filt.date_from, filt.date_to, as_of, tuple(filt.cohorts), people)


def outreach_queue(store: Store, filt: Any) -> int:
    return _of_filter(store, filt)[0]


def outreach_breaches(store: Store, filt: Any) -> int:
    return _of_filter(store, filt)[1]


def hours_to_first_outreach_in_product(store: Store, filt: Any) -> float | None:
    return _of_filter(store, filt)[2]


SCALARS = ("outreach_queue", "outreach_breaches", "hours_to_first_outreach_in_product")
