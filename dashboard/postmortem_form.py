"""One post-mortem form in one browser tab: which lesson it writes to, what it last saw on the server,
and what it has to show (conflicts, problems). The page lays it out; this module decides.

How a full run finds its form (`current`): the URL's form (?lesson=L-… to edit a lesson, ?draft=L-…
for one being written) when it names another form than the tab's own; else the tab's own form, so a
run whose address lost its query string (an in-app link such as Resume or Edit navigates without
putting it in the address bar) keeps the form, its widgets and any pending conflict; else a new
form (from ?plan= when given). Then the form's id is written back into the URL, so a refresh, a
copied address or a lost connection reopens exactly this form.

Values are kept under the lesson's own field names (`LessonInput`'s), dates as ISO text, the
actions as rows of `ActionInput` fields, and option values as ids (names only in labels).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import book_view
from dashboard.settings import app_today
from data_layer.access.auth import Actor, NotPermitted
from data_layer.book import drafts, postmortems
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData

# The one session key the form keeps. Like its widgets' keys it starts with "form_": signing out
# forgets every such key (dashboard/auth.py), so the next person never sees this one's form.
STATE = "form_postmortem"
LABELS = {"title": "Title", "plan_id": "Plan it reviews", "section": "Section", "occurred_on": "Date of the activity",
          "learning_goal": "What did we hope to learn?", "what_happened": "What happened?", "outcome": "Outcome",
          "lessons": "Lessons", "recommendations": "Recommendations", "tags": "Tags", "cohort_id": "Cohort",
          "actions": "Follow-up actions"}
FIELDS = tuple(LABELS)
TEXTS = ("learning_goal", "what_happened", "lessons", "recommendations")  # the long fields, with starter text
ACTION_COLUMNS = ["action_id", "description", "owner_id", "due_on", "done_on"]
_EMPTY: dict[str, Any] = {"title": "", "plan_id": None, "section": None, "learning_goal": "", "what_happened": "",
                          "outcome": None, "lessons": "", "recommendations": "", "tags": "", "cohort_id": None,
                          "actions": []}
# Each opening of a form gets widgets of its own (keys form_<n>-<field>), so nothing a previous form
# (or a previous opening of the same one) left in a widget leaks into it.
_OPENINGS = itertools.count(1)


@dataclass
class PostmortemForm:
    """What one tab's post-mortem form holds between runs."""

    form_id: str  # the lesson id it writes to, from its first save to its submit
    editing: bool  # editing a lesson of the Book (?lesson=) rather than writing a new one (?draft=)
    values: dict[str, Any]  # field -> value as typed
    base: dict[str, Any]  # field -> the value this tab last saw on the server
    plan: str | None = None  # the plan it was started from
    version: int = 0  # the draft's version this tab is in step with
    saved_at: dt.datetime | None = None  # when the server last saved its draft (UTC)
    last_saved: tuple[str, ...] = ()  # the fields this tab's last save wrote
    restored: bool = False  # opened with text saved before (a refresh, Resume, a second tab)
    conflicts: dict[str, Any] = field(default_factory=dict)  # field -> the other window's value
    elsewhere: dict[str, Any] = field(default_factory=dict)  # fields another window changed, not shown here
    problems: dict[str, str] = field(default_factory=dict)  # field -> sentence, after a failed save or submit
    message: str = ""  # one sentence over the form (a failed submit)
    not_saved: str = ""  # why the last change could not be saved
    confirm_discard: bool = False
    submitted: str | None = None  # the lesson a successful save or submit wrote: the page opens it
    opening: int = field(default_factory=lambda: next(_OPENINGS))
    actions_shown: int = 0  # bumps the actions table's key whenever its rows are replaced from outside it
    actions_base: list[dict[str, Any]] = field(default_factory=list)  # the rows the actions table started from

    def key(self, name: str) -> str:
        """The widget key of a field in this opening of the form."""
        return f"form_{self.opening}-{name}"

    @property
    def on_server(self) -> bool:
        """Whether a draft of this form is saved (or a lesson is being edited): its id then belongs in the URL."""
        return self.editing or self.saved_at is not None


