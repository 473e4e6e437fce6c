"""A form's draft: saved field by field with versions; one form, one lesson; nothing overwritten silently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from dashboard import postmortem_form
from dashboard.postmortem_form import PostmortemForm
from data_layer.access import auth
from data_layer.book import drafts, postmortems
from data_layer.db import migrations
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData

from .conftest import USERS, add_test_users

EDITOR = auth.Actor(USERS["editor"], "editor")
ADMIN = auth.Actor(USERS["admin"], "admin")


@pytest.fixture
def lib(small_store: Store) -> Store:
    add_test_users(small_store)
    return small_store


def test_fields_save_one_by_one_and_count_versions(lib: Store) -> None:
    first = drafts.save(lib, EDITOR, "L-a", {"title": "Webinar"}, 0, {})
    assert (first.version, first.conflicts) == (1, {})
    second = drafts.save(lib, EDITOR, "L-a", {"what_happened": "Forty came"}, 1, {"title": "Webinar"})
    assert second.version == 2
    draft = drafts.load(lib, "L-a")
    assert draft is not None and draft.payload == {"title": "Webinar", "what_happened": "Forty came"}
    assert (draft.owner_email, draft.version) == (USERS["editor"], 2)
    # Saving the same value again is no new version.
    assert drafts.save(lib, EDITOR, "L-a", {"title": "Webinar"}, 2, draft.payload).version == 2


def test_two_windows_on_one_draft_lose_nothing(lib: Store) -> None:
    # Both windows open version 1 of the draft.
    drafts.save(lib, EDITOR, "L-b", {"title": "T", "lessons": "start"}, 0, {})
    base = {"title": "T", "lessons": "start"}
    # Window A changes the lessons; window B, still on version 1, changes the title: no clash.
    a = drafts.save(lib, EDITOR, "L-b", {"lessons": "A's lessons"}, 1, base)
    b = drafts.save(lib, EDITOR, "L-b", {"title": "B's title"}, 1, base)
    assert a.conflicts == {} and b.conflicts == {} and b.version == 3
    # Window B now also rewrites the lessons from its old base: not written; both texts kept.
    clash = drafts.save(lib, EDITOR, "L-b", {"lessons": "B's lessons"}, 1, base)
    assert clash.conflicts == {"lessons": "A's lessons"}
    stored = drafts.load(lib, "L-b")
    assert stored is not None and stored.payload == {"title": "B's title", "lessons": "A's lessons"}
    # B chooses its own text, knowing the other one: saved over the current version.
    chosen = drafts.save(lib, EDITOR, "L-b", {"lessons": "B's lessons"}, stored.version,
                         {"lessons": "A's lessons"})
    assert chosen.conflicts == {}
    final = drafts.load(lib, "L-b")
    assert final is not None and final.payload["lessons"] == "B's lessons"


@pytest.mark.parametrize(("a", "b", "same"), [
    (None, "", True), ("", "   \n\t", True), (None, [], True), ([], "", True), (None, None, True),
    ("Webinar", "Webinar", True), ("Webinar", "Webinar ", False), ("", "x", False), (None, "x", False),
    ([{"description": "a"}], [{"description": "a"}], True), ([], [{"description": "a"}], False),
])
def test_absent_empty_and_blank_are_one_value(a: object, b: object, same: bool) -> None:
    assert drafts.same_value(a, b) is same
    assert drafts.same_value(b, a) is same


def test_a_field_nobody_else_changed_is_never_a_conflict(lib: Store) -> None:
    # Tab one types the title; tab two resumes that draft (it saw the title, and an empty form else).
    drafts.save(lib, EDITOR, "L-r", {"title": "Partner webinar"}, 0, {})
    tab_two_base = {"title": "Partner webinar", "learning_goal": "", "lessons": "", "actions": []}
    # Tab one types the goal, from its own view.
    one = drafts.save(lib, EDITOR, "L-r", {"learning_goal": "Whether SDRs book meetings"}, 1,
                      {"title": "Partner webinar"})
    assert one.conflicts == {}
    # Tab two types the lessons: the stored draft has none, tab two saw "": nobody else changed them.
    two = drafts.save(lib, EDITOR, "L-r", {"lessons": "Invite the partner's sellers"}, 1, tab_two_base)
    assert two.conflicts == {}
    # Tab two is told which field another window changed that it does not show, and that someone saved.
    assert two.elsewhere == {"learning_goal": "Whether SDRs book meetings"} and two.others_saved
    stored = drafts.load(lib, "L-r")
    assert stored is not None and stored.payload == {
        "title": "Partner webinar", "learning_goal": "Whether SDRs book meetings",
        "lessons": "Invite the partner's sellers"}
    assert stored.version == 3
    # Blank text where nothing was stored is written, and is no conflict either.
    assert drafts.save(lib, EDITOR, "L-r", {"recommendations": "  "}, 3, {"recommendations": None}).conflicts == {}


def test_a_window_whose_view_is_old_never_overwrites_a_field_someone_else_changed(lib: Store) -> None:
    drafts.save(lib, EDITOR, "L-s", {"title": "T"}, 0, {})
    # Window B writes the lessons; window A, which never saw them, saves its goal and is now at the newest version.
    drafts.save(lib, EDITOR, "L-s", {"lessons": "B's lessons"}, 1, {"title": "T"})
    a = drafts.save(lib, EDITOR, "L-s", {"learning_goal": "A's goal"}, 1, {"title": "T"})
    assert a.conflicts == {} and a.version == 3
    # Window A then types lessons into its (empty) field: a real conflict, whatever version it holds.
    clash = drafts.save(lib, EDITOR, "L-s", {"lessons": "A's lessons"}, 3, {"title": "T", "learning_goal": "A's goal"})
    assert clash.conflicts == {"lessons": "B's lessons"}
    stored = drafts.load(lib, "L-s")
    assert stored is not None and stored.payload["lessons"] == "B's lessons" and stored.version == 3
    # Typing the very text the other window saved is no conflict: both agree.
    assert drafts.save(lib, EDITOR, "L-s", {"lessons": "B's lessons"}, 3, {}).conflicts == {}


def test_the_text_of_a_conflict_is_kept_until_a_save_writes_the_field(lib: Store) -> None:
    drafts.save(lib, EDITOR, "L-p", {"lessons": "first"}, 0, {})
    drafts.save(lib, EDITOR, "L-p", {"lessons": "B's lessons"}, 1, {"lessons": "first"})
    # Window A, which saw "first", rewrites the lessons: a conflict; its text waits beside the stored one.
    clash = drafts.save(lib, EDITOR, "L-p", {"lessons": "A's lessons", "title": "A's title"}, 1, {"lessons": "first"})
    assert clash.conflicts == {"lessons": "B's lessons"}
    kept = drafts.load(lib, "L-p")
    assert kept is not None
    assert (kept.payload, kept.pending) == ({"lessons": "B's lessons", "title": "A's title"}, {"lessons": "A's lessons"})
    # A keeps typing in the field: still a conflict, the newest text waits.
    drafts.save(lib, EDITOR, "L-p", {"lessons": "A's lessons, longer"}, 1, {"lessons": "first"})
    kept = drafts.load(lib, "L-p")
    assert kept is not None and kept.pending == {"lessons": "A's lessons, longer"}
    # Choosing (A's text over B's, knowing B's) writes the field and forgets the waiting text.
    drafts.save(lib, EDITOR, "L-p", {"lessons": "A's lessons, longer"}, kept.version, {"lessons": "B's lessons"})
    done = drafts.load(lib, "L-p")
    assert done is not None and (done.payload["lessons"], done.pending) == ("A's lessons, longer", {})


def test_saving_nothing_new_keeps_the_time_of_the_last_save(lib: Store) -> None:
    first = drafts.save(lib, EDITOR, "L-t", {"title": "T"}, 0, {})
    again = drafts.save(lib, EDITOR, "L-t", {"title": "T"}, 1, {"title": "T"})
    assert (again.version, again.saved_at) == (1, first.saved_at)
    assert drafts.save(lib, EDITOR, "L-none", {}, 0, {}).saved_at is None


def test_drafts_saved_under_the_forms_old_names_come_back_under_the_lessons_names(tmp_path: Path) -> None:
    with open_database(tmp_path / "old.duckdb") as s:
        # As a database made before the rename holds it: the migration not yet applied, a draft in the old words.
        s.execute("DELETE FROM schema_migrations WHERE name = '0024_draft_fields_by_their_lesson_names'")
        s.execute("ALTER TABLE drafts DROP COLUMN pending")
        old = {"title": "T", "goal": "G", "happened": "H", "recs": "R", "plan": "pl1", "date": "2026-05-01",
               "cohort": "c1", "lessons": "L", "tags": "a, b",
               "actions": [{"action_id": "", "description": "Call", "owner": "Eve Moreau (p5)", "due_on": "2026-06-01",
                            "done_on": None}]}
        s.execute("INSERT INTO drafts VALUES ('L-old', 'e@x', ?, 4, now(), 'e@x')", [json.dumps(old)])
        assert migrations.migrate(s) == ["0024_draft_fields_by_their_lesson_names"]
        draft = drafts.load(s, "L-old")
    assert draft is not None and draft.version == 4
    assert draft.payload == {
        "title": "T", "learning_goal": "G", "what_happened": "H", "recommendations": "R", "plan_id": "pl1",
        "occurred_on": "2026-05-01", "cohort_id": "c1", "lessons": "L", "tags": "a, b",
        "actions": [{"action_id": "", "description": "Call", "owner_id": "p5", "due_on": "2026-06-01",
                     "done_on": None}]}


def test_another_person_editing_the_same_lesson_is_a_conflict_too(lib: Store) -> None:
    drafts.save(lib, EDITOR, "l1", {"lessons": "editor's"}, 0, {"lessons": "old"})
    clash = drafts.save(lib, ADMIN, "l1", {"lessons": "admin's"}, 0, {"lessons": "old"})
    assert clash.conflicts == {"lessons": "editor's"}


def test_one_form_makes_one_lesson_through_failures_and_retries(lib: Store) -> None:
    form = postmortems.new_id("L")
    half = postmortems.LessonInput(title="Webinar", section="partnerships", occurred_on="2026-05-20")
    # A submit that fails the review check leaves the lesson as a draft under the form's id ...
    lid = postmortems.save_lesson(lib, EDITOR, half, form_id=form)
    assert lid == form
    with pytest.raises(InvalidData):
        postmortems.transition(lib, EDITOR, lid, "in_review")
    # ... and completing the same form, then submitting twice (a double click), still makes one lesson.
    full = postmortems.LessonInput(title="Webinar", section="partnerships", occurred_on="2026-05-20", learning_goal="g",
                            what_happened="w", outcome="worked", lessons="l")
    for _ in range(2):
        assert postmortems.save_lesson(lib, EDITOR, full, form_id=form) == form
    postmortems.transition(lib, EDITOR, form, "in_review")
    assert lib.query("SELECT count(*), min(status) FROM lessons WHERE title = 'Webinar'") == [(1, "in_review")]


def test_a_failed_save_writes_no_lesson_and_the_draft_keeps_the_text(lib: Store) -> None:
    form = postmortems.new_id("L")
    drafts.save(lib, EDITOR, form, {"what_happened": "We ran three webinars"}, 0, {})
    with pytest.raises(InvalidData):
        postmortems.save_lesson(lib, EDITOR, postmortems.LessonInput(what_happened="We ran three webinars"), form_id=form)
    assert lib.query_value("SELECT count(*) FROM lessons WHERE lesson_id = ?", [form]) == 0
    kept = drafts.load(lib, form)
    assert kept is not None and kept.payload == {"what_happened": "We ran three webinars"}


def test_discard_deletes_the_draft_and_its_draft_lesson_only(lib: Store) -> None:
    form = postmortems.new_id("L")
    drafts.save(lib, EDITOR, form, {"title": "x"}, 0, {})
    postmortems.save_lesson(lib, EDITOR, postmortems.LessonInput(title="x", section="email", occurred_on="2026-05-01"),
                     form_id=form)
    drafts.discard(lib, EDITOR, form)
    assert postmortems.delete_draft_lesson(lib, EDITOR, form) is True
    assert drafts.load(lib, form) is None
    assert lib.query_value("SELECT count(*) FROM lessons WHERE lesson_id = ?", [form]) == 0
    assert postmortems.delete_draft_lesson(lib, EDITOR, "l1") is False  # a published lesson stays


def test_my_drafts_show_date_id_and_status(lib: Store) -> None:
    drafts.save(lib, EDITOR, "L-c", {"title": "Being written"}, 0, {})
    rows = drafts.drafts_of(lib, EDITOR, postmortems.author_of(lib, EDITOR))
    assert ("L-c", "Being written", "being written") in {(r.id, r.title, r.status) for r in rows.itertuples()}
    assert rows["saved"].notna().all()
    assert drafts.drafts_of(lib, ADMIN, postmortems.author_of(lib, ADMIN))["id"].tolist().count("L-c") == 0


def test_the_caption_says_when_the_form_was_last_saved() -> None:
    now = dt.datetime(2026, 5, 31, 15, 0, 0)
    new = PostmortemForm("L-1a2b", editing=False, values={}, base={})
    assert postmortem_form.saved_caption(new, now) == \
        "Nothing typed yet: the form saves itself from your first keystroke (draft L-1a2b)."
    # A restored form says when its draft was saved (the day too, when it was not today).
    new.saved_at = dt.datetime(2026, 5, 31, 9, 4, 5)
    assert postmortem_form.saved_caption(new, now) == \
        "Saved on the server as you type · last saved at 09:04:05 UTC · draft L-1a2b"
    new.saved_at = dt.datetime(2026, 5, 28, 23, 59, 1)
    assert postmortem_form.saved_caption(new, now) == \
        "Saved on the server as you type · last saved at 23:59:01 UTC on 28 May 2026 · draft L-1a2b"
    # After this tab saved a field, it says which (the first two of a save of many).
    new.saved_at, new.last_saved = dt.datetime(2026, 5, 31, 14, 59, 58), ("lessons",)
    assert postmortem_form.saved_caption(new, now) == \
        "Saved on the server as you type · last saved at 14:59:58 UTC (Lessons) · draft L-1a2b"
    new.last_saved = ("title", "occurred_on", "actions")
    assert postmortem_form.saved_caption(new, now) == \
        "Saved on the server as you type · last saved at 14:59:58 UTC (Title, Date of the activity, …) · draft L-1a2b"
    editing = PostmortemForm("l1", editing=True, values={}, base={})
    assert postmortem_form.saved_caption(editing, now) == \
        "No changes yet: the form saves itself from your first keystroke (lesson l1)."
