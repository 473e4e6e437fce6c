"""Log a post-mortem: a form that saves every keystroke, writes to one lesson, and overwrites nobody.

- Each form writes to one lesson id from its first save to its submit (a new form takes a fresh
  id, kept in the URL as ?draft=L-…, so a refresh reopens exactly this form); a second window
  opening a new post-mortem gets an empty form and the list of drafts to resume.
- Every field saves to the server as it changes; text areas save about a second after the last
  keystroke without leaving the field (a small script on the page commits them, as Ctrl+Enter
  would), the title and tags save as you type (`live`). The caption says when the last save was.
- Each save carries the version it started from (data_layer/book/drafts.py): a field someone else
  changed meanwhile is not overwritten; both texts are shown and the person chooses.
- Not an st.form on purpose: every field saves on its own. Problems are shown under their field
  with the labels seen on the page; the form keeps everything typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import book_view
from dashboard.auth import guard
from dashboard.loaders import clear_analytics
from dashboard.safe_text import as_markdown
from dashboard.services import NotPermitted, book, drafts, library, template
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData
from data_layer.domain.vocabulary import OUTCOMES

actor = guard("editor")
store = get_store()

editing = st.query_params.get("lesson")
resume = st.query_params.get("draft")
from_plan = st.query_params.get("plan")
if not editing and not resume and "pm_new_key" not in st.session_state:
    st.session_state["pm_new_key"] = book.new_id("L")
# The lesson id this form writes to, from its first save to its submit.
form_key = str(editing or resume or st.session_state["pm_new_key"])

FIELDS = ("title", "plan", "section", "date", "goal", "happened", "outcome", "lessons", "recs", "tags", "cohort")
LABELS = {"title": "Title", "plan": "Plan it reviews", "section": "Section", "date": "Date of the activity",
          "goal": "What did we hope to learn?", "happened": "What happened?", "outcome": "Outcome",
          "lessons": "Lessons", "recs": "Recommendations", "tags": "Tags", "cohort": "Cohort",
          "actions": "Follow-up actions"}
# The lesson's field names (in messages from the data layer) -> the form's fields.
FIELD_OF = {"title": "title", "plan_id": "plan", "section": "section", "occurred_on": "date",
            "learning_goal": "goal", "what_happened": "happened", "outcome": "outcome", "lessons": "lessons",
            "recommendations": "recs", "tags": "tags", "cohort_id": "cohort"}

refs = book_view.form_choices(store)
section_labels, plan_names, cohort_names, owner_options = (refs.sections, refs.plans, refs.cohorts, refs.owners)


def _k(name: str) -> str:
    return f"form_{name}"


def _value(name: str) -> Any:
    """A field's value as saved (dates as ISO text, the actions as a list of rows)."""
    if name == "actions":
        rows = st.session_state.get("form_actions_rows")
        return rows if isinstance(rows, list) else []
    value = st.session_state.get(_k(name))
    return value.isoformat() if isinstance(value, dt.date) else value


def _save(*names: str) -> None:
    """Save these fields (called whenever one changes), from the version this window started from."""
    changes = {name: _value(name) for name in names}
    try:
        saved = drafts.save(store, actor, form_key, changes, st.session_state.get("pm_version", 0),
                            st.session_state.get("pm_base", {}))
    except NotPermitted:
        # Rights ended (account disabled or demoted) since the page loaded: nothing is written.
        st.session_state["pm_not_saved"] = "Your account may no longer write here; nothing was saved."
        return
    base = st.session_state.setdefault("pm_base", {})
    for name, value in changes.items():
        if name not in saved.conflicts:
            base[name] = value
    st.session_state["pm_version"] = saved.version
    st.session_state["pm_saved_at"] = saved.saved_at
    if saved.conflicts:
        st.session_state.setdefault("pm_conflicts", {}).update(saved.conflicts)
    if not editing and not resume:
        st.query_params["draft"] = form_key  # a refresh now reopens this very form


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


def _reset(new_key: str | None = None) -> None:
    for key in [k for k in st.session_state if str(k).startswith(("form_", "pm_"))]:
        del st.session_state[key]
    # Widgets keep what the browser shows unless told otherwise: empty each field explicitly.
    for name in FIELDS:
        st.session_state[_k(name)] = "" if name in ("title", "goal", "happened", "lessons", "recs", "tags") else None
    st.session_state[_k("date")] = app_today()
    if new_key:
        st.session_state["pm_new_key"] = new_key


# --- after a discard or a submit: an empty form with a fresh id (before any widget is drawn) ---
if "pm_start_over" in st.session_state:
    _reset(st.session_state["pm_start_over"])
    if not editing and not resume:
        form_key = st.session_state["pm_new_key"]

