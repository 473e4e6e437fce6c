"""A person's learning record: for reviews and one-to-ones. Who may read whose is decided in the data layer."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.formatting import deal_rate_caption
from dashboard.services import REGISTRY, NotPermitted, records
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.stats import AROUND_JOINING_DAYS

actor = guard(__file__)
store = get_store()
people = records.visible_people(store, actor)
if people.empty:
    empty("Your account is not linked to a person yet: a person's record opens for the account with the same "
          "email as in people.csv. Ask an admin to check your email there.")
    st.stop()
ids = list(people["person_id"])
# "Ada Bauer (you)", "Ben Okafor (reports to you)"; to an editor, who may read everyone, the team tells
# people apart ("Ada Bauer · Marketing"), never the role that lets them see it.
labels = {r.person_id: (f"{r.name} · {r.team}" if r.team else str(r.name)) if r.relation == "everyone (your role)"
          else f"{r.name} ({r.relation})" for r in people.itertuples()}
wanted = st.query_params.get("person")
if wanted is not None and wanted not in labels:
    # The same sentence whether or not the person exists: a URL reveals nothing.
    st.error("You may read your own learning record and those of people who report to you.")
    st.stop()
choice = st.selectbox("Person", ids, index=ids.index(wanted) if wanted in labels else 0, key="rec_person",
                      format_func=labels.get)
st.query_params["person"] = choice
try:
    rec = records.learning_record(store, actor, choice, app_today())
except NotPermitted as exc:
    st.error(str(exc))
    st.stop()

p = rec.person
# st.text and st.caption(..., text) never interpret the names as Markdown: people's text.
st.text(" · ".join(str(x) for x in (p["role"], p["team"], p["region"]) if x)
        + (f" · reports to {p['manager']}" if p.get("manager") else ""))
st.download_button("Download for a review (Markdown)", records.record_markdown(rec),
                   file_name=f"learning-record-{re.sub(r'[^A-Za-z0-9_-]+', '-', choice)}.md", mime="text/markdown",
                   icon=":material/download:", key="rec_md")

st.subheader("Cohorts")
if rec.cohorts.empty:
    empty("Not in a cohort yet.")
else:
    download_table(rec.cohorts[["cohort", "program", "joined_on", "left_on"]].rename(columns={
        "cohort": "Cohort", "program": "Program", "joined_on": "Joined", "left_on": "Left"}), "cohorts",
        key="rec_cohorts")

left, right = st.columns([3, 2])
with left:
    st.subheader("Readiness over time")
    if rec.readiness.empty:
        empty("No assessment yet.")
    else:
        st.altair_chart(charts.readiness_over_time_chart(rec.readiness), width="stretch")
with right:
    st.subheader("Barriers")
    st.markdown("**At baseline**")
    st.text(", ".join(rec.barriers_baseline) or "none named")
    st.markdown("**Now** (latest assessment)")
    st.text(", ".join(rec.barriers_now) or "none named")

st.subheader("Activity by month")
if rec.activity.empty:
    empty("No activity yet.")
else:
    st.altair_chart(charts.activity_chart(rec.activity.assign(verb=rec.activity["verb"].str.replace("_", " "))),
                    width="stretch")

left, right = st.columns(2)
with left:
    st.subheader(f"Wins shared ({len(rec.wins)})")
    if rec.wins.empty:
        empty("No win shared yet.")
    else:
        download_table(rec.wins.rename(columns={"occurred_at": "When", "cohort": "Cohort", "text": "Words"}),
                       "wins", key="rec_wins")
with right:
    st.subheader("Tools adopted")
    if rec.tools.empty:
        empty("No tool used yet.")
    else:
        download_table(rec.tools[["name", "first_used", "weeks_used", "uses"]].rename(columns={
            "name": "Tool", "first_used": "First used", "weeks_used": "Weeks used", "uses": "Uses"}), "tools",
            key="rec_tools")

st.subheader("Deals around joining")
if rec.joined_on is None:
    empty("Not in a cohort yet, so there is no before and after.")
else:
    c1, c2 = st.columns(2)
    for column, title, rate in ((c1, REGISTRY["win_rate_before_joining"].label, rec.deals_before),
                                (c2, REGISTRY["win_rate_after_joining"].label, rec.deals_after)):
        column.metric(title, REGISTRY["win_rate_before_joining"].unit.text(rate), border=True,  # the deal-rate unit
                      help="Won / closed (won or lost) deals this person owned, closed in the "
                           f"{AROUND_JOINING_DAYS} days before joining their first cohort ({rec.joined_on:%d %b %Y}), "
                           f"and in the {AROUND_JOINING_DAYS} days from it.")
        column.caption(deal_rate_caption(rate))

left, right = st.columns(2)
with left:
    st.subheader("Lessons written")
    if rec.lessons_written.empty:
        empty("No lesson written yet.")
    else:
        download_table(rec.lessons_written[["title", "section", "status", "outcome"]].rename(columns={
            "title": "Title", "section": "Section", "status": "Status", "outcome": "Outcome"}), "lessons-written",
            key="rec_lessons")
with right:
    st.subheader("Lessons applied")
    if rec.lessons_applied.empty:
        empty("No lesson marked as applied yet.")
    else:
        download_table(rec.lessons_applied[["title", "applied_at"]].rename(columns={
            "title": "Title", "applied_at": "Applied"}), "lessons-applied", key="rec_applied")

st.subheader("Follow-up actions")
if rec.actions.empty:
    empty("No follow-up action owned.")
else:
    done = int((rec.actions["state"] == "done").sum())
    st.caption(f"{done} of {len(rec.actions)} done.")
    download_table(pd.DataFrame(rec.actions[["description", "lesson", "due_on", "done_on", "state"]]).rename(columns={
        "description": "Action", "lesson": "Lesson", "due_on": "Due", "done_on": "Done", "state": "State"}),
        "actions", key="rec_actions")
