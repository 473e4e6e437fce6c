"""Overview: the headline numbers of the learning programs."""

from __future__ import annotations

import streamlit as st

from dashboard.formatting import deal_rate_caption, percent, rate_text
from dashboard.loaders import has_any_data, overview_numbers
from dashboard.settings import app_today
from data_layer.filters import Filter

st.title("Overview")

if not has_any_data():
    st.info(
        "No cohort data yet. Load the demo with `learning-culture demo`, "
        "or import your files with `learning-culture import FOLDER`."
    )
    st.stop()

filt = Filter.last_days(90, today=app_today())
st.caption(f"All cohorts · last 90 days ({filt.date_from:%d %b %Y} – {filt.date_to:%d %b %Y})")

kpi = overview_numbers(filt)
cols = st.columns(5)
cols[0].metric("Members", f"{kpi.members:,}", border=True,
               help="People with a membership in a cohort overlapping the window.")
cols[1].metric("Assessed", rate_text(kpi.assessed_rate), border=True,
               help="Members with a readiness assessment taken on or before the end of the window.")
cols[2].metric("Win rate with partner", percent(kpi.win_rate_partner.value), border=True,
               help="Won / closed deals with a partner sourcing or influencing them, closed in the window.")
cols[2].caption(deal_rate_caption(kpi.win_rate_partner))
cols[3].metric("Win rate without partner", percent(kpi.win_rate_no_partner.value), border=True,
               help="Won / closed deals with no partner involvement, closed in the window.")
cols[3].caption(deal_rate_caption(kpi.win_rate_no_partner))
cols[4].metric("Lessons published", f"{kpi.lessons_published:,}", border=True,
               help="Post-mortems published in the window.")
