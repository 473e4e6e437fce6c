"""Cached reads for the pages: keyed by the filter, so a new filter is one fresh query.

Every number comes from data_layer.analytics (engine.evaluate_page / metrics.overview_grid, built
from the metric declarations); nothing is computed here. Writes that change what these read
must call `clear_analytics()` right after they commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.store import get_store
from data_layer.analytics import choices, engine, metrics
from data_layer.analytics import cohort_effect as effect
from data_layer.book import trend_notes
from data_layer.domain.filters import Filter


@st.cache_data(ttl=900, show_spinner=False, max_entries=500)
def page_data(page: str, filt: Filter) -> dict[str, Any]:
    """Everything a page shows for one filter, in one statement (data_layer/analytics/engine.py)."""
    return engine.evaluate_page(get_store(), filt, page)


@st.cache_data(ttl=900, show_spinner=False, max_entries=500)
def overview_grid(filt: Filter) -> dict[str, list[Any]]:
    """Every Overview KPI over the six windows ending with `filt`'s, oldest first (one statement)."""
    return metrics.overview_grid(get_store(), filt)


@st.cache_data(ttl=900, show_spinner=False, max_entries=100)
def cohort_effect(filt: Filter) -> dict[str, Any]:
    """The cohort effect against not-yet-joined sellers (data_layer/analytics/cohort_effect.py)."""
    return effect.cohort_effect(get_store(), filt)


@st.cache_data(ttl=900, show_spinner=False, max_entries=100)
def markers(filt: Filter) -> pd.DataFrame:
    """Cohort starts, published lessons and editors' notes in the filter's window, for the trend charts."""
    return trend_notes.markers(get_store(), filt.date_from, filt.date_to, filt.cohorts)


@st.cache_data(ttl=900, show_spinner=False)
def has_any_data() -> bool:
    """False on an empty database, so pages can say how to load data."""
    return bool(get_store().query_value("SELECT EXISTS (SELECT 1 FROM memberships)"))


@st.cache_data(ttl=900, show_spinner=False)
def cohort_choices() -> pd.DataFrame:
    """Cohorts for the sidebar, newest first."""
    return choices.cohort_choices(get_store())


@st.cache_resource(ttl=900, show_spinner=False)
def _cohort_names() -> dict[str, str]:
    # Built once per data version, not per run: the enterprise demo has 1,000 cohorts, and reading
    # them out of a DataFrame (and labelling each for the sidebar) took 7 % of a page run.
    frame = cohort_choices()
    return {str(k): str(v) for k, v in zip(frame["cohort_id"].tolist(), frame["name"].tolist(), strict=True)}


@st.cache_resource(ttl=900, show_spinner=False)
def cohort_labels() -> dict[str, str]:
    """Cohort id -> "name (id)", the sidebar's option labels, newest first (shared: read only)."""
    return {cid: f"{name} ({cid})" for cid, name in _cohort_names().items()}


def cohort_names() -> dict[str, str]:
    """Cohort id -> name, for captions and the sidebar (a copy the caller may change)."""
    return dict(_cohort_names())


@st.cache_data(ttl=900, show_spinner=False)
def filter_options() -> dict[str, list[str]]:
    """Teams, regions and roles for the sidebar."""
    return choices.filter_options(get_store())


@st.cache_data(ttl=900, show_spinner=False)
def program_start(cohorts: tuple[str, ...]) -> dt.date | None:
    """Earliest start of the selected cohorts, for the 'program to date' preset."""
    value = choices.program_start(get_store(), cohorts)
    return value if isinstance(value, dt.date) else None


def clear_analytics() -> None:
    """Forget every cached analytics read (call right after a write commits)."""
    for fn in (page_data, overview_grid, cohort_effect, markers, has_any_data, cohort_choices, filter_options, program_start,
               _cohort_names, cohort_labels):
        fn.clear()
