"""Cached reads for the pages: keyed by the filter, so a new filter is one fresh query.

Every number comes from the function of the same name in data_layer.metrics or
data_layer.breakdowns; nothing is computed here. Writes that change what these read
must call `clear_analytics()` right after they commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.store import get_store
from data_layer import batch, breakdowns, metrics
from data_layer.filters import Filter, previous_window

# The metric and breakdown functions a page may ask for by name (allow-list).
METRICS = {
    name: getattr(metrics, name) for name in (
        "members", "assessed_rate", "active_rate_28d", "funnel", "outreach_within_24h_rate",
        "median_hours_to_outreach", "weekly_active", "barrier_prevalence", "readiness", "readiness_lift",
        "barriers_resolved_rate", "barrier_baseline_vs_follow_up", "win_rate", "win_rate_partner",
        "win_rate_no_partner", "win_rate_sourced", "win_rate_influenced", "win_rate_lift",
        "partner_involvement_rate", "avg_won_amount_partner", "avg_won_amount_no_partner",
        "median_cycle_days_partner", "median_cycle_days_no_partner", "win_rate_before_joining",
        "win_rate_after_joining", "lessons_published", "flop_share", "postmortem_coverage",
        "overdue_postmortems", "contributors", "action_followthrough", "section_freshness",
    )
}
BREAKDOWNS = {
    name: getattr(breakdowns, name) for name in (
        "cohort_table", "at_risk_members", "barrier_prevalence_by_cohort", "barrier_notes",
        "readiness_by_dimension", "win_rate_by_cohort", "win_rate_by_month", "lessons_by_month", "recent_flops",
    )
}


@st.cache_data(ttl=900, show_spinner=False, max_entries=5000)
def metric(name: str, filt: Filter) -> Any:
    """One metric of DOMAIN.md for one filter."""
    return METRICS[name](get_store(), filt)


@st.cache_data(ttl=900, show_spinner=False, max_entries=1000)
def breakdown(name: str, filt: Filter) -> pd.DataFrame:
    """One page breakdown (table or chart data) for one filter."""
    frame: pd.DataFrame = BREAKDOWNS[name](get_store(), filt)
    return frame


@st.cache_data(ttl=900, show_spinner=False, max_entries=500)
def page_data(page: str, filt: Filter) -> dict[str, Any]:
    """Everything a page shows for one filter, loaded as one parallel batch (see data_layer/batch.py)."""
    return batch.evaluate_page(get_store(), filt, page)


@st.cache_data(ttl=900, show_spinner=False, max_entries=500)
def overview_grid(filt: Filter) -> dict[str, list[Any]]:
    """Every Overview KPI over the six windows ending with `filt`'s, oldest first (one parallel batch)."""
    return metrics.overview_grid(get_store(), filt)


def history(name: str, filt: Filter, windows: int = 6) -> list[Any]:
    """The metric over `windows` consecutive windows of equal length ending with `filt`'s, oldest first."""
    values, current = [], filt
    for _ in range(windows):
        values.append(metric(name, current))
        current = previous_window(current)
    return values[::-1]


@st.cache_data(ttl=900, show_spinner=False)
def has_any_data() -> bool:
    """False on an empty database, so pages can say how to load data."""
    return bool(get_store().query_value("SELECT EXISTS (SELECT 1 FROM memberships)"))


@st.cache_data(ttl=900, show_spinner=False)
def cohort_choices() -> pd.DataFrame:
    """Cohorts for the sidebar, newest first."""
    return breakdowns.cohort_choices(get_store())


@st.cache_data(ttl=900, show_spinner=False)
def filter_options() -> dict[str, list[str]]:
    """Teams, regions and roles for the sidebar."""
    return breakdowns.filter_options(get_store())


@st.cache_data(ttl=900, show_spinner=False)
def program_start(cohorts: tuple[str, ...]) -> dt.date | None:
    """Earliest start of the selected cohorts, for the 'program to date' preset."""
    value = breakdowns.program_start(get_store(), cohorts)
    return value if isinstance(value, dt.date) else None


def clear_analytics() -> None:
    """Forget every cached analytics read (call right after a write commits)."""
    for fn in (metric, breakdown, page_data, overview_grid, has_any_data, cohort_choices, filter_options,
               program_start):
        fn.clear()
