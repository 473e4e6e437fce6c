"""Log a post-mortem: a form that saves as you write and never loses a word.

Not an st.form on purpose: every field saves to the server when it changes (on_change),
so a refresh, a lost connection or a new sign-in brings the text back. Problems are shown
under their field and the form keeps everything typed. A submit token makes a double
click or a resubmitted form create one lesson.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.loaders import clear_analytics
from dashboard.safe_text import as_markdown
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer import book, library
from data_layer.auth import NotPermitted
from data_layer.errors import InvalidData
from data_layer.templates import template
from data_layer.vocabulary import OUTCOMES

actor = guard("editor")
store = get_store()

editing = st.query_params.get("lesson")
from_plan = st.query_params.get("plan")
form_key = f"lesson:{editing}" if editing else "new"
FIELDS = ("title", "plan", "section", "date", "goal", "happened", "outcome", "lessons", "recs", "tags", "cohort")

sections = book.sections(store)
section_labels = dict(zip(sections["section_id"], sections["label"], strict=True))
plans = store.query_df("SELECT plan_id, name, section, learning_goal, cohort_id, ends_on FROM plans "
                       "ORDER BY ends_on DESC LIMIT 500")
cohorts = store.query_df("SELECT cohort_id, name FROM cohorts ORDER BY start_date DESC")
cohort_names = dict(zip(cohorts["cohort_id"], cohorts["name"], strict=True))
plan_names = dict(zip(plans["plan_id"], plans["name"], strict=True))
people = store.query_df("SELECT person_id, name FROM people WHERE role IN ('marketer', 'partner manager') "
                        "OR person_id IN (SELECT owner_id FROM sections) ORDER BY name LIMIT 2000")
owner_options = [f"{r.name} ({r.person_id})" for r in people.itertuples()]


def _k(name: str) -> str:
    return f"form_{name}"


def _payload() -> dict[str, Any]:
    data = {name: st.session_state.get(_k(name)) for name in FIELDS}
    actions = st.session_state.get("form_actions_rows")
    data["actions"] = actions if isinstance(actions, list) else []
    return data


def _autosave() -> None:
    """Save what is typed so far (called whenever a field changes)."""
    try:
        book.autosave(store, actor, form_key, _payload())
    except NotPermitted:
        # Rights ended (account disabled or demoted) since the page loaded: nothing is written.
        st.session_state["form_not_saved"] = "Your account may no longer write here; nothing was saved."
        return
    st.session_state["form_saved_at"] = dt.datetime.now()


def _set_action_rows(rows: list[dict[str, Any]]) -> None:
    """Replace the actions: the editor gets a new base and a fresh key (its edits are relative to its base)."""
    st.session_state["form_actions_rows"] = rows
    st.session_state["form_actions_base"] = list(rows)
    st.session_state["form_actions_gen"] = st.session_state.get("form_actions_gen", 0) + 1


def _load(values: dict[str, Any]) -> None:
    for name in FIELDS:
        if name in values and values[name] is not None:
            value = values[name]
            if name == "date" and isinstance(value, str):
                value = dt.date.fromisoformat(value[:10])
            st.session_state[_k(name)] = value
    _set_action_rows(values.get("actions") or [])


def _owner_label(owner_id: str) -> str | None:
    return next((o for o in owner_options if o.endswith(f"({owner_id})")), owner_id or None)


# --- first render of this form in this session: restore, edit, or start from a plan -------
if st.session_state.get("form_key") != form_key:
    for name in FIELDS:
        st.session_state.pop(_k(name), None)
    st.session_state.pop("form_problems", None)
    st.session_state["form_key"] = form_key
    st.session_state["form_token"] = uuid.uuid4().hex
    _set_action_rows([])
    restored = book.saved_draft(store, actor, form_key)
    if restored is not None:
        _load(restored[0])
        st.session_state["form_restored_at"] = restored[1]
    elif editing:
        row = book.lesson(store, editing)
        if row is None:
            st.error("That lesson does not exist.")
            st.stop()
        acts = book.actions_of(store, editing)
        _load({"title": row["title"], "plan": row["plan_id"] if isinstance(row["plan_id"], str) else None,
               "section": row["section"], "date": pd.Timestamp(row["occurred_on"]).date(),
               "goal": row["learning_goal"] or "", "happened": row["what_happened"] or "",
               "outcome": row["outcome"] if isinstance(row["outcome"], str) else None,
               "lessons": row["lessons"] or "", "recs": row["recommendations"] or "",
               "tags": ", ".join(row["tags"] if row["tags"] is not None else []),
               "cohort": row["cohort_id"] if isinstance(row["cohort_id"], str) else None,
               "actions": [{"action_id": a.action_id, "description": a.description, "owner": _owner_label(a.owner_id),
                            "due_on": str(a.due_on)[:10], "done_on": None if pd.isna(a.done_on) else str(a.done_on)[:10]}
                           for a in acts.itertuples()]})
    elif from_plan and from_plan in plan_names:
        p = plans[plans["plan_id"] == from_plan].iloc[0]
        _load({"title": f"Post-mortem: {p['name']}", "plan": from_plan, "section": p["section"],
               "date": pd.Timestamp(p["ends_on"]).date(), "goal": p["learning_goal"],
               "cohort": p["cohort_id"] if isinstance(p["cohort_id"], str) else None})

st.title("Edit post-mortem" if editing else "Log a post-mortem")
problems: dict[str, str] = st.session_state.get("form_problems", {})


def show_problem(*names: str) -> None:
    """The sentence for a field's problem, right under it."""
    for name in names:
        if name in problems:
            st.error(problems[name], icon=":material/error:")


