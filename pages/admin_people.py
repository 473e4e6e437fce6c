"""Admin → Cohorts & people: create and edit cohorts, add and remove members, edit people."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import guard
from dashboard.components import download_table
from dashboard.loaders import clear_analytics
from dashboard.services import admin
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

actor = guard(__file__)
store = get_store()
today = app_today()
if "adm_flash" in st.session_state:
    st.success(st.session_state.pop("adm_flash"))


def attempt(done: str, fn: object, *args: object) -> bool:
    """Run one admin write; say what happened in a sentence."""
    try:
        fn(store, actor, *args)  # type: ignore[operator]
    except InvalidData as exc:
        for p in exc.problems or []:
            st.error(f"{p.field.replace('_', ' ').capitalize()} {p.message}.")
        if not exc.problems:
            st.error(str(exc))
        return False
    clear_analytics()
    # Rerun so every list on the page shows the change; the confirmation survives the rerun.
    st.session_state["adm_flash"] = done
    st.rerun()
    return True


cohorts = admin.cohorts(store)
names = dict(zip(cohorts["cohort_id"], cohorts["name"], strict=True))
cohort_tab, people_tab = st.tabs(["Cohorts", "People"])

with cohort_tab:
    pick = st.selectbox("Cohort", [None, *names], key="adm_cohort",
                        format_func=lambda v: "a new cohort" if v is None else f"{names[v]} ({v})")
    cur = cohorts[cohorts["cohort_id"] == pick].iloc[0] if pick else None
    with st.form(f"adm_cohort_form_{pick}"):
        c1, c2, c3 = st.columns(3)
        cid = c1.text_input("Id", value=pick or "", disabled=pick is not None, key="adm_c_id")
        name = c2.text_input("Name", value="" if cur is None else str(cur["name"]), key="adm_c_name")
        program = c3.text_input("Program", value="" if cur is None else str(cur["program"]), key="adm_c_program")
        c4, c5, c6 = st.columns(3)
        start = c4.date_input("Starts", value=today if cur is None else cur["start_date"], key="adm_c_start",
                              format="YYYY-MM-DD")
        end = c5.date_input("Ends (optional)", value=None if cur is None or cur["end_date"] is None
                            or str(cur["end_date"]) == "NaT" else cur["end_date"], key="adm_c_end", format="YYYY-MM-DD")
        channel = c6.text_input("Chat channel", value="" if cur is None or cur["channel"] is None else str(cur["channel"]),
                                key="adm_c_channel")
        facilitator = st.text_input("Facilitator (person id)", value="" if cur is None or cur["facilitator_id"] is None
                                    else str(cur["facilitator_id"]), key="adm_c_fac")
        if st.form_submit_button("Save cohort", type="primary"):
            attempt("Cohort saved.", admin.save_cohort, {
                "cohort_id": pick or cid, "name": name, "program": program, "start_date": start, "end_date": end,
                "facilitator_id": facilitator, "channel": channel})
    if pick:
        st.subheader("Members")
        # through the shared table: days as days, a member who has not left reads blank (not "None")
        download_table(admin.members_of(store, pick).rename(columns={
            "person_id": "Person", "name": "Name", "email": "Email", "team": "Team", "joined_on": "Joined",
            "left_on": "Left"}), f"members-{pick}", key="adm_members")
        query = st.text_input("Find people to add (name, email or id)", key="adm_find")
        found = admin.find_people(store, query, limit=50) if query.strip() else None
        if found is not None:
            if found.empty:
                st.caption("Nobody matches.")
            else:
                options = {r.person_id: f"{r.name} · {r.email} ({r.person_id})" for r in found.itertuples()}
                who = st.selectbox("Person", list(options), format_func=options.__getitem__, key="adm_add_who")
                joined = st.date_input("Joined on", value=today, key="adm_add_joined", format="YYYY-MM-DD")
                if st.button("Add to cohort", key="adm_add"):
                    attempt("Added.", admin.add_member, pick, who, joined)
        members = admin.members_of(store, pick)
        if not members.empty:
            options = {r.person_id: f"{r.name} ({r.person_id})" for r in members.itertuples()}
            who = st.selectbox("Member", list(options), format_func=options.__getitem__, key="adm_rm_who")
            c1, c2 = st.columns(2)
            left = c1.date_input("Left on", value=today, key="adm_left", format="YYYY-MM-DD")
            if c1.button("Mark as left", key="adm_leave"):
                attempt("Marked as left.", admin.remove_member, pick, who, left)
            if c2.button("Remove (added by mistake)", key="adm_remove"):
                attempt("Removed.", admin.remove_member, pick, who, None)

with people_tab:
    query = st.text_input("Find a person (name, email or id)", key="adm_person_find")
    found = admin.find_people(store, query, limit=50)
    options = {r.person_id: f"{r.name} · {r.email} ({r.person_id})" for r in found.itertuples()}
    pid = st.selectbox("Person", [None, *options], key="adm_person",
                       format_func=lambda v: "a new person" if v is None else options[v])
    cur = found[found["person_id"] == pid].iloc[0] if pid else None

    def val(col: str) -> str:
        return "" if cur is None or cur[col] is None or str(cur[col]) in ("nan", "None") else str(cur[col])

    with st.form(f"adm_person_form_{pid}"):
        c1, c2, c3 = st.columns(3)
        new_id = c1.text_input("Id", value=pid or "", disabled=pid is not None, key="adm_p_id")
        pname = c2.text_input("Name", value=val("name"), key="adm_p_name")
        email = c3.text_input("Email", value=val("email"), key="adm_p_email")
        c4, c5, c6, c7 = st.columns(4)
        role = c4.text_input("Role", value=val("role"), key="adm_p_role")
        team = c5.text_input("Team", value=val("team"), key="adm_p_team")
        region = c6.text_input("Region", value=val("region"), key="adm_p_region")
        manager = c7.text_input("Manager (person id)", value=val("manager_id"), key="adm_p_manager")
        if st.form_submit_button("Save person", type="primary"):
            attempt("Person saved.", admin.save_person, {
                "person_id": pid or new_id, "name": pname, "email": email, "role": role, "team": team,
                "region": region, "manager_id": manager})

st.divider()
st.subheader("Message text", help="The words of Slack messages and activity text, stored only for imports where an "
             "admin chose \"Import message text\". Purging deletes the words; the events and every count stay.")
stored = admin.stored_texts(store)
st.caption(f"{stored:,} message(s) have their words stored.")
if stored:
    with st.form("purge_texts"):
        c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
        before = c1.date_input("Only before (empty: all)", value=None, key="adm_purge_before")
        sure = c2.checkbox("I understand the words cannot be brought back", key="adm_purge_sure")
        if st.form_submit_button("Purge message text", type="primary", disabled=False):
            if not sure:
                st.error("Tick the box first: purged words cannot be brought back.")
            else:
                n = admin.purge_texts(store, actor, before)
                st.success(f"Deleted the words of {n:,} message(s).")