# ------------------------------------------------------------------------------- finding the form
def current(store: Store) -> PostmortemForm | None:
    """The form this tab shows (see the module's docstring), its id put in the URL; None for an unknown lesson."""
    params = st.query_params
    lesson_id, draft_id, plan_id = params.get("lesson"), params.get("draft"), params.get("plan")
    form: PostmortemForm | None = st.session_state.get(STATE)
    if form is not None and form.submitted:
        return form  # the page opens the lesson it wrote (see `finished`)
    wanted = lesson_id or draft_id
    if wanted and (form is None or form.form_id != wanted or form.editing != bool(lesson_id)):
        form = open_form(store, wanted, editing=bool(lesson_id))
    elif not wanted and (form is None or (plan_id and plan_id != form.plan)):
        form = open_form(store, postmortems.new_id("L"), editing=False, plan=plan_id)
    if form is None:
        return None
    st.session_state[STATE] = form
    show_in_url(form)
    return form


def open_form(store: Store, form_id: str, *, editing: bool, plan: str | None = None) -> PostmortemForm | None:
    """Open a form: a lesson's values (editing) or a plan's, with its saved draft over them."""
    start: dict[str, Any] = {}
    if editing:
        row = postmortems.lesson(store, form_id)
        if row is None:
            return None
        start = book_view.lesson_values(store, row)
    elif plan:
        start = book_view.plan_values(store, plan)
    draft = drafts.load(store, form_id)
    saved = draft.payload if draft else {}
    form = PostmortemForm(form_id, editing, values={**_EMPTY, "occurred_on": app_today().isoformat(), **start, **saved},
                          base={**start, **saved} if editing else dict(saved), plan=plan)
    if draft is not None:
        form.version, form.saved_at, form.restored = draft.version, draft.saved_at, True
        # A conflict left unresolved (a refresh, another tab): the text that was not saved comes back, and the question.
        # Its base is that text too, so typing on in the field stays a conflict until the person chooses.
        form.conflicts = {name: saved.get(name) for name in draft.pending}
        form.values.update(draft.pending)
        form.base.update(draft.pending)
    form.actions_base = list(form.values["actions"])
    return form


def show_in_url(form: PostmortemForm) -> None:
    """Put the form's id in the URL once it is on the server (always set: the address bar may lack it)."""
    if not form.on_server:
        return
    name, other = ("lesson", "draft") if form.editing else ("draft", "lesson")
    for gone in (other, "plan"):
        if gone in st.query_params:
            del st.query_params[gone]
    st.query_params[name] = form.form_id


def forget(form: PostmortemForm) -> None:
    """After a submit or a discard: the next run opens a new, empty form (or the lesson again)."""
    if st.session_state.get(STATE) is form:
        del st.session_state[STATE]
    if "draft" in st.query_params:
        del st.query_params["draft"]


# ------------------------------------------------------------------------------- widgets <-> values
def seed_widgets(form: PostmortemForm) -> None:
    """Give each field's widget the form's value when it has none (a new opening, or back from another page)."""
    for name in FIELDS:
        if name != "actions" and form.key(name) not in st.session_state:
            st.session_state[form.key(name)] = widget_value(name, form.values.get(name))


def widget_value(name: str, value: Any) -> Any:
    """A stored value as its widget holds it (dates as dates)."""
    if name == "occurred_on":
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    return value


def stored_value(value: Any) -> Any:
    """A widget's value as it is stored (dates as ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def changed(store: Store, actor: Actor, form: PostmortemForm, name: str) -> None:
    """A field's widget changed (its on_change): keep the value and save it."""
    form.values[name] = stored_value(st.session_state.get(form.key(name)))
    save(store, actor, form, name)


def save(store: Store, actor: Actor, form: PostmortemForm, *names: str) -> None:
    """Save these fields from what this tab last saw; a field someone else changed becomes a conflict.

    The first save of a new form also saves every field it was opened with (a plan's, today's
    date), so its draft alone restores it.
    """
    first = not form.on_server
    if first:
        names = tuple(dict.fromkeys([*names, *(n for n in FIELDS if not drafts.same_value(form.values.get(n), None))]))
    changes = {name: form.values.get(name) for name in names}
    try:
        saved = drafts.save(store, actor, form.form_id, changes, form.version, form.base)
    except NotPermitted:
        # Rights ended (account disabled or demoted) since the page loaded: nothing is written.
        form.not_saved = "Your account may no longer write here; nothing was saved."
        return
    form.not_saved = ""
    written = tuple(name for name in changes if name not in saved.conflicts)
    form.base.update({name: changes[name] for name in written})
    if written and saved.saved_at is not None and saved.saved_at != form.saved_at:
        form.last_saved = written
    if not saved.others_saved:
        form.version = saved.version
    form.saved_at = saved.saved_at or form.saved_at
    form.conflicts.update(saved.conflicts)
    form.elsewhere = {n: v for n, v in saved.elsewhere.items() if n not in form.conflicts}
    if first:
        show_in_url(form)  # a refresh now reopens this very form


