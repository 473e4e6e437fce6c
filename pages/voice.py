"""Cohort voice: the wins and frustrations cohorts share, and, where imported, their own words."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.chart_speed import unvalidated
from dashboard.components import download_table, empty, metric_tile, no_data_guard
from dashboard.definitions import definition
from dashboard.filter_bar import describe, filter_bar
from dashboard.loaders import cohort_names, has_any_data, page_data
from data_layer.domain.vocabulary import ASSESSMENT_KIND_LABELS, VOICE_LABELS

guard(__file__)
no_data_guard(has_any_data())
filt = filter_bar("voice")
data = page_data("voice", filt)  # everything this page shows, in one statement
st.caption(describe(filt, cohort_names()))

c1, c2, c3 = st.columns(3)
for column, name in zip((c1, c2, c3), ("wins_shared", "frustrations_shared", "frustration_share"), strict=True):
    metric_tile(column, name, data[name])
share = data["frustration_share"]
c3.caption(f"{share.numerator:,} of {share.denominator:,} shared" if share.denominator
           else "nothing shared in this window")

st.subheader("Wins and frustrations by cohort", help=definition("voice_by_cohort"))
by_cohort = data["voice_by_cohort"]
if by_cohort.empty:
    empty("No member shared a win or a frustration in this window.")
else:
    cohorts = list(dict.fromkeys(by_cohort["cohort"]))
    pick = st.selectbox("Cohort", cohorts, key="voice_cohort")
    one = by_cohort[by_cohort["cohort"] == pick]
    long = one.melt(id_vars=["month"], value_vars=["wins", "frustrations"], var_name="what", value_name="count")
    st.altair_chart(unvalidated(charts.voice_chart(long)), width="stretch")
    table = by_cohort.assign(month=by_cohort["month"].dt.strftime("%b %Y"))
    download_table(table[["cohort", "month", "wins", "frustrations", "frustration_share"]].rename(columns={
        "cohort": "Cohort", "month": "Month", "wins": "Wins", "frustrations": "Frustrations",
        "frustration_share": "Frustration share"}), "wins-and-frustrations", key="voice_table",
        metrics={"Frustration share": "frustration_share"})

st.subheader("In their words")
left, right = st.columns(2)
with left:
    st.markdown("**What they shared**", help=definition("voice_quotes"))
    quotes = data["voice_quotes"]
    if quotes.empty:
        empty("No words in this window. Message text is imported only when an admin chooses to (\"Import message "
              "text\" on the Import page); without it, only the count of wins and frustrations is known.")
    else:
        kinds = st.pills("Show", list(VOICE_LABELS.values()), selection_mode="multi",
                         default=list(VOICE_LABELS.values()), key="voice_kinds")
        quotes = quotes.assign(verb=quotes["verb"].map(VOICE_LABELS))
        quotes = quotes[quotes["verb"].isin(kinds or [])]
        download_table(quotes.rename(columns={"occurred_at": "When", "name": "Member", "cohort": "Cohort",
                                              "verb": "Kind", "about": "About", "text": "Words"}),
                       "in-their-words", key="voice_quotes")
with right:
    st.markdown("**Barriers they named**", help=definition("barrier_notes"))
    notes = data["barrier_notes"]
    if notes.empty:
        empty("No notes on the latest assessments in this selection.")
    else:
        notes = notes.assign(kind=notes["kind"].map(lambda k: ASSESSMENT_KIND_LABELS.get(k, k)))
        download_table(notes[["taken_at", "name", "barriers", "note"]].rename(
            columns={"taken_at": "Taken", "name": "Member", "barriers": "Barriers", "note": "Note"}),
            "barriers-named", key="voice_notes")
