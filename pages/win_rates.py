"""Win rates: do partner deals win more often, bigger and faster; did joining a cohort change anything."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.chart_speed import unvalidated
from dashboard.components import download_table, empty, metric_tile, no_data_guard
from dashboard.filter_bar import describe, filter_bar
from dashboard.formatting import count
from dashboard.loaders import cohort_effect, cohort_names, has_any_data, markers, page_data
from data_layer.domain.stats import TOO_FEW_DEALS

guard(__file__)
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
        st.altair_chart(unvalidated(charts.win_rate_chart(pd.DataFrame(rows))), width="stretch")
        few = [f"{g}: too few deals (n = {r.n})" for g, r in groups if r.n > 0 and r.too_few]
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

st.subheader("The cohort effect, against sellers not yet joined")
st.caption("Cohorts start on different dates, so in any month some sellers have joined and some have not. "
           "For each member we compare their 6 months before and 6 months from joining with what not-yet-joined "
           "sellers did in the same calendar months; the 95 % interval comes from resampling people "
           "(with all their deals) 400 times.")
with st.spinner("Comparing members with sellers not yet joined ..."):
    effects = cohort_effect(filt)
shown_effects = [("win_rate", "Win rate", lambda v: f"{v * 100:+.1f} pp"),
                 ("deals_per_seller_month", "Deals closed per seller-month", lambda v: f"{v:+.2f}"),
                 ("avg_won_amount", "Average won amount", lambda v: f"{'-' if v < 0 else '+'}${abs(v):,.0f}")]
first = effects["win_rate"]
if first.refused:
    empty(f"No estimate: {first.refused} The plain before/after above cannot be told apart from "
          "seasonality or market moves with so little to compare.")
else:
    cols = st.columns(3)
    for col, (key, label, fmt) in zip(cols, shown_effects, strict=True):
        e = effects[key]
        if e.effect is None or e.low is None or e.high is None:
            col.metric(label, "no estimate", border=True, help=e.refused or "")
            continue
        col.metric(label, fmt(e.effect), border=True,
                   help="Change after joining minus the change of not-yet-joined sellers in the same months.")
        col.caption(f"95 % interval {fmt(e.low)} to {fmt(e.high)}"
                    + ("; includes no change" if e.low <= 0 <= e.high else ""))
    plain = first.plain
    st.caption(f"Behind these: {count(first.members, 'member')} with deals before and after joining, "
               f"{count(first.comparison, 'comparison seller')}, {count(first.deals, 'deal')}. "
               + ("" if plain is None else f"The plain before/after change of the win rate is {plain * 100:+.1f} pp; "
                  f"against sellers not yet joined it is {first.effect * 100:+.1f} pp (the difference is what the "
                  "season and the market did to everyone). ")
               + "Caveats: sellers choose or are chosen for cohorts, so members may differ from those not yet "
                 "joined in ways the comparison does not remove; effects that grow after 6 months are not seen.")

monthly = data["win_rate_by_month"]
st.subheader("Monthly trend")
if monthly.empty:
    empty("No deals closed in this window.")
else:
    st.altair_chart(unvalidated(charts.with_markers(charts.monthly_win_rate_chart(monthly), markers(filt), by_month=True)),
                    width="stretch")
    st.caption("Dashed lines: cohort starts, published lessons and editors' notes in the window (hover for what).")

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
    st.caption(f"Rates over fewer than {TOO_FEW_DEALS} deals are too few to compare; check the closed counts.")