if "form_restored_at" in st.session_state:
    c1, c2 = st.columns([4, 1])
    c1.info(f"Restored what you were writing (saved {st.session_state['form_restored_at']:%d %b %H:%M} UTC). "
            "It is not a post-mortem until you save it.", icon=":material/restore:")
    if c2.button("Discard it", key="form_discard"):
        book.discard_draft(store, actor, form_key)
        for key in [k for k in st.session_state if str(k).startswith("form_")]:
            del st.session_state[key]
        st.rerun()

form_col, side_col = st.columns([3, 2], gap="large")
with form_col:
    st.text_input("Title", key=_k("title"), on_change=_autosave, max_chars=300)
    show_problem("title")
    c1, c2 = st.columns(2)
    c1.selectbox("Plan it reviews (optional)", [None, *plan_names], key=_k("plan"), on_change=_autosave,
                 format_func=lambda v: "none" if v is None else plan_names.get(v, v))
    with c1:
        show_problem("plan_id")
    c2.selectbox("Section", [None, *section_labels], key=_k("section"), on_change=_autosave,
                 format_func=lambda v: "choose a section" if v is None else section_labels.get(v, v))
    with c2:
        show_problem("section")
    c1, c2, c3 = st.columns(3)
    if _k("date") not in st.session_state:
        st.session_state[_k("date")] = app_today()
    c1.date_input("Date of the activity", key=_k("date"), on_change=_autosave, format="YYYY-MM-DD")
    with c1:
        show_problem("occurred_on")
    c2.selectbox("Outcome", [None, *OUTCOMES], key=_k("outcome"), on_change=_autosave,
                 format_func=lambda v: "not decided yet" if v is None else v,
                 help="Flops are welcome: a published flop saves the next team the same mistake.")
    with c2:
        show_problem("outcome")
    c3.selectbox("Cohort (optional)", [None, *cohort_names], key=_k("cohort"), on_change=_autosave,
                 format_func=lambda v: "none" if v is None else cohort_names.get(v, v))
    tpl = template(st.session_state.get(_k("section")) or "")
    st.caption(tpl["help"])
    for name, label, field in (("goal", "What did we hope to learn?", "learning_goal"),
                               ("happened", "What happened?", "what_happened"),
                               ("lessons", "Lessons", "lessons"),
                               ("recs", "Recommendations", "recommendations")):
        st.text_area(label, key=_k(name), on_change=_autosave, placeholder=tpl[field], height=110, max_chars=20_000)
        show_problem(field)
    if st.button("Fill empty fields with the section's starter text", key="form_starter"):
        for name, field in (("goal", "learning_goal"), ("happened", "what_happened"), ("lessons", "lessons"),
                            ("recs", "recommendations")):
            if not (st.session_state.get(_k(name)) or "").strip():
                st.session_state[_k(name)] = tpl[field]
        _autosave()
        st.rerun()
    st.text_input("Tags (comma separated)", key=_k("tags"), on_change=_autosave, placeholder="co-sell, webinar")
    show_problem("tags")

    st.subheader("Follow-up actions")
    with st.form("form_add_action", clear_on_submit=True, border=False):
        a1, a2, a3, a4 = st.columns([4, 3, 2, 1], vertical_alignment="bottom")
        new_desc = a1.text_input("Action", key="form_new_desc", placeholder="What needs doing")
        new_owner = a2.selectbox("Owner", owner_options, index=None, key="form_new_owner", placeholder="Who")
        new_due = a3.date_input("Due", value=None, key="form_new_due", format="YYYY-MM-DD")
        if a4.form_submit_button("Add", icon=":material/add:", key="form_add_btn"):
            if not (new_desc or "").strip() or not new_owner or not new_due:
                st.error("An action needs what, who and a due date.")
            else:
                _set_action_rows([*st.session_state.get("form_actions_rows", []),
                                  {"action_id": "", "description": new_desc.strip(), "owner": new_owner,
                                   "due_on": str(new_due), "done_on": None}])
                _autosave()
    rows = pd.DataFrame(st.session_state.get("form_actions_base") or [],
                        columns=["action_id", "description", "owner", "due_on", "done_on"])
    rows["due_on"] = pd.to_datetime(rows["due_on"], errors="coerce").dt.date
    rows["done_on"] = pd.to_datetime(rows["done_on"], errors="coerce").dt.date
    edited = st.data_editor(
        rows, key=f"form_actions_{st.session_state.get('form_actions_gen', 0)}", num_rows="dynamic",
        hide_index=True, width="stretch",
        column_order=["description", "owner", "due_on", "done_on"],
        column_config={
            "description": st.column_config.TextColumn("What", required=True, max_chars=1000),
            "owner": st.column_config.SelectboxColumn("Owner", options=owner_options, required=True),
            "due_on": st.column_config.DateColumn("Due", format="YYYY-MM-DD", required=True),
            "done_on": st.column_config.DateColumn("Done", format="YYYY-MM-DD"),
        },
    )
    current_rows = [
        {"action_id": r.get("action_id") if isinstance(r.get("action_id"), str) else "",
         "description": r.get("description") or "", "owner": r.get("owner"),
         "due_on": None if pd.isna(r.get("due_on")) else str(r.get("due_on"))[:10],
         "done_on": None if pd.isna(r.get("done_on")) else str(r.get("done_on"))[:10]}
        for r in edited.to_dict("records")
    ]
    if current_rows != st.session_state.get("form_actions_rows"):
        # The editor's output is the truth; its base stays as it was (see _set_action_rows).
        st.session_state["form_actions_rows"] = current_rows
        _autosave()
    if not current_rows:
        st.caption("No follow-up actions yet. Add them above; edit or delete them in the table.")
    for key, message in problems.items():
        if key.startswith("actions."):
            st.error(f"Action {key.split('.')[1]}, {key.split('.')[2].replace('_id', '').replace('_', ' ')}: {message}")

    if "form_saved_at" in st.session_state:
        st.caption(f"Saved as you type · last at {st.session_state['form_saved_at']:%H:%M:%S}")
    b1, b2 = st.columns(2)
    save = b1.button("Save draft", type="secondary", key="form_save", icon=":material/save:")
    submit = b2.button("Save and submit for review", type="primary", key="form_submit", icon=":material/send:")