def keep(store: Store, actor: Actor, form: PostmortemForm, name: str, choice: str, theirs: Any) -> None:
    """Resolve one conflict (a button's on_click): keep this tab's value, or take the other one.

    The other value is what the person saw: if it changed again meanwhile, the save is a new conflict.
    """
    form.base[name] = theirs
    if choice == "theirs":
        form.values[name] = theirs
        if name == "actions":
            show_actions(form, theirs or [])
        else:
            st.session_state[form.key(name)] = widget_value(name, theirs)
    form.conflicts.pop(name, None)
    save(store, actor, form, name)


def fill_starters(store: Store, actor: Actor, form: PostmortemForm, starters: dict[str, str]) -> None:
    """Fill the empty long fields with the section's starter text (a button's on_click) and save them."""
    empty = [name for name in TEXTS if drafts.same_value(form.values.get(name), None)]
    for name in empty:
        form.values[name] = starters[name]
        st.session_state[form.key(name)] = starters[name]
    if empty:
        save(store, actor, form, *empty)


# ------------------------------------------------------------------------------- follow-up actions
def show_actions(form: PostmortemForm, rows: list[dict[str, Any]]) -> None:
    """Replace the actions from outside the table: it restarts from these rows under a fresh key."""
    form.values["actions"] = rows
    form.actions_base = list(rows)
    form.actions_shown += 1


def actions_key(form: PostmortemForm) -> str:
    """The actions table's key (its edits are relative to the rows it started from)."""
    return form.key(f"actions-{form.actions_shown}")


def add_action(store: Store, actor: Actor, form: PostmortemForm, description: str, owner_id: str | None,
               due_on: dt.date | None) -> str:
    """Add one action from the "Add" row; the sentence to show when it lacks something, else ""."""
    if not (description or "").strip() or not owner_id or not due_on:
        return "An action needs what, who and a due date."
    show_actions(form, [*form.values["actions"], {"action_id": "", "description": description.strip(),
                                                   "owner_id": owner_id, "due_on": due_on.isoformat(), "done_on": None}])
    save(store, actor, form, "actions")
    return ""


def actions_frame(form: PostmortemForm) -> pd.DataFrame:
    """The rows the actions table starts from, with dates as dates."""
    rows = pd.DataFrame(form.actions_base, columns=ACTION_COLUMNS)
    for column in ("due_on", "done_on"):
        rows[column] = pd.to_datetime(rows[column], errors="coerce").dt.date
    return rows


def actions_edited(store: Store, actor: Actor, form: PostmortemForm, edited: pd.DataFrame) -> None:
    """The table's rows as it shows them now: saved when they differ from what the form holds."""
    rows = [{"action_id": r.get("action_id") if isinstance(r.get("action_id"), str) else "",
             "description": r.get("description") or "", "owner_id": r.get("owner_id"),
             "due_on": None if pd.isna(r.get("due_on")) else str(r.get("due_on"))[:10],
             "done_on": None if pd.isna(r.get("done_on")) else str(r.get("done_on"))[:10]}
            for r in edited.to_dict("records")]
    if rows != form.values["actions"]:
        form.values["actions"] = rows  # the table's key and base stay: its edits are relative to them
        save(store, actor, form, "actions")


# ------------------------------------------------------------------------------- submit and discard
def lesson_input(v: dict[str, Any]) -> postmortems.LessonInput:
    """A form's values as the lesson to save."""
    return postmortems.LessonInput(
        title=v["title"] or "", section=v["section"] or "", occurred_on=v["occurred_on"], plan_id=v["plan_id"],
        learning_goal=v["learning_goal"] or "", what_happened=v["what_happened"] or "", outcome=v["outcome"],
        lessons=v["lessons"] or "", recommendations=v["recommendations"] or "",
        tags=[t.strip() for t in str(v["tags"] or "").split(",") if t.strip()], cohort_id=v["cohort_id"],
        actions=[postmortems.ActionInput(description=r.get("description") or "", owner_id=r.get("owner_id") or "",
                                  due_on=r.get("due_on"), action_id=r.get("action_id") or "", done_on=r.get("done_on"))
                 for r in v["actions"]])


