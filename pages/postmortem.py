"""Log a post-mortem: a form that saves every keystroke, writes to one lesson, and overwrites nobody.

What the form holds, how a run finds it and how it saves live in dashboard/postmortem_form.py;
this page lays it out. The form's body is a fragment: an autosave reruns the form, not the app,
and every part that comes and goes (drafts list, notices, conflicts, problems, help) has a fixed
place, so a save never moves, closes or blurs the control the person is using. Not an st.form on
purpose: every field saves on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import book_view
from dashboard import postmortem_form as pf
from dashboard.auth import guard
from dashboard.loaders import clear_analytics
from dashboard.safe_text import as_markdown
from dashboard.services import library, template
from dashboard.store import get_store
from data_layer.domain.vocabulary import OUTCOMES

actor = guard(__file__)
store = get_store()
opened = pf.current(store)
if opened is None:
    st.error("That lesson does not exist.")
    st.stop()


def open_lesson_once_saved(form: pf.PostmortemForm) -> None:
    """After a save or submit wrote the lesson (a button's callback), open its page."""
    if lesson_id := pf.finished(form):
        clear_analytics()
        st.switch_page("pages/lesson.py", query_params={"lesson": lesson_id, "saved": "1"})


open_lesson_once_saved(opened)
refs = book_view.form_choices(store)
st.title("Edit post-mortem" if opened.editing else "Log a post-mortem")
book_view.keystroke_saver()


def saves(form: pf.PostmortemForm, name: str) -> dict[str, Any]:
    """A field's widget saves the field whenever it changes."""
    return {"key": form.key(name), "on_change": pf.changed, "args": (store, actor, form, name)}


def problem_slot(form: pf.PostmortemForm, *names: str) -> None:
    """A field's problem, right under it (the slot is there even when empty, so nothing below moves)."""
    with st.container():
        for name in names:
            if name in form.problems:
                st.error(as_markdown(form.problems[name]), icon=":material/error:")


def unfinished_list(form: pf.PostmortemForm) -> None:
    mine = pf.unfinished(store, actor, form)
    if mine.empty:
        return
    with st.expander(f"Your unfinished post-mortems ({len(mine)})", icon=":material/history_edu:"):
        st.caption("This form is a new post-mortem. To continue one you started before, open it here.")
        for r in mine.itertuples():
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


def shown(name: str, value: Any) -> str:
    if name == "actions":
        return "  \n".join(f"{as_markdown(r.get('description'))} · {as_markdown(r.get('owner_id'))} · "
                           f"{r.get('due_on')}" for r in value or []) or "_none_"
    return as_markdown(value) or "_empty_"


def conflicts_panel(form: pf.PostmortemForm) -> None:
    if not form.conflicts:
        return
    with st.container(border=True):
        st.warning("Someone changed this post-mortem in another window (or another person did) while you were "
                   "writing. Nothing was overwritten: for each field below, choose which text to keep.",
                   icon=":material/merge:")
        for name, theirs in list(form.conflicts.items()):
            st.markdown(f"**{as_markdown(pf.LABELS.get(name, name))}**")
            c1, c2 = st.columns(2)
            c1.caption("Yours, not saved yet")
            c1.markdown(shown(name, form.values.get(name)))
            c2.caption("The other version, saved")
            c2.markdown(shown(name, theirs))
            c1.button("Keep yours", key=form.key(f"keep-mine-{name}"), on_click=pf.keep,
                      args=(store, actor, form, name, "mine", theirs))
            c2.button("Keep the other", key=form.key(f"keep-theirs-{name}"), on_click=pf.keep,
                      args=(store, actor, form, name, "theirs", theirs))


def notices(form: pf.PostmortemForm) -> None:
    unfinished_list(form)
    if form.restored and form.saved_at is not None:
        st.info(f"Restored what was written in this form (last saved {form.saved_at:%d %b %H:%M:%S} UTC). "
                f"Its id is {form.form_id}.", icon=":material/restore:")
    if form.not_saved:
        st.warning(form.not_saved, icon=":material/lock:")
    if form.message:
        st.warning(as_markdown(form.message), icon=":material/error:")
    if note := pf.elsewhere_note(form):
        st.caption(note)
    conflicts_panel(form)


def choice(form: pf.PostmortemForm, name: str, options: dict[str, str], empty: str, **kw: Any) -> None:
    """A selectbox whose values are ids (or None) and whose labels are names."""
    st.selectbox(pf.LABELS[name] + (" (optional)" if name in ("plan_id", "cohort_id") else ""),
                 [None, *options], format_func=lambda v: empty if v is None else options.get(v, v),
                 placeholder=empty, **saves(form, name), **kw)
    problem_slot(form, name)


def fields(form: pf.PostmortemForm) -> None:
    st.text_input(pf.LABELS["title"], max_chars=300, live="1s", **saves(form, "title"))
    problem_slot(form, "title")
    c1, c2 = st.columns(2)
    with c1:
        choice(form, "plan_id", refs.plans, "none")
    with c2:
        choice(form, "section", refs.sections, "choose a section")
    c1, c2, c3 = st.columns(3)
    with c1:
        st.date_input(pf.LABELS["occurred_on"], format="YYYY-MM-DD", **saves(form, "occurred_on"))
        problem_slot(form, "occurred_on")
    with c2:
        choice(form, "outcome", {o: o for o in OUTCOMES}, "not decided yet",
               help="Flops are welcome: a published flop saves the next team the same mistake.")
    with c3:
        choice(form, "cohort_id", refs.cohorts, "none")
    section = form.values.get("section")
    tpl = template(section or "")
    with st.container():
        if section:  # no section, no help: a generic hint read like a stray caption
            st.caption(tpl["help"])
    for name in pf.TEXTS:
        st.text_area(pf.LABELS[name], placeholder=tpl[name], height=110, max_chars=20_000, **saves(form, name))
        problem_slot(form, name)
    st.button("Fill empty fields with the section's starter text", key=form.key("starter"),
              on_click=pf.fill_starters, args=(store, actor, form, {n: tpl[n] for n in pf.TEXTS}))
    st.text_input(f"{pf.LABELS['tags']} (comma separated)", placeholder="co-sell, webinar", live="1s",
                  **saves(form, "tags"))
    problem_slot(form, "tags")
    actions(form)


def actions(form: pf.PostmortemForm) -> None:
    st.subheader("Follow-up actions")
    owners = pf.owner_labels(refs.owners, form.values["actions"])
    with st.form(form.key("add-action"), clear_on_submit=True, border=False):
        a1, a2, a3, a4 = st.columns([4, 3, 2, 1], vertical_alignment="bottom")
        what = a1.text_input("Action", key=form.key("new-description"), placeholder="What needs doing")
        who = a2.selectbox("Owner", list(refs.owners), index=None, key=form.key("new-owner"), placeholder="Who",
                           format_func=lambda i: owners.get(i, i))
        due = a3.date_input("Due", value=None, key=form.key("new-due"), format="YYYY-MM-DD")
        if a4.form_submit_button("Add", icon=":material/add:", key=form.key("add")):
            if problem := pf.add_action(store, actor, form, what, who, due):
                st.error(problem)
    edited = st.data_editor(
        pf.actions_frame(form), key=pf.actions_key(form), num_rows="dynamic", hide_index=True, width="stretch",
        column_order=["description", "owner_id", "due_on", "done_on"],
        column_config={
            "description": st.column_config.TextColumn("What", required=True, max_chars=1000),
            "owner_id": st.column_config.SelectboxColumn("Owner", options=list(owners), required=True,
                                                         format_func=lambda i: owners.get(i, i)),
            "due_on": st.column_config.DateColumn("Due", format="YYYY-MM-DD", required=True),
            "done_on": st.column_config.DateColumn("Done", format="YYYY-MM-DD"),
        },
    )
    pf.actions_edited(store, actor, form, edited)
    with st.container():
        if not form.values["actions"]:
            st.caption("No follow-up actions yet. Add them above; edit or delete them in the table.")
        for name, sentence in form.problems.items():
            if name.startswith("actions."):
                st.error(as_markdown(sentence))


def buttons(form: pf.PostmortemForm) -> None:
    st.caption(pf.saved_caption(form, dt.datetime.now(dt.UTC).replace(tzinfo=None)))
    b1, b2, b3 = st.columns([2, 3, 2])
    # Callbacks: the run that follows already shows what the save found (problems, conflicts).
    b1.button("Save draft", type="secondary", key=form.key("save"), icon=":material/save:",
              on_click=pf.submit, args=(store, actor, form), kwargs={"for_review": False})
    b2.button("Save and submit for review", type="primary", key=form.key("submit"), icon=":material/send:",
              on_click=pf.submit, args=(store, actor, form), kwargs={"for_review": True})
    b3.button("Discard…", key=form.key("discard"), icon=":material/delete:",
              on_click=setattr, args=(form, "confirm_discard", True))
    with st.container():
        if form.confirm_discard:
            with st.container(border=True):
                st.warning(f"Discard this post-mortem ({form.form_id})? Every field is emptied and its draft deleted.")
                d1, d2 = st.columns(2)
                if d1.button("Yes, discard it", key=form.key("discard-yes"), type="primary"):
                    pf.discard(store, actor, form)
                    st.rerun()  # the whole page: a new, empty form
                d2.button("Keep it", key=form.key("discard-no"), on_click=setattr,
                          args=(form, "confirm_discard", False))


def related(form: pf.PostmortemForm) -> None:
    st.subheader("Related lessons")
    v = form.values
    found = library.related(store, v.get("section"), [t.strip() for t in str(v.get("tags") or "").split(",")],
                            f"{v.get('title') or ''} {v.get('learning_goal') or ''}",
                            exclude=form.form_id if form.editing else None)
    if found.empty:
        st.caption("Nothing close yet. Pick a section, add tags or a title, and lessons others learned appear here.")
    for r in found.itertuples():
        with st.container(border=True):
            st.markdown(f"**{as_markdown(r.title)}**  \n{as_markdown(r.outcome)} · {r.published_on:%d %b %Y}")
            if isinstance(r.lessons, str):
                st.caption(as_markdown(r.lessons[:240]))
            st.page_link("pages/lesson.py", label="Open", query_params={"lesson": r.lesson_id},
                         icon=":material/open_in_new:")


@st.fragment
def body(form: pf.PostmortemForm) -> None:
    """The form: an autosave reruns only this."""
    open_lesson_once_saved(form)  # as at the top of the page, when the button reran only this fragment
    pf.seed_widgets(form)
    top = st.container()  # filled last: it shows what the saves below found (conflicts, problems)
    form_col, side_col = st.columns([3, 2], gap="large")
    with form_col:
        fields(form)
        buttons(form)
    with side_col:
        related(form)
    with top:
        notices(form)


body(opened)