with side_col:
    st.subheader("Related lessons")
    tags_text = st.session_state.get(_k("tags")) or ""
    text = " ".join(str(st.session_state.get(_k(n)) or "") for n in ("title", "goal"))
    related = library.related(store, st.session_state.get(_k("section")),
                              [t.strip() for t in tags_text.split(",")], text, exclude=editing)
    if related.empty:
        st.caption("Nothing close yet. Pick a section, add tags or a title, and lessons others learned appear here.")
    for r in related.itertuples():
        with st.container(border=True):
            st.markdown(f"**{as_markdown(r.title)}**  \n{as_markdown(r.outcome)} · {r.published_on:%d %b %Y}")
            if isinstance(r.lessons, str):
                st.caption(as_markdown(r.lessons[:240]))
            st.page_link("pages/lesson.py", label="Open", query_params={"lesson": r.lesson_id},
                         icon=":material/open_in_new:")


def _input() -> book.LessonInput:
    tags = [t.strip() for t in str(st.session_state.get(_k("tags")) or "").split(",") if t.strip()]
    actions = [book.ActionInput(description=r["description"],
                                owner_id=(r["owner"] or "").rsplit("(", 1)[-1].rstrip(")") if r["owner"] else "",
                                due_on=r["due_on"], action_id=r["action_id"], done_on=r["done_on"])
               for r in st.session_state.get("form_actions_rows") or []]
    return book.LessonInput(
        title=st.session_state.get(_k("title")) or "", section=st.session_state.get(_k("section")) or "",
        occurred_on=st.session_state.get(_k("date")), plan_id=st.session_state.get(_k("plan")),
        learning_goal=st.session_state.get(_k("goal")) or "", what_happened=st.session_state.get(_k("happened")) or "",
        outcome=st.session_state.get(_k("outcome")), lessons=st.session_state.get(_k("lessons")) or "",
        recommendations=st.session_state.get(_k("recs")) or "", tags=tags,
        cohort_id=st.session_state.get(_k("cohort")), actions=actions)


if save or submit:
    _autosave()  # a failed submit keeps everything, on the server too
    try:
        lesson_id = book.save_lesson(store, actor, _input(), lesson_id=editing,
                                     token=None if editing else st.session_state["form_token"])
        if submit:
            book.transition(store, actor, lesson_id, "in_review")
    except InvalidData as exc:
        # The lesson may exist already (saved, then review refused): keep editing that one.
        st.session_state["form_problems"] = {p.field: f"{p.field.replace('_', ' ').capitalize()} {p.message}."
                                             for p in exc.problems}
        st.rerun()
    else:
        book.discard_draft(store, actor, form_key)
        for key in [k for k in st.session_state if str(k).startswith("form_")]:
            del st.session_state[key]
        clear_analytics()
        st.switch_page("pages/lesson.py", query_params={"lesson": lesson_id, "saved": "1"})
