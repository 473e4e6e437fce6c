"""Win rates: do partner deals win more often, bigger and faster; did joining a cohort change anything."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import download_table, empty, metric_tile, no_data_guard
from dashboard.filter_bar import describe, filter_bar
from dashboard.loaders import cohort_names, has_any_data, page_data

guard("viewer")
st.title("Win rates")
no_data_guard(has_any_data())
filt = filter_bar("win_rates")
data = page_data("win_rates", filt)  # everything this page shows, in one statement
st.caption(describe(filt, cohort_names()))


overall = data["win_rate"]
partner, no_partner = data["win_rate_partner"], data["win_rate_no_partner"]
c1, c2, c3, c4 = st.columns(4)
for column, name in zip((c1, c2, c3, c4), ("win_rate_partner", "win_rate_no_partner", "win_rate_lift",
                                           "partner_involvement_rate"), strict=True):
    metric_tile(column, name, data[name])

if overall.n == 0:
    empty("No deals closed in this window for these members. Widen the window or the cohorts.")
else:
    left, right = st.columns(2)
    with left:
        st.subheader("With vs without partner")
        groups = [("with partner", partner), ("without partner", no_partner),
                  ("sourced", data["win_rate_sourced"]),
                  ("influenced", data["win_rate_influenced"])]
        rows = [{"group": g, "win_rate": r.value, "low": r.ci[0], "high": r.ci[1], "n": r.n}
                for g, r in groups if r.ci is not None]
        st.altair_chart(charts.win_rate_chart(pd.DataFrame(rows)), width="stretch")
        few = [f"{g}: too few deals (n = {r.n})" for g, r in groups if 0 < r.n < 10]
        if few:
            st.warning("; ".join(few) + ". Intervals this wide say little.")
        st.caption("Bars show the win rate; whiskers its 95% Wilson interval. Sourced and influenced "
                   "split the partner deals.")
    with right:
        st.subheader("Size and speed of won deals")
        d1, d2 = st.columns(2)
        for column, name in ((d1, "avg_won_amount_partner"), (d2, "avg_won_amount_no_partner"),
                             (d1, "median_cycle_days_partner"), (d2, "median_cycle_days_no_partner")):
            metric_tile(column, name, data[name])

st.subheader("Before vs after joining a cohort")
before, after = data["win_rate_before_joining"], data["win_rate_after_joining"]
b1, b2 = st.columns(2)
metric_tile(b1, "win_rate_before_joining", before)
metric_tile(b2, "win_rate_after_joining", after)
st.caption("These two ignore the date window: each member is measured around their own joining date.")

monthly = data["win_rate_by_month"]
st.subheader("Monthly trend")
if monthly.empty:
    empty("No deals closed in this window.")
else:
    st.altair_chart(charts.monthly_win_rate_chart(monthly), width="stretch")

st.subheader("By cohort")
by_cohort = data["win_rate_by_cohort"]
if by_cohort.empty:
    empty("No deals closed in this window for any cohort's members.")
else:
    shown = by_cohort.rename(columns={
        "cohort": "Cohort", "partner_closed": "Closed with partner", "partner_won": "Won with partner",
        "no_partner_closed": "Closed without", "no_partner_won": "Won without",
        "win_rate_partner": "Win rate with partner", "win_rate_no_partner": "Win rate without"})
    download_table(shown, "win-rates-by-cohort", key="wr_cohorts", metrics={
        "Win rate with partner": "win_rate_partner", "Win rate without": "win_rate_no_partner"})
    st.caption("Rates over fewer than 10 deals are too few to compare; check the closed counts.")