# --- the first render of this form in this window: restore, edit, or start from a plan -------
if st.session_state.get("pm_form") != form_key:
    _reset(st.session_state.get("pm_new_key"))
    st.session_state["pm_form"] = form_key
    _set_action_rows([])
    draft = drafts.load(store, form_key)
    start: dict[str, Any] = {}
    if editing:
        row = book.lesson(store, editing)
        if row is None:
            st.error("That lesson does not exist.")
            st.stop()
        start = book_view.lesson_as_form(store, row, owner_options)
    elif from_plan and from_plan in plan_names and draft is None:
        start = book_view.plan_as_form(store, from_plan)
    if draft is not None:
        start = {**start, **draft.payload}
        st.session_state["pm_restored_at"] = draft.saved_at
        st.session_state["pm_version"] = draft.version
    _load(start)
    st.session_state["pm_base"] = {name: _value(name) for name in (*FIELDS, "actions")} if draft or editing \
        else {}
    if draft is not None:
        st.session_state["pm_base"].update(draft.payload)

st.title("Edit post-mortem" if editing else "Log a post-mortem")
problems: dict[str, str] = st.session_state.get("pm_problems", {})
book_view.keystroke_saver()


def show_problem(*names: str) -> None:
    """The sentence for a field's problem, right under it."""
    for name in names:
        if name in problems:
            st.error(as_markdown(problems[name]), icon=":material/error:")


if not editing and not resume and "pm_version" not in st.session_state:
    mine = drafts.drafts_of(store, actor, book.author_of(store, actor))
    if not mine.empty:
        with st.expander(f"Your unfinished post-mortems ({len(mine)})", icon=":material/history_edu:"):
            st.caption("This is a new, empty post-mortem. To continue one you started, open it here.")
            for r in mine.head(20).itertuples():
                c1, c2 = st.columns([4, 1], vertical_alignment="center")
                c1.markdown(f"**{as_markdown(r.title)}** · {as_markdown(r.id)} · {as_markdown(r.status)} · "
                            f"saved {pd.Timestamp(r.saved):%d %b %Y %H:%M} UTC")
                with c2:
                    if r.status == "being written":
                        st.page_link("pages/postmortem.py", label="Resume", query_params={"draft": r.id},
                                     icon=":material/edit_note:")
                    else:
                        st.page_link("pages/postmortem.py", label="Edit", query_params={"lesson": r.id},
                                     icon=":material/edit:")

if "pm_restored_at" in st.session_state:
    st.info(f"Restored what was written in this form (last saved {st.session_state['pm_restored_at']:%d %b %H:%M:%S} "
            f"UTC). Its id is {form_key}.", icon=":material/restore:")
if "pm_not_saved" in st.session_state:
    st.warning(st.session_state["pm_not_saved"], icon=":material/lock:")
if "pm_message" in st.session_state:
    st.warning(as_markdown(st.session_state["pm_message"]), icon=":material/error:")


def _keep(name: str, choice: str, theirs: Any) -> None:
    """Resolve one conflict: keep this window's text, or take the other one (callback)."""
    current = drafts.load(store, form_key)
    version = current.version if current else 0
    st.session_state["pm_version"] = version
    st.session_state.setdefault("pm_base", {})[name] = theirs
    if choice == "theirs":
        if name == "actions":
            _set_action_rows(theirs or [])
        else:
            st.session_state[_k(name)] = dt.date.fromisoformat(theirs[:10]) if name == "date" and theirs else theirs
    _save(name)
    st.session_state.get("pm_conflicts", {}).pop(name, None)


conflicts: dict[str, Any] = st.session_state.get("pm_conflicts", {})
if conflicts:
    with st.container(border=True):
        st.warning("Someone changed this post-mortem in another window (or another person did) while you were "
                   "writing. Nothing was overwritten: for each field below, choose which text to keep.",
                   icon=":material/merge:")
        for name, theirs in list(conflicts.items()):
            st.markdown(f"**{as_markdown(LABELS.get(name, name))}**")
            c1, c2 = st.columns(2)
            c1.caption("Yours")
            c1.markdown(as_markdown(_value(name)) or "_empty_")
            c2.caption("The other version")
            c2.markdown(as_markdown(theirs) or "_empty_")
            c1.button("Keep yours", key=f"pm_keep_mine_{name}", on_click=_keep, args=(name, "mine", theirs))
            c2.button("Keep the other", key=f"pm_keep_theirs_{name}", on_click=_keep, args=(name, "theirs", theirs))

