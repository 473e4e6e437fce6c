"""Evaluate a page's metrics and breakdowns together, in parallel, for one filter.

Each is an independent read on its own cursor and DuckDB releases the GIL, so a small
thread pool keeps both cores busy. Pages list what they show (PAGE_LOADS) and make one call.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from data_layer import breakdowns, metrics
from data_layer.filters import Filter
from data_layer.store import Store

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


def function(name: str) -> Any:
    """The metric or breakdown function of that name (an allow-list: nothing else can be called)."""
    fn = getattr(metrics, name, None) if not name.startswith("_") else None
    fn = fn or (getattr(breakdowns, name, None) if not name.startswith("_") else None)
    if fn is None or not callable(fn):
        raise KeyError(name)
    return fn


def evaluate(store: Store, filt: Filter, names: tuple[str, ...]) -> dict[str, Any]:
    """name -> result for every name, computed concurrently."""
    fns = [function(n) for n in names]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda fn: fn(store, filt), fns))
    return dict(zip(names, results, strict=True))
