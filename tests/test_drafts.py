"""A form's draft: saved field by field with versions; one form, one lesson; nothing overwritten silently."""

from __future__ import annotations

import pytest

from data_layer.access import auth
from data_layer.book import drafts, postmortems
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
    second = drafts.save(lib, EDITOR, "L-a", {"happened": "Forty came"}, 1, {"title": "Webinar"})
    assert second.version == 2
    draft = drafts.load(lib, "L-a")
    assert draft is not None and draft.payload == {"title": "Webinar", "happened": "Forty came"}
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
    drafts.save(lib, EDITOR, form, {"happened": "We ran three webinars"}, 0, {})
    with pytest.raises(InvalidData):
        postmortems.save_lesson(lib, EDITOR, postmortems.LessonInput(what_happened="We ran three webinars"), form_id=form)
    assert lib.query_value("SELECT count(*) FROM lessons WHERE lesson_id = ?", [form]) == 0
    kept = drafts.load(lib, form)
    assert kept is not None and kept.payload == {"happened": "We ran three webinars"}


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
