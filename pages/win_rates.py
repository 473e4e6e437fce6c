"""Win rates: do partner deals win more often, bigger and faster; did joining a cohort change anything."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import download_table, empty, no_data_guard
from dashboard.filter_bar import describe, filter_bar
from dashboard.formatting import deal_rate_caption, money, number, percent
from dashboard.loaders import cohort_names, has_any_data, page_data
from data_layer.stats import DealRate

guard("viewer")
st.title("Win rates")
no_data_guard(has_any_data())
filt = filter_bar("win_rates")
data = page_data("win_rates", filt)  # everything this page shows, in one parallel batch
st.caption(describe(filt, cohort_names()))


def rate_tile(column: st.delta_generator.DeltaGenerator, label: str, rate: DealRate, help_text: str) -> None:
    """A win-rate tile that refuses to show a bare number on fewer than 10 deals."""
    shown = percent(rate.value)
    column.metric(label, shown, border=True, help=help_text)
    column.caption(deal_rate_caption(rate))


overall = data["win_rate"]
partner, no_partner = data["win_rate_partner"], data["win_rate_no_partner"]
c1, c2, c3, c4 = st.columns(4)
rate_tile(c1, "Win rate with partner", partner, "Won / closed deals with a partner sourcing or influencing them.")
rate_tile(c2, "Win rate without partner", no_partner, "Won / closed deals with no partner involvement.")
lift = data["win_rate_lift"]
c3.metric("Partner lift", "no data" if lift is None else f"{lift * 100:+.1f} pp", border=True,
          help="Win rate with partner minus win rate without.")
c3.caption("a difference of rates; read it with the intervals beside it")
rate_tile(c4, "Deals with a partner", data["partner_involvement_rate"],
          "Closed deals with a partner involved / closed deals.")

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
        d1.metric("Avg won amount, partner", money(data["avg_won_amount_partner"]), border=True)
        d2.metric("Avg won amount, no partner", money(data["avg_won_amount_no_partner"]), border=True)
        d1.metric("Median cycle, partner", number(data["median_cycle_days_partner"], 0, " days"),
                  border=True, help="Median days from created to closed, over won deals.")
        d2.metric("Median cycle, no partner", number(data["median_cycle_days_no_partner"], 0, " days"),
                  border=True)

st.subheader("Before vs after joining a cohort")
before, after = data["win_rate_before_joining"], data["win_rate_after_joining"]
b1, b2 = st.columns(2)
rate_tile(b1, "180 days before joining", before, "Members' won / closed deals in the 180 days before they joined.")
rate_tile(b2, "180 days after joining", after, "Members' won / closed deals in the 180 days from joining.")
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
    download_table(shown, "win-rates-by-cohort", key="wr_cohorts", column_config={
        "Win rate with partner": st.column_config.NumberColumn(format="percent"),
        "Win rate without": st.column_config.NumberColumn(format="percent")})
    st.caption("Rates over fewer than 10 deals are too few to compare; check the closed counts.")