def submit(store: Store, actor: Actor, form: PostmortemForm, *, for_review: bool) -> None:
    """Save the lesson (and send it to review): `form.submitted` names it, else the form keeps the problems."""
    # Everything this tab changed on the server first; fields only another window changed keep its text.
    save(store, actor, form, *(n for n in FIELDS if not drafts.same_value(form.values.get(n), form.base.get(n))))
    verb = "submitted" if for_review else "saved"
    if form.conflicts:
        form.message = f"Not {verb}: another window changed this post-mortem. Choose which text to keep above."
        return
    lesson_id: str | None = None
    try:
        lesson_id = postmortems.save_lesson(store, actor, lesson_input({**form.values, **form.elsewhere}),
                                     lesson_id=form.form_id if form.editing else None,
                                     form_id=None if form.editing else form.form_id,
                                     # "Save draft" forgets the form's draft in the save's own transaction;
                                     # a submit keeps it until the review step has accepted the lesson too.
                                     draft_key=None if for_review else form.form_id)
        if for_review:
            postmortems.transition(store, actor, lesson_id, "in_review")
    except InvalidData as exc:
        form.problems = {p.field: problem_sentence(p.field, p.message) for p in exc.problems}
        where = (f"saved in the Book as draft {lesson_id}" if lesson_id and not form.editing
                 else f"kept as draft {form.form_id}")
        form.message = f"Not {verb}: {len(exc.problems)} thing(s) to fix below. Everything you wrote is {where}."
        return
    if for_review:
        drafts.discard(store, actor, form.form_id)
    form.submitted = lesson_id


def finished(form: PostmortemForm) -> str | None:
    """The lesson a save or submit just wrote, if any; the tab then forgets the form (a later visit starts afresh)."""
    if form.submitted and st.session_state.get(STATE) is form:
        del st.session_state[STATE]
    return form.submitted


def problem_sentence(name: str, message: str) -> str:
    """A problem in the words of the page: “What did we hope to learn?” must not be empty."""
    if name.startswith("actions."):
        _, row, column = (name.split(".") + ["", ""])[:3]
        return f"Action {row}, {column.removesuffix('_id').replace('_', ' ')}: {message}"
    return f"“{LABELS.get(name, name.replace('_', ' '))}” {message}."


def discard(store: Store, actor: Actor, form: PostmortemForm) -> None:
    """Delete the form's draft (and the draft lesson it made); the next run starts afresh."""
    book_view.discard_form(store, actor, form.form_id, form.editing)
    forget(form)


# ------------------------------------------------------------------------------- what the page says
def saved_caption(form: PostmortemForm, now: dt.datetime) -> str:
    """When the server last saved this form's draft (with the day unless it is today, UTC), and what."""
    if form.saved_at is None:
        if form.editing:
            return f"No changes yet: the form saves itself from your first keystroke (lesson {form.form_id})."
        return f"Nothing typed yet: the form saves itself from your first keystroke (draft {form.form_id})."
    day = "" if form.saved_at.date() == now.date() else f" on {form.saved_at:%d %b %Y}"
    names = [LABELS[n] for n in form.last_saved if n in LABELS]
    what = f" ({', '.join(names[:2])}{', …' if len(names) > 2 else ''})" if names else ""
    return (f"Saved on the server as you type · last saved at {form.saved_at:%H:%M:%S} UTC{day}{what} "
            f"· draft {form.form_id}")


def elsewhere_note(form: PostmortemForm) -> str:
    """Which fields another window changed that this one does not show ("" when none)."""
    if not form.elsewhere:
        return ""
    names = ", ".join(LABELS.get(n, n) for n in form.elsewhere)
    return f"Another window also saved this post-mortem ({names}); reload the page to see its text. Yours is saved."


def unfinished(store: Store, actor: Actor, form: PostmortemForm) -> pd.DataFrame:
    """The person's other unfinished post-mortems, offered on a form opened new.

    The list stays while the new form saves itself, so nothing above the form moves as the person types.
    """
    if form.restored or form.editing:
        return pd.DataFrame()
    mine = drafts.drafts_of(store, actor, postmortems.author_of(store, actor))
    return mine[mine["id"] != form.form_id].head(20)


def owner_labels(owners: dict[str, str], rows: list[dict[str, Any]]) -> dict[str, str]:
    """Each possible owner id -> the label shown: the name (with the id only when two people share it).

    Owners of the form's actions who are not among the usual people are offered too, by id.
    """
    ids = list(dict.fromkeys([*owners, *(str(r["owner_id"]) for r in rows if r.get("owner_id"))]))
    names = [owners.get(i, i) for i in ids]
    return {i: n if names.count(n) == 1 else f"{n} ({i})" for i, n in zip(ids, names, strict=True)}
