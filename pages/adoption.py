"""Adoption: who got through the funnel, who stays active, who the partnership team reached in time."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.chart_speed import unvalidated
from dashboard.components import download_table, empty, metric_tile, no_data_guard
from dashboard.filter_bar import describe, filter_bar
from dashboard.formatting import count, percent
from dashboard.loaders import cohort_names, has_any_data, markers, page_data
from dashboard.services import FUNNEL_STAGES

guard(__file__)
no_data_guard(has_any_data())
filt = filter_bar("adoption")
data = page_data("adoption", filt)  # everything this page shows, in one statement
st.caption(describe(filt, cohort_names()))

members = data["members"]
if members == 0:
    empty("No members in this selection: no cohort membership overlaps the window for these filters.")
    st.stop()

c1, c2, c3, c4 = st.columns(4)
for column, name in zip((c1, c2, c3, c4), ("members", "active_rate_28d", "outreach_within_24h_rate",
                                           "median_hours_to_outreach"), strict=True):
    metric_tile(column, name, data[name])
outreach = data["outreach_within_24h_rate"]
c3.caption(f"{outreach.numerator:,} of {outreach.denominator:,} assessments" if outreach.denominator
           else "no assessments in this window")

left, right = st.columns(2)
with left:
    st.subheader("Funnel")
    funnel = data["funnel"]
    labels = {"enrolled": "Enrolled", "assessed": "Assessed", "introduced": "Introduced", "engaged": "Engaged",
              "tool_adopted": "Adopted a tool", "win_shared": "Shared a win", "partner_win": "Won with a partner"}
    frame = pd.DataFrame({"stage": [labels[s] for s in FUNNEL_STAGES], "members": [funnel[s] for s in FUNNEL_STAGES]})
    st.altair_chart(unvalidated(charts.funnel_chart(frame)), width="stretch")
    st.caption("Each stage counts members who reached it on or before the end of the window; "
               "earlier stages are not required.")
with right:
    st.subheader("Weekly active members")
    weeks = data["weekly_active"]
    if weeks:
        wframe = pd.DataFrame([{"week": w.week, "week_start": w.week_start, "active": w.active, "rate": w.rate}
                               for w in weeks])
        st.altair_chart(unvalidated(charts.with_markers(charts.weekly_active_chart(wframe), markers(filt), by_month=False)),
                        width="stretch")
    else:
        empty("No weeks in this window.")

st.subheader("By cohort")
table = data["cohort_table"]
if table.empty:
    empty("No cohort has members in this selection.")
else:
    shown = table[["cohort", "program", "start_date", "members", "assessed_rate", "active_rate_28d", "shared_win",
                   "closed_deals", "win_rate"]].rename(columns={
        "cohort": "Cohort", "program": "Program", "start_date": "Started", "members": "Members",
        "assessed_rate": "Assessed", "active_rate_28d": "Active (28 d)", "shared_win": "Shared a win",
        "closed_deals": "Closed deals", "win_rate": "Win rate"})
    download_table(shown, "adoption-by-cohort", key="cohorts", metrics={
        "Assessed": "assessed_rate", "Active (28 d)": "active_rate_28d", "Win rate": "win_rate"})

st.subheader("At risk: quiet for 21 days")
risk = data["at_risk_members"]
if risk.empty:
    st.success("Every member has done something in the last 21 days of the window.")
else:
    st.caption(f"{len(risk):,} of {count(members, 'member')} ({percent(len(risk) / members)}) have no event of their "
               "own in the 21 days ending the window. A nudge from their cohort or manager helps.")
    shown = risk[["name", "cohorts", "team", "region", "role", "last_active", "days_quiet"]].rename(columns={
        "name": "Member", "cohorts": "Cohorts", "team": "Team", "region": "Region", "role": "Role",
        "last_active": "Last active", "days_quiet": "Days quiet"})
    download_table(shown, "at-risk-members", key="risk", column_config={
        "Last active": st.column_config.DateColumn(format="YYYY-MM-DD", help="Blank: never active")})
