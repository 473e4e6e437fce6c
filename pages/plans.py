"""Plans: every campaign, test or program with what we hope to learn; which ended without a post-mortem."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.auth import guard
from dashboard.components import download_table
from dashboard.formatting import count
from dashboard.services import postmortems
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

actor = guard(__file__)
store = get_store()
today = app_today()
st.caption("Write the learning goal before you start. A plan that ended without a post-mortem for 14 days is overdue.")

plans = postmortems.list_plans(store, today)
overdue = plans[plans["overdue"]]
if not overdue.empty:
    st.warning(f"{count(len(overdue), 'plan')} ended more than 14 days ago with no post-mortem.", icon=":material/schedule:")
    for r in overdue.head(10).itertuples():
        c1, c2 = st.columns([4, 1])
        c1.text(f"{r.name} · ended {r.ends_on:%d %b %Y} · {r.owner}")
        c2.page_link("pages/postmortem.py", label="Start post-mortem", query_params={"plan": r.plan_id})

sections = postmortems.sections(store)
labels = dict(zip(sections["section_id"], sections["label"], strict=True))
owner_names = postmortems.marketing_people(store)

with st.expander("New plan", expanded=plans.empty), st.form("plan_new"):
    name = st.text_input("Name", key="plan_name")
    c1, c2 = st.columns(2)
    section = c1.selectbox("Section", list(labels), format_func=labels.__getitem__, key="plan_section")
    owner = c2.selectbox("Owner", list(owner_names), format_func=lambda v: owner_names[v], key="plan_owner")
    c3, c4 = st.columns(2)
    starts = c3.date_input("Starts", value=today, key="plan_starts", format="YYYY-MM-DD")
    ends = c4.date_input("Ends", value=today + dt.timedelta(days=30), key="plan_ends", format="YYYY-MM-DD")
    goal = st.text_area("What do we hope to learn?", key="plan_goal", placeholder="We hope to learn whether ...")
    if st.form_submit_button("Create plan", type="primary"):
        try:
            postmortems.save_plan(store, actor, {"name": name, "section": section, "owner_id": owner, "starts_on": starts,
                                          "ends_on": ends, "learning_goal": goal})
        except InvalidData as exc:
            for p in exc.problems:
                st.error(f"{p.field.replace('_', ' ').capitalize()} {p.message}.")
        else:
            st.success("Plan created.")

with st.expander("Edit a plan"):
    edit_id = st.selectbox("Plan", [None, *plans["plan_id"]], key="plan_edit_pick",
                           format_func=lambda v: "choose a plan" if v is None else
                           str(plans.loc[plans["plan_id"] == v, "name"].iloc[0]))
    if edit_id:
        cur = plans[plans["plan_id"] == edit_id].iloc[0]
        with st.form(f"plan_edit_{edit_id}"):
            e_name = st.text_input("Name", value=str(cur["name"]), key="plan_edit_name")
            c1, c2 = st.columns(2)
            sec_ids = list(labels)
            e_section = c1.selectbox("Section", sec_ids, index=sec_ids.index(cur["section"]) if cur["section"] in sec_ids
                                     else 0, format_func=labels.__getitem__, key="plan_edit_section")
            own_ids = list(owner_names)
            e_owner = c2.selectbox("Owner", own_ids, index=own_ids.index(cur["owner_id"]) if cur["owner_id"] in own_ids
                                   else 0, format_func=lambda v: owner_names[v], key="plan_edit_owner")
            c3, c4 = st.columns(2)
            e_starts = c3.date_input("Starts", value=cur["starts_on"], key="plan_edit_starts", format="YYYY-MM-DD")
            e_ends = c4.date_input("Ends", value=cur["ends_on"], key="plan_edit_ends", format="YYYY-MM-DD")
            e_goal = st.text_area("What do we hope to learn?", value=str(cur["learning_goal"]), key="plan_edit_goal")
            if st.form_submit_button("Save plan", type="primary", key="plan_edit_save"):
                try:
                    postmortems.save_plan(store, actor, {
                        "name": e_name, "section": e_section, "owner_id": e_owner, "starts_on": e_starts,
                        "ends_on": e_ends, "learning_goal": e_goal,
                        "cohort_id": cur["cohort_id"] if isinstance(cur["cohort_id"], str) else None}, plan_id=edit_id)
                except InvalidData as exc:
                    for p in exc.problems:
                        st.error(f"{p.field.replace('_', ' ').capitalize()} {p.message}.")
                else:
                    st.success("Plan saved.")

st.subheader("All plans")
shown = plans[["plan_id", "name", "section_label", "owner", "starts_on", "ends_on", "lessons",
               "ended_without_postmortem", "overdue"]].rename(columns={
    "plan_id": "Id", "name": "Plan", "section_label": "Section", "owner": "Owner", "starts_on": "Starts",
    "ends_on": "Ends", "lessons": "Post-mortems", "ended_without_postmortem": "Ended without one",
    "overdue": "Overdue"})
download_table(shown, "plans", key="plans")
pick = st.selectbox("Start a post-mortem from a plan", [None, *plans["plan_id"]], key="plan_pick",
                    format_func=lambda v: "choose a plan" if v is None else
                    str(plans.loc[plans["plan_id"] == v, "name"].iloc[0]))
if pick:
    st.page_link("pages/postmortem.py", label="Start post-mortem", query_params={"plan": pick},
                 icon=":material/edit_note:")
