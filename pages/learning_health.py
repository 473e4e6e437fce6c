"""Learning health: do we write things down, publish our flops, and follow through?"""

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
from dashboard.services import trend_notes
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

actor = guard(__file__)
no_data_guard(has_any_data())
filt = filter_bar("learning_health")
data = page_data("learning_health", filt)  # everything this page shows, in one statement
st.caption(describe(filt, cohort_names()))

published = data["lessons_published"]
flops = data["flop_share"]
coverage = data["postmortem_coverage"]
follow = data["action_followthrough"]
c1, c2, c4 = st.columns(3)
c3, c5 = st.columns(2)
for column, name in zip((c1, c2, c3, c4, c5), ("lessons_published", "flop_share", "postmortem_coverage",
                                               "contributors", "action_followthrough"), strict=True):
    metric_tile(column, name, data[name])
c3.caption(f"{coverage.numerator:,} of {count(coverage.denominator, 'plan')}" if coverage.denominator
           else "no plan ended in this window")
c5.caption(f"{follow.numerator:,} of {count(follow.denominator, 'action')}" if follow.denominator
           else "no action was due in this window")

left, right = st.columns([3, 2])
with left:
    st.subheader("Lessons published per month")
    by_month = data["lessons_by_month"]
    if by_month.empty:
        empty("No lessons were published in this window.")
    else:
        st.altair_chart(unvalidated(charts.with_markers(charts.lessons_chart(by_month), markers(filt), by_month=True)),
                        width="stretch")
with right:
    st.subheader("Flops worth celebrating")
    recent = data["recent_flops"]
    if recent.empty:
        empty("No flop was published in this window. Did everything really work?")
    else:
        for row in recent.itertuples():
            with st.container(border=True):
                # st.text never interprets Markdown or HTML: titles are people's words.
                st.text(f"{row.title}\n{row.author or 'unknown author'} · {row.published_on:%d %b %Y}")
                if row.lessons:
                    st.text(f"Lesson: {row.lessons}")

st.subheader("Overdue post-mortems")
overdue = data["overdue_postmortems"]
if not overdue:
    st.success("Every plan that ended more than 14 days ago has a post-mortem.")
else:
    st.caption(f"{count(len(overdue), 'plan')} ended more than 14 days ago with no post-mortem at all (any window).")
    section_labels = {s.section_id: s.label for s in data["section_freshness"]}
    frame = pd.DataFrame([{"Plan": p.name, "Section": section_labels.get(p.section, p.section), "Ended": p.ends_on,
                           "Owner": p.owner_name or p.owner_id, "Plan id": p.plan_id} for p in overdue])
    download_table(frame, "overdue-postmortems", key="overdue")

st.subheader("Section freshness")
fresh = data["section_freshness"]
frame = pd.DataFrame([{"Section": s.label, "Days since last lesson": s.days,
                       "Learner (owner)": s.owner_name or "no owner yet"} for s in fresh])
download_table(frame, "section-freshness", key="fresh", column_config={
    "Days since last lesson": st.column_config.NumberColumn(help="Blank: nothing published yet.")})
st.caption(f"Lessons published in this window with a flop outcome: {percent(flops.value)}.")

if actor.can("editor"):
    with st.expander("Add a note to the trend charts", icon=":material/push_pin:"):
        st.caption("A day and a few words (\"Pricing changed\", \"Partner summit\"): shown as a dashed line on the "
                   "trend charts of every page, beside cohort starts and published lessons.")
        with st.form("trend_note"):
            day = st.date_input("Day", value=filt.date_to, key="note_day")
            label = st.text_input("What happened", max_chars=80, key="note_label")
            if st.form_submit_button("Add the note"):
                try:
                    trend_notes.add(get_store(), actor, day, label)
                except InvalidData as exc:
                    for problem in exc.problems:
                        st.error(problem.sentence)
                else:
                    markers.clear()
                    st.success("Note added to the trend charts.")
