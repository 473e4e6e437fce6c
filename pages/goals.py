"""Goals: where the program is heading, for everyone to see; editors and admins set and retire them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.acting_view import clear_goals, goal_progress
from dashboard.auth import guard
from dashboard.components import empty
from dashboard.loaders import cohort_choices, cohort_names
from dashboard.safe_text import as_markdown
from dashboard.services import REGISTRY, goals
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData, LearningCultureError

actor = guard(__file__)
st.caption("A goal is a value for one number by a day, for all cohorts, some cohorts or a program. Each is "
           "measured over its window of days ending today and compared with a straight path from where it stood "
           "when it was set: on track when at or beyond that path. The Overview draws the goal on its tile when "
           "the view shows exactly the goal's cohorts.")
store = get_store()
today = app_today()
names = cohort_names()
DONE = "goals_done"
if DONE in st.session_state:
    st.success(as_markdown(st.session_state.pop(DONE)), icon=":material/check_circle:")

progress = goal_progress(today)
listing = goals.listing(store).set_index("goal_id") if progress else pd.DataFrame()
if not progress:
    empty("No goals yet." + (" Set the first one below." if actor.can("editor") else ""))
else:
    rows = []
    for p in progress:
        goal = listing.loc[p.goal_id]
        unit = REGISTRY[p.metric].unit
        scope = goal["program"] or ", ".join(names.get(c, c) for c in goal["cohorts"]) or "all cohorts"
        rows.append({"Goal": f"{REGISTRY[p.metric].label} {goals.DIRECTIONS[p.direction]} {unit.text(p.target)}",
                     "For": scope, "By": p.due_on, "Started at": unit.text(goal["start_value"]),
                     "Now": unit.text(p.value), "Path today": unit.text(p.expected), "State": p.state,
                     "Progress": None if p.progress is None else round(p.progress * 100)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "By": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Progress": st.column_config.NumberColumn("Progress (% of the way)", format="%d%%")})

if not actor.can("editor"):
    st.stop()
st.subheader("Set a goal")
numbers = goals.goal_metrics()
with st.form("new_goal"):
    c1, c2, c3 = st.columns(3)
    metric = c1.selectbox("Number", numbers, key="gl_metric", format_func=lambda m: REGISTRY[m].label)
    direction = c2.selectbox("Aim", list(goals.DIRECTIONS), key="gl_dir", format_func=goals.DIRECTIONS.get)
    target = c3.number_input("Value (% for rates)", value=80.0, step=1.0, key="gl_target")
    c4, c5 = st.columns(2)
    due_on = c4.date_input("By", value=today + dt.timedelta(days=90), key="gl_due")
    window = c5.number_input("Measured over the last (days)", 1, 366, goals.DEFAULT_WINDOW_DAYS, key="gl_window")
    scope = st.radio("For", ["All cohorts", "Some cohorts", "A program"], horizontal=True, key="gl_scope")
    cohorts = st.multiselect("Cohorts (for some cohorts)", list(names), key="gl_cohorts", format_func=names.get)
    programs = sorted(set(cohort_choices()["program"].dropna()))
    program = st.selectbox("Program (for a program)", programs, key="gl_program", index=None)
    if st.form_submit_button("Set the goal", type="primary"):
        value = target / 100 if REGISTRY[metric].unit.fraction else target
        try:
            goals.create(store, actor, metric=metric, target=value, due_on=due_on, direction=direction,
                         cohorts=tuple(cohorts) if scope == "Some cohorts" else (),
                         program=(program or "") if scope == "A program" else None, window_days=int(window),
                         today=today)
        except InvalidData as exc:
            st.error(as_markdown(" ".join(p.sentence for p in exc.problems)))
        else:
            clear_goals()
            st.session_state[DONE] = f"Goal on {REGISTRY[metric].label} set."
            st.rerun()

if progress:
    st.subheader("Retire a goal")
    labels = {p.goal_id: f"{REGISTRY[p.metric].label} by {p.due_on:%d %b %Y}" for p in progress}
    gone = st.selectbox("Goal", list(labels), key="gl_retire", format_func=labels.get)
    if st.button("Retire it", key="gl_retire_btn"):
        try:
            goals.retire(store, actor, gone)
        except LearningCultureError as exc:
            st.error(as_markdown(str(exc)))
        else:
            clear_goals()
            st.session_state[DONE] = "Goal retired."
            st.rerun()
