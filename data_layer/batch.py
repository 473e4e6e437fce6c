"""Evaluate a page's metrics and breakdowns together, for one filter, in as few round trips as possible.

Scalar metrics (one row each) are captured and combined: each metric function runs once
against a store that records its single statement, the statements become one
`SELECT (SELECT q FROM (<statement>) q), ...`, and each function runs again against a store
that hands back its row. So the SQL and the decoding are each metric's own, with one query
instead of many. Everything else (tables, lists) runs alongside on a small thread pool.
Pages list what they show in PAGE_LOADS and make one call.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from data_layer import breakdowns, metrics
from data_layer.filters import Filter
from data_layer.store import Params, Store

PAGE_LOADS: dict[str, tuple[str, ...]] = {
    "adoption": ("members", "active_rate_28d", "outreach_within_24h_rate", "median_hours_to_outreach", "funnel",
                 "weekly_active", "cohort_table", "at_risk_members"),
    "barriers": ("barrier_prevalence", "readiness", "readiness_lift", "barriers_resolved_rate",
                 "barrier_baseline_vs_follow_up", "barrier_prevalence_by_cohort", "readiness_by_dimension",
                 "barrier_notes"),
    "win_rates": ("win_rate", "win_rate_partner", "win_rate_no_partner", "win_rate_lift", "partner_involvement_rate",
                  "win_rate_sourced", "win_rate_influenced", "avg_won_amount_partner", "avg_won_amount_no_partner",
                  "median_cycle_days_partner", "median_cycle_days_no_partner", "win_rate_before_joining",
                  "win_rate_after_joining", "win_rate_by_month", "win_rate_by_cohort"),
    "learning_health": ("lessons_published", "flop_share", "postmortem_coverage", "contributors",
                        "action_followthrough", "lessons_by_month", "recent_flops", "overdue_postmortems",
                        "section_freshness"),
}

# Metrics whose function makes exactly one single-row read: these can be combined.
SINGLE_ROW = frozenset({
    "members", "assessed_rate", "active_rate_28d", "funnel", "outreach_within_24h_rate", "median_hours_to_outreach",
    "readiness", "readiness_lift", "barriers_resolved_rate", "win_rate", "win_rate_partner", "win_rate_no_partner",
    "win_rate_sourced", "win_rate_influenced", "partner_involvement_rate", "avg_won_amount_partner",
    "avg_won_amount_no_partner", "median_cycle_days_partner", "median_cycle_days_no_partner",
    "win_rate_before_joining", "win_rate_after_joining", "lessons_published", "flop_share", "postmortem_coverage",
    "contributors", "action_followthrough",
})


def function(name: str) -> Any:
    """The metric or breakdown function of that name (an allow-list: nothing else can be called)."""
    fn = getattr(metrics, name, None) if not name.startswith("_") else None
    fn = fn or (getattr(breakdowns, name, None) if not name.startswith("_") else None)
    if fn is None or not callable(fn):
        raise KeyError(name)
    return fn


class _Captured(Exception):
    def __init__(self, sql: str, params: Params) -> None:
        super().__init__("captured")
        self.sql, self.params = sql, params


class _CaptureStore:
    """Records the one statement a single-row metric runs (and runs nothing)."""

    def query_one(self, sql: str, params: Params = None) -> Any:
        raise _Captured(sql, params)

    query_value = query_one


class _ReplayStore:
    """Hands a single-row metric the row its statement produced."""

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.row = row

    def query_one(self, sql: str, params: Params = None) -> tuple[Any, ...]:
        return self.row

    def query_value(self, sql: str, params: Params = None) -> Any:
        return self.row[0]


def one_row(store: Store, ctes: str, parts: Sequence[str], params: dict[str, Any]) -> list[Any]:
    """Evaluate each single-value SELECT in `parts` (over the shared `ctes`) in one statement.

    The parts are glued with UNION ALL BY NAME (one row each, its value in its own column),
    not as scalar subqueries of one SELECT: DuckDB would cross-join those into one big join
    graph whose join-order search alone takes ~20 ms; each union branch is planned on its own.
    """
    sql = ctes + "\nUNION ALL BY NAME\n".join(f"SELECT {i} AS k, ({part}) AS c{i}" for i, part in enumerate(parts))
    out: list[Any] = [None] * len(parts)
    for found in store.query(sql, params):
        out[int(found[0])] = found[1 + int(found[0])]
    return out


def _combined(store: Store, filt: Filter, names: list[str]) -> dict[str, Any]:
    statements: list[str] = []
    params: dict[str, Any] = {}
    for name in names:
        try:
            function(name)(_CaptureStore(), filt)
        except _Captured as cap:
            statements.append(cap.sql)
            params.update(dict(cap.params or {}))  # every metric binds the same filter values
        else:  # pragma: no cover - a metric that reads nothing cannot be combined
            raise AssertionError(f"{name} made no query")
    # The statements are the metrics' own SQL (constants plus bound parameters).
    row = one_row(store, "", [f"SELECT q FROM ({sql}) q" for sql in statements], params)  # noqa: S608
    return {name: function(name)(_ReplayStore(tuple(struct.values())), filt)
            for name, struct in zip(names, row, strict=True)}


def evaluate_page(store: Store, filt: Filter, page: str) -> dict[str, Any]:
    """Everything a page shows: its own combined statement where it has one (page_sql.py), else evaluate()."""
    from data_layer.page_sql import PAGE_STATEMENTS

    names = PAGE_LOADS[page]
    if page not in PAGE_STATEMENTS:
        return evaluate(store, filt, names)
    statement, covers = PAGE_STATEMENTS[page]
    rest = tuple(n for n in names if n not in covers)
    if not rest:
        whole = statement(store, filt)
        return {n: whole[n] for n in names}
    jobs: list[Any] = [lambda: statement(store, filt)] + [lambda n=n: {n: function(n)(store, filt)} for n in rest]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        parts = list(pool.map(lambda job: job(), jobs))
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return {n: out[n] for n in names}


def evaluate(store: Store, filt: Filter, names: tuple[str, ...], parallel: bool = True) -> dict[str, Any]:
    """name -> result for every name: single-row metrics in one statement, the rest alongside."""
    wanted = list(names)
    single = [n for n in wanted if n in SINGLE_ROW]
    if "win_rate_lift" in wanted:  # the difference of two single-row metrics: computed from them
        single += [n for n in ("win_rate_partner", "win_rate_no_partner") if n not in single]
    others = [n for n in wanted if n not in SINGLE_ROW and n != "win_rate_lift"]
    jobs: list[Any] = [lambda: _combined(store, filt, single)] if single else []
    jobs += [lambda n=n: {n: function(n)(store, filt)} for n in others]
    if parallel and len(jobs) > 1:
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            parts = list(pool.map(lambda job: job(), jobs))
    else:
        parts = [job() for job in jobs]
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    if "win_rate_lift" in wanted:
        with_p, without = out["win_rate_partner"].value, out["win_rate_no_partner"].value
        out["win_rate_lift"] = None if with_p is None or without is None else with_p - without
    return {n: out[n] for n in wanted}
