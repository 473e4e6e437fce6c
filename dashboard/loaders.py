"""Cached reads for the pages: keyed by the filter, cleared after writes that affect them."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.store import get_store
from data_layer import metrics
from data_layer.filters import Filter
from data_layer.stats import DealRate, Rate


@dataclass(frozen=True)
class OverviewNumbers:
    """The KPIs the Overview shows, straight from the metric functions."""

    members: int
    assessed_rate: Rate
    win_rate_partner: DealRate
    win_rate_no_partner: DealRate
    lessons_published: int


@st.cache_data(ttl=600, show_spinner=False)
def overview_numbers(filt: Filter) -> OverviewNumbers:
    """The Overview's KPIs for one filter."""
    store = get_store()
    return OverviewNumbers(
        members=metrics.members(store, filt),
        assessed_rate=metrics.assessed_rate(store, filt),
        win_rate_partner=metrics.win_rate_partner(store, filt),
        win_rate_no_partner=metrics.win_rate_no_partner(store, filt),
        lessons_published=metrics.lessons_published(store, filt),
    )


@st.cache_data(ttl=600, show_spinner=False)
def has_any_data() -> bool:
    """False on an empty database, so pages can say how to load data."""
    return bool(get_store().query_value("SELECT EXISTS (SELECT 1 FROM memberships)"))