form_col, side_col = st.columns([3, 2], gap="large")
with form_col:
    st.text_input(LABELS["title"], key=_k("title"), on_change=_save, args=("title",), max_chars=300, live="1s")
    show_problem("title")
    c1, c2 = st.columns(2)
    c1.selectbox(f"{LABELS['plan']} (optional)", [None, *plan_names], key=_k("plan"), on_change=_save,
                 args=("plan",), format_func=lambda v: "none" if v is None else plan_names.get(v, v), placeholder="none")
    with c1:
        show_problem("plan")
    c2.selectbox(LABELS["section"], [None, *section_labels], key=_k("section"), on_change=_save, args=("section",),
                 format_func=lambda v: "choose a section" if v is None else section_labels.get(v, v),
                 placeholder="choose a section")
    with c2:
        show_problem("section")
    c1, c2, c3 = st.columns(3)
    if _k("date") not in st.session_state:
        st.session_state[_k("date")] = app_today()
    c1.date_input(LABELS["date"], key=_k("date"), on_change=_save, args=("date",), format="YYYY-MM-DD")
    with c1:
        show_problem("date")
    c2.selectbox(LABELS["outcome"], [None, *OUTCOMES], key=_k("outcome"), on_change=_save, args=("outcome",),
                 format_func=lambda v: "not decided yet" if v is None else v, placeholder="not decided yet",
                 help="Flops are welcome: a published flop saves the next team the same mistake.")
    with c2:
        show_problem("outcome")
    c3.selectbox(f"{LABELS['cohort']} (optional)", [None, *cohort_names], key=_k("cohort"), on_change=_save,
                 args=("cohort",), format_func=lambda v: "none" if v is None else cohort_names.get(v, v),
                 placeholder="none")
    tpl = template(st.session_state.get(_k("section")) or "")
    st.caption(tpl["help"])
    for name, field in (("goal", "learning_goal"), ("happened", "what_happened"), ("lessons", "lessons"),
                        ("recs", "recommendations")):
        st.text_area(LABELS[name], key=_k(name), on_change=_save, args=(name,), placeholder=tpl[field], height=110,
                     max_chars=20_000)
        show_problem(name)

    def _starter() -> None:
        filled = [name for name, field in (("goal", "learning_goal"), ("happened", "what_happened"),
                                           ("lessons", "lessons"), ("recs", "recommendations"))
                  if not (st.session_state.get(_k(name)) or "").strip()]
        for name in filled:
            field = {"goal": "learning_goal", "happened": "what_happened", "lessons": "lessons",
                     "recs": "recommendations"}[name]
            st.session_state[_k(name)] = tpl[field]
        if filled:
            _save(*filled)

    st.button("Fill empty fields with the section's starter text", key="form_starter", on_click=_starter)
    st.text_input(f"{LABELS['tags']} (comma separated)", key=_k("tags"), on_change=_save, args=("tags",),
                  placeholder="co-sell, webinar", live="1s")
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
                _save("actions")
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
        _save("actions")
    if not current_rows:
        st.caption("No follow-up actions yet. Add them above; edit or delete them in the table.")
    for key, message in problems.items():
        if key.startswith("actions."):
            st.error(as_markdown(f"Action {key.split('.')[1]}, "
                                 f"{key.split('.')[2].replace('_id', '').replace('_', ' ')}: {message}"))

    if "pm_saved_at" in st.session_state:
        st.caption(f"Saved on the server as you type · last saved at {st.session_state['pm_saved_at']:%H:%M:%S} UTC "
                   f"· draft {form_key}")
    else:
        st.caption(f"Nothing typed yet: the form saves itself from your first keystroke (draft {form_key}).")
    b1, b2, b3 = st.columns([2, 3, 2])
    save = b1.button("Save draft", type="secondary", key="form_save", icon=":material/save:")
    submit = b2.button("Save and submit for review", type="primary", key="form_submit", icon=":material/send:")
    if b3.button("Discard…", key="form_discard", icon=":material/delete:"):
        st.session_state["pm_confirm_discard"] = True
    if st.session_state.get("pm_confirm_discard"):
        with st.container(border=True):
            st.warning(f"Discard this post-mortem ({form_key})? Every field is emptied and its draft deleted.")
            d1, d2 = st.columns(2)
            if d1.button("Yes, discard it", key="form_discard_yes", type="primary"):
                book_view.discard_form(store, actor, form_key, editing)
                st.session_state["pm_start_over"] = book.new_id("L")
                st.query_params.pop("draft", None)
                st.rerun()
            if d2.button("Keep it", key="form_discard_no"):
                st.session_state.pop("pm_confirm_discard", None)
                st.rerun()

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
    _save(*FIELDS, "actions")  # everything on the server before anything else happens
    lesson_id: str | None = None
    try:
        # "Save draft" forgets the form's draft in the save's own transaction; a submit keeps it
        # until the review step has accepted the lesson too.
        lesson_id = book.save_lesson(store, actor, _input(), lesson_id=editing, form_id=None if editing else form_key,
                                     draft_key=None if submit else form_key)
        if submit:
            book.transition(store, actor, lesson_id, "in_review")
    except InvalidData as exc:
        st.session_state["pm_problems"] = {
            FIELD_OF.get(p.field, p.field): f"“{LABELS.get(FIELD_OF.get(p.field, ''), p.field.replace('_', ' '))}” "
                                            f"{p.message}."
            for p in exc.problems}
        where = (f"saved in the Book as draft {lesson_id}" if lesson_id and not editing
                 else f"kept as draft {form_key}")
        st.session_state["pm_message"] = (f"Not {'submitted' if submit else 'saved'}: "
                                          f"{len(exc.problems)} thing(s) to fix below. Everything you wrote is {where}.")
        st.rerun()
    else:
        if submit:
            drafts.discard(store, actor, form_key)
        st.session_state["pm_start_over"] = book.new_id("L")
        st.query_params.pop("draft", None)
        clear_analytics()
        st.switch_page("pages/lesson.py", query_params={"lesson": lesson_id, "saved": "1"})
