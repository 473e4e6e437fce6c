"""Follow-up actions across all lessons: who owes what, what is overdue; mark them done."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.loaders import clear_analytics
from dashboard.safe_text import as_markdown
from dashboard.services import postmortems
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

SHOWN = 50  # open actions with a Done button at once; the filters reach the others
DONE_MESSAGE = "act_message"


def mark_done(action_id: str, description: str, owner: str, lesson: str) -> None:
    """One click: the action is done on the chosen day, and the page says which one it was."""
    day = st.session_state.get("act_day") or app_today()
    try:
        postmortems.mark_action_done(get_store(), actor, action_id, day)
    except InvalidData as exc:
        st.session_state[DONE_MESSAGE] = ("error", str(exc), None)
    else:
        clear_analytics()
        st.session_state[DONE_MESSAGE] = (
            "success", f"Marked done on {day:%Y-%m-%d}: “{as_markdown(description)}” ({as_markdown(owner)}, "
                       f"lesson “{as_markdown(lesson)}”).", action_id)


def undo(action_id: str) -> None:
    try:
        postmortems.mark_action_done(get_store(), actor, action_id, None)
    except InvalidData as exc:
        st.session_state[DONE_MESSAGE] = ("error", str(exc), None)
    else:
        clear_analytics()
        st.session_state[DONE_MESSAGE] = ("info", "Reopened: it is open again.", None)


actor = guard(__file__)
store = get_store()
today = app_today()
if DONE_MESSAGE in st.session_state:
    kind, text, done_id = st.session_state.pop(DONE_MESSAGE)
    if kind == "success":
        box, again = st.columns([6, 1], vertical_alignment="center")
        box.success(text, icon=":material/check:")
        again.button("Undo", key="act_undo", on_click=undo, args=(done_id,), icon=":material/undo:")
    else:
        getattr(st, kind)(text)

sections = postmortems.sections(store)
labels = dict(zip(sections["section_id"], sections["label"], strict=True))
owner_names = postmortems.action_owners(store)
c1, c2, c3, c4 = st.columns(4)
owner = c1.selectbox("Owner", [None, *owner_names], key="act_owner",
                     format_func=lambda v: "everyone" if v is None else owner_names[v])
section = c2.selectbox("Section", [None, *labels], key="act_section",
                       format_func=lambda v: "all" if v is None else labels[v])
overdue_only = c3.toggle("Overdue only", key="act_overdue")
open_only = c4.toggle("Open only", key="act_open", value=True)
frame = postmortems.list_actions(store, today, owner_id=owner, section=section, overdue_only=overdue_only,
                          open_only=open_only)
if frame.empty:
    empty("No follow-up actions match.")
    st.stop()
st.caption(f"{int(frame['overdue'].sum()):,} overdue of {len(frame):,} shown.")

open_rows = frame[frame["done_on"].isna()]
if open_rows.empty:
    empty("Nothing open among these: every action shown is done.")
else:
    st.subheader("Open actions", anchor=False)
    day_column, note = st.columns([1, 3], vertical_alignment="bottom")
    day_column.date_input("Done on", value=today, key="act_day", format="YYYY-MM-DD",
                          help="The day the Done buttons record; today unless you are catching up.")
    if len(open_rows) > SHOWN:
        note.caption(f"The {SHOWN} due soonest of {len(open_rows):,} open; pick an owner or section to see others.")
    head = st.columns([4, 2, 2, 4, 1.5])
    for column, label in zip(head, ("What", "Owner", "Due", "Lesson", ""), strict=True):
        column.caption(label)
    for r in open_rows.head(SHOWN).itertuples():
        what, who, due, lesson, button = st.columns([4, 2, 2, 4, 1.5], vertical_alignment="center")
        what.markdown(as_markdown(r.description))
        who.markdown(as_markdown(r.owner))
        due.markdown(f"{pd.Timestamp(r.due_on):%Y-%m-%d}" + (" · :red[overdue]" if r.overdue else ""))
        lesson.page_link("pages/lesson.py", label=as_markdown(r.lesson), query_params={"lesson": r.lesson_id},
                         icon=":material/article:")
        button.button("Done", key=f"act_done_{r.action_id}", icon=":material/check:", on_click=mark_done,
                      args=(r.action_id, r.description, r.owner, r.lesson))

with st.expander("All shown, as a table (with done ones when “Open only” is off)", expanded=open_rows.empty):
    download_table(frame[["action_id", "description", "owner", "due_on", "done_on", "overdue", "lesson"]].rename(
        columns={"action_id": "Id", "description": "What", "owner": "Owner", "due_on": "Due", "done_on": "Done",
                 "overdue": "Overdue", "lesson": "Lesson"}), "follow-up-actions", key="actions",
        column_config={"Due": st.column_config.DateColumn(format="YYYY-MM-DD"),
                       "Done": st.column_config.DateColumn(format="YYYY-MM-DD")})
