"""Barriers and readiness: what holds members back, and whether it shrinks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.chart_speed import unvalidated
from dashboard.components import download_table, empty, metric_tile, no_data_guard
from dashboard.filter_bar import describe, filter_bar
from dashboard.formatting import percent
from dashboard.loaders import cohort_names, has_any_data, page_data
from data_layer.domain.vocabulary import ASSESSMENT_KIND_LABELS, BARRIERS

guard(__file__)
no_data_guard(has_any_data())
filt = filter_bar("barriers")
data = page_data("barriers", filt)  # everything this page shows, in one statement
st.caption(describe(filt, cohort_names()))

prevalence = data["barrier_prevalence"]
assessed = next(iter(prevalence.values())).denominator if prevalence else 0
if assessed == 0:
    empty("No member in this selection has an assessment on or before the end of the window.")
    st.stop()

c1, c2, c3 = st.columns(3)
for column, name in zip((c1, c2, c3), ("readiness", "readiness_lift", "barriers_resolved_rate"), strict=True):
    metric_tile(column, name, data[name])
resolved = data["barriers_resolved_rate"]
c3.caption(f"{resolved.numerator:,} of {resolved.denominator:,} baseline barriers" if resolved.denominator
           else "no member has a baseline and a later follow-up yet")

left, right = st.columns(2)
with left:
    st.subheader("Prevalence")
    frame = pd.DataFrame([{"barrier": BARRIERS.get(code, code), "share": rate.value, "citing": rate.numerator}
                          for code, rate in prevalence.items()])
    st.altair_chart(unvalidated(charts.barrier_chart(frame)), width="stretch")
    st.caption(f"Share of the {assessed:,} members with an assessment whose latest one cites the barrier.")
with right:
    st.subheader("Baseline vs follow-up")
    pairs = data["barrier_baseline_vs_follow_up"]
    if resolved.denominator == 0:
        empty("No member has a baseline and a later follow-up in this selection.")
    else:
        rows = []
        for code, before, after in pairs:
            rows.append({"barrier": BARRIERS.get(code, code), "when": "baseline", "members": before})
            rows.append({"barrier": BARRIERS.get(code, code), "when": "follow-up", "members": after})
        st.altair_chart(unvalidated(charts.baseline_follow_chart(pd.DataFrame(rows))), width="stretch")
        st.caption(f"Members with both: resolved rate {percent(resolved.value)}.")

st.subheader("By cohort")
heat = data["barrier_prevalence_by_cohort"]
if heat.empty:
    empty("No cohort has assessed members in this selection.")
else:
    st.altair_chart(unvalidated(charts.barrier_heatmap(heat)), width="stretch")

st.subheader("Readiness by dimension")
dims = data["readiness_by_dimension"]
left, right = st.columns([3, 2])
left.altair_chart(unvalidated(charts.readiness_chart(dims)), width="stretch")
with right:
    download_table(dims[["label", "readiness", "lift"]].rename(
        columns={"label": "Dimension", "readiness": "Readiness", "lift": "Lift"}), "readiness-by-dimension",
        key="dims", metrics={"Readiness": "readiness", "Lift": "readiness_lift"})

st.subheader("In their words")
notes = data["barrier_notes"]
if notes.empty:
    empty("No free-text notes on the latest assessments in this selection.")
else:
    notes = notes.assign(kind=notes["kind"].map(lambda k: ASSESSMENT_KIND_LABELS.get(k, k)))
    download_table(notes.rename(columns={"taken_at": "Taken", "name": "Member", "team": "Team", "kind": "Kind",
                                         "barriers": "Barriers", "note": "Note"}), "barrier-notes", key="notes")
