"""Follow-up actions across all lessons: who owes what, what is overdue; mark them done."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.loaders import clear_analytics
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer import book
from data_layer.errors import InvalidData

actor = guard("editor")
store = get_store()
today = app_today()
st.title("Follow-up actions")

sections = book.sections(store)
labels = dict(zip(sections["section_id"], sections["label"], strict=True))
owners = store.query_df("SELECT DISTINCT a.owner_id, coalesce(p.name, a.owner_id) AS name FROM actions a "
                        "LEFT JOIN people p ON p.person_id = a.owner_id ORDER BY name")
owner_names = dict(zip(owners["owner_id"], owners["name"], strict=True))
c1, c2, c3, c4 = st.columns(4)
owner = c1.selectbox("Owner", [None, *owner_names], key="act_owner",
                     format_func=lambda v: "everyone" if v is None else owner_names[v])
section = c2.selectbox("Section", [None, *labels], key="act_section",
                       format_func=lambda v: "all" if v is None else labels[v])
overdue_only = c3.toggle("Overdue only", key="act_overdue")
open_only = c4.toggle("Open only", key="act_open", value=True)
frame = book.list_actions(store, today, owner_id=owner, section=section, overdue_only=overdue_only,
                          open_only=open_only)
if frame.empty:
    empty("No follow-up actions match.")
    st.stop()
st.caption(f"{int(frame['overdue'].sum()):,} overdue of {len(frame):,} shown.")
download_table(frame[["action_id", "description", "owner", "due_on", "done_on", "overdue", "lesson"]].rename(columns={
    "action_id": "Id", "description": "What", "owner": "Owner", "due_on": "Due", "done_on": "Done",
    "overdue": "Overdue", "lesson": "Lesson"}), "follow-up-actions", key="actions",
    column_config={"Due": st.column_config.DateColumn(format="YYYY-MM-DD"),
                   "Done": st.column_config.DateColumn(format="YYYY-MM-DD")})

with st.form("act_done"):
    open_ids = list(frame.loc[frame["done_on"].isna(), "action_id"])
    pick = st.selectbox("Mark done", open_ids, key="act_pick",
                        format_func=lambda v: str(frame.loc[frame["action_id"] == v, "description"].iloc[0]))
    day = st.date_input("Done on", value=today, key="act_day", format="YYYY-MM-DD")
    if st.form_submit_button("Mark done", type="primary", disabled=not open_ids, key="act_done_btn"):
        try:
            book.mark_action_done(store, actor, pick, day)
        except InvalidData as exc:
            st.error(str(exc))
        else:
            clear_analytics()
            st.success("Marked done.")
            st.rerun()
