"""Overview: the headline numbers of the learning programs, each against the previous window."""

from __future__ import annotations

import streamlit as st

from dashboard.acting_view import view_goals
from dashboard.auth import guard
from dashboard.components import kpi_tile, no_data_guard
from dashboard.definitions import OVERVIEW_KPIS
from dashboard.filter_bar import describe, filter_bar
from dashboard.loaders import cohort_names, has_any_data, overview_grid

guard(__file__)
no_data_guard(has_any_data())
filt = filter_bar("overview")
st.caption(describe(filt, cohort_names()))

# Three rows of three: adoption, readiness and learning, then the deals.
by_key = {k.key: k for k in OVERVIEW_KPIS}
rows = [("members", "assessed_rate", "active_rate_28d"),
        ("outreach_within_24h_rate", "readiness_lift", "postmortem_coverage"),
        ("win_rate_partner", "win_rate_no_partner", "lessons_published")]
grid = overview_grid(filt)
goals = view_goals(filt.cohorts, filt.today)  # goals set for exactly this view's cohorts
for keys in rows:
    row = [by_key[k] for k in keys]
    cols = st.columns(3)
    for col, kpi in zip(cols, row, strict=False):
        values = grid[kpi.key]
        with col:
            kpi_tile(kpi, values[-1], values[-2], values, goal=goals.get(kpi.key))
