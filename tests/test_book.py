"""The Book of Learning's data layer: saving, idempotent submits, drafts, workflow, plans, actions,
search ranking, related lessons, the Markdown ring binder."""

from __future__ import annotations

import datetime as dt

import pytest

from data_layer.access import auth
from data_layer.book import drafts, library, postmortems
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData

from .conftest import USERS, add_test_users

EDITOR = auth.Actor(USERS["editor"], "editor")
VIEWER = auth.Actor(USERS["viewer"], "viewer")


@pytest.fixture
def lib(small_store: Store) -> Store:
    add_test_users(small_store)
    return small_store


def complete(**over: object) -> postmortems.LessonInput:
    values: dict[str, object] = dict(
        title="Partner webinar for SDRs", section="partnerships", occurred_on="2026-05-20",
        learning_goal="Learn whether SDRs book meetings from a partner webinar",
        what_happened="Forty attended; six meetings booked", outcome="worked",
        lessons="Invite the partner's sellers too", recommendations="Run it monthly",
        tags=["webinar", "co-sell"], cohort_id="c2",
        actions=[postmortems.ActionInput("Book the next date", "p5", "2026-06-15"),
                 postmortems.ActionInput("Share the recording", "p4", "2026-06-01")])
    values.update(over)
    return postmortems.LessonInput(**values)  # type: ignore[arg-type]


def test_a_complete_post_mortem_is_saved_as_a_draft_with_its_actions(lib: Store) -> None:
    lesson_id = postmortems.save_lesson(lib, EDITOR, complete())
    row = postmortems.lesson(lib, lesson_id)
    assert row is not None and row["status"] == "draft" and row["author_id"] == USERS["editor"]
    assert list(postmortems.actions_of(lib, lesson_id)["description"]) == ["Share the recording", "Book the next date"]
    assert lib.query("SELECT action FROM audit_log WHERE entity = 'lesson'") == [("create",)]


def test_the_same_submit_token_creates_one_lesson(lib: Store) -> None:
    before = lib.query_value("SELECT count(*) FROM lessons")
    first = postmortems.save_lesson(lib, EDITOR, complete(), token="form-123")
    again = postmortems.save_lesson(lib, EDITOR, complete(), token="form-123")
    assert first == again
    assert lib.query_value("SELECT count(*) FROM lessons") == before + 1
    # A later fix sent with the same form's token updates that lesson.
    fixed = postmortems.save_lesson(lib, EDITOR, complete(title="Partner webinar for SDRs, v2"), token="form-123")
    assert fixed == first and postmortems.lesson(lib, first)["title"] == "Partner webinar for SDRs, v2"  # type: ignore[index]
    assert lib.query_value("SELECT count(*) FROM lessons") == before + 1


def test_bad_input_names_each_field_and_writes_nothing(lib: Store) -> None:
    before = lib.query("SELECT count(*) FROM lessons UNION ALL SELECT count(*) FROM actions")
    with pytest.raises(InvalidData) as caught:
        postmortems.save_lesson(lib, EDITOR, complete(
            title="  ", section="astrology", occurred_on="31/05/2026", outcome="great",
            actions=[postmortems.ActionInput("Do it", "nobody", "2026-06-01"), postmortems.ActionInput("", "p4", "soon")]))
    fields = {p.field for p in caught.value.problems}
    assert {"title", "section", "occurred_on", "outcome", "actions.1.owner_id", "actions.2.description",
            "actions.2.due_on"} <= fields
    assert lib.query("SELECT count(*) FROM lessons UNION ALL SELECT count(*) FROM actions") == before


def test_a_draft_may_be_incomplete_but_review_needs_the_publishing_fields(lib: Store) -> None:
    lesson_id = postmortems.save_lesson(lib, EDITOR, postmortems.LessonInput(title="Half-written", section="email",
                                                               occurred_on="2026-05-01"))
    assert postmortems.missing_for_publishing(lib, lesson_id) == ["learning_goal", "what_happened", "outcome", "lessons"]
    with pytest.raises(InvalidData, match="Fill in learning goal, what happened, outcome, lessons first"):
        postmortems.transition(lib, EDITOR, lesson_id, "in_review")
    assert postmortems.lesson(lib, lesson_id)["status"] == "draft"  # type: ignore[index]


def test_the_workflow_and_its_forbidden_moves(lib: Store) -> None:
    lesson_id = postmortems.save_lesson(lib, EDITOR, complete())
    with pytest.raises(InvalidData, match="cannot be moved to published"):
        postmortems.transition(lib, EDITOR, lesson_id, "published")           # draft -> published skips review
    postmortems.transition(lib, EDITOR, lesson_id, "in_review")
    with pytest.raises(InvalidData, match="Say why"):
        postmortems.transition(lib, EDITOR, lesson_id, "draft")               # back without a reason
    postmortems.transition(lib, EDITOR, lesson_id, "published")
    row = postmortems.lesson(lib, lesson_id)
    assert row is not None and row["status"] == "published" and row["published_at"] is not None
    with pytest.raises(InvalidData, match="cannot be moved to in review"):
        postmortems.transition(lib, EDITOR, lesson_id, "in_review")
    postmortems.transition(lib, EDITOR, lesson_id, "draft", reason="numbers were wrong")
    row = postmortems.lesson(lib, lesson_id)
    assert row is not None and row["status"] == "draft" and row["published_at"] is None or str(row["published_at"]) == "NaT"
    history = lib.query("SELECT action, summary FROM audit_log WHERE entity_id = ? ORDER BY audit_id", [lesson_id])
    assert history == [("create", "Partner webinar for SDRs (2 follow-up actions)"),
                       ("in_review", "submitted for review"), ("published", "published"),
                       ("draft", "returned to draft: numbers were wrong")]


def test_viewers_cannot_write_anything_in_the_book(lib: Store) -> None:
    lesson_id = postmortems.save_lesson(lib, EDITOR, complete())
    counts = lib.query("SELECT (SELECT count(*) FROM lessons), (SELECT count(*) FROM plans), "
                       "(SELECT count(*) FROM audit_log), (SELECT count(*) FROM drafts)")
    writes = [
        lambda: postmortems.save_lesson(lib, VIEWER, complete()),
        lambda: postmortems.transition(lib, VIEWER, lesson_id, "in_review"),
        lambda: postmortems.save_plan(lib, VIEWER, {"name": "x", "section": "email", "owner_id": "p5",
                                             "starts_on": "2026-01-01", "ends_on": "2026-01-02",
                                             "learning_goal": "g"}),
        lambda: postmortems.mark_action_done(lib, VIEWER, "ac2", dt.date(2026, 5, 1)),
        lambda: postmortems.set_section_owner(lib, VIEWER, "email", "p5"),
        lambda: postmortems.record_application(lib, VIEWER, "l1"),
        lambda: drafts.save(lib, VIEWER, "L-new", {"title": "x"}, 0, {}),
        lambda: postmortems.save_lesson(lib, None, complete()),
    ]
    for write in writes:
        with pytest.raises(auth.NotPermitted):
            write()
    assert lib.query("SELECT (SELECT count(*) FROM lessons), (SELECT count(*) FROM plans), "
                     "(SELECT count(*) FROM audit_log), (SELECT count(*) FROM drafts)") == counts


def test_plans_actions_sections_and_applications(lib: Store) -> None:
    pid = postmortems.save_plan(lib, EDITOR, {"name": "Q3 webinar", "section": "partnerships", "owner_id": "p5",
                                        "starts_on": "2026-07-01", "ends_on": "2026-07-31",
                                        "learning_goal": "Learn whether webinars create pipeline"})
    plans = postmortems.list_plans(lib, dt.date(2026, 6, 30)).set_index("plan_id")
    assert plans.loc["pl3", "overdue"] and not plans.loc[pid, "ended_without_postmortem"]
    # pl4 ended 06-20 with no lesson: ended without a post-mortem, but not yet 14 days overdue.
    assert bool(plans.loc["pl4", "ended_without_postmortem"]) and not bool(plans.loc["pl4", "overdue"])
    with pytest.raises(InvalidData, match="ends_on"):
        postmortems.save_plan(lib, EDITOR, {"name": "x", "section": "email", "owner_id": "p5", "starts_on": "2026-07-02",
                                     "ends_on": "2026-07-01", "learning_goal": "g"})
    overdue = postmortems.list_actions(lib, dt.date(2026, 6, 30), overdue_only=True)
    assert list(overdue["action_id"]) == ["ac2", "ac3"]
    postmortems.mark_action_done(lib, EDITOR, "ac2", dt.date(2026, 6, 30))
    assert list(postmortems.list_actions(lib, dt.date(2026, 6, 30), overdue_only=True)["action_id"]) == ["ac3"]
    postmortems.set_section_owner(lib, EDITOR, "email", "p5")
    assert postmortems.sections(lib).set_index("section_id").loc["email", "owner"] == "Eve Moreau"
    postmortems.save_plan(lib, EDITOR, {"name": "Q3 webinar, moved", "section": "partnerships", "owner_id": "p5",
                                 "starts_on": "2026-07-08", "ends_on": "2026-08-07",
                                 "learning_goal": "Learn whether webinars create pipeline"}, plan_id=pid)
    assert lib.query_value("SELECT name FROM plans WHERE plan_id = ?", [pid]) == "Q3 webinar, moved"
    assert postmortems.record_application(lib, EDITOR, "l1") is True
    assert postmortems.record_application(lib, EDITOR, "l1") is False  # once per person
    assert postmortems.lesson(lib, "l1")["applied"] == 1  # type: ignore[index]
    with pytest.raises(InvalidData, match="Only published"):
        postmortems.record_application(lib, EDITOR, "l3")
    # One audit entry per write, by the editor.
    assert lib.query("SELECT entity, entity_id, action FROM audit_log WHERE actor = ? ORDER BY audit_id",
                     [USERS["editor"]]) == [
        ("plan", pid, "create"), ("action", "ac2", "done"), ("section", "email", "set_owner"),
        ("plan", pid, "edit"), ("lesson", "l1", "applied")]


# ------------------------------------------------------------------------------ search
def test_search_ranks_title_and_tag_matches_first(lib: Store) -> None:
    # "email": l1's title ("Co-branded email flopped") and tags hit; l2 and l4 do not mention it.
    found = library.search(lib, "email")
    assert list(found["lesson_id"]) == ["l1"]
    # "partner": l2 mentions it only in its lessons text ("Invite the partner's sellers too");
    # a new lesson with "partner" in its title must rank above it.
    new = postmortems.save_lesson(lib, EDITOR, complete(title="Partner office hours", tags=["office-hours"]))
    postmortems.transition(lib, EDITOR, new, "in_review")
    postmortems.transition(lib, EDITOR, new, "published")
    assert list(library.search(lib, "partner")["lesson_id"])[:2] == [new, "l2"]
    # Every word must match: nothing has both.
    assert library.search(lib, "email webinar").empty


def test_search_filters_and_ignores_drafts(lib: Store) -> None:
    assert set(library.search(lib, "")["lesson_id"]) == {"l1", "l2", "l4", "l5"}  # l3 is a draft
    assert list(library.search(lib, "", library.LibraryFilter(outcome="flopped"))["lesson_id"]) == ["l1"]
    assert list(library.search(lib, "", library.LibraryFilter(tag="tools"))["lesson_id"]) == ["l4"]
    assert list(library.search(lib, "", library.LibraryFilter(section="partnerships", author_id="p6"))["lesson_id"]) == ["l5"]


@pytest.mark.parametrize("hostile", ["' OR 1=1 --", "%", "_", "l1'); DELETE FROM lessons; --", "[a-z]*"])
def test_search_treats_hostile_text_as_words(lib: Store, hostile: str) -> None:
    library.search(lib, hostile)
    assert lib.query_value("SELECT count(*) FROM lessons") == 5


def test_related_lessons_prefer_section_tags_and_shared_words(lib: Store) -> None:
    found = library.related(lib, "partnerships", ["webinar"], "webinar for partner sellers")
    # l2: section 3 + tag 2 + words webinar, partner, sellers 3 = 8; l5: section only = 3;
    # l4: "sellers" in its goal = 1. Nothing else shares anything.
    assert list(found["lesson_id"]) == ["l2", "l5", "l4"]
    assert library.related(lib, "seo", [], "nothing in common here").empty


def test_ring_binder_markdown_groups_by_section_and_escapes_people_s_text(lib: Store) -> None:
    lib.execute("UPDATE lessons SET lessons = '<script>alert(1)</script> see [here](javascript:alert(2))' "
                "WHERE lesson_id = 'l4'")
    text = library.ring_binder(lib, ["l1", "l4"], title="Q2 review")
    assert text.startswith("# Q2 review\n\n2 lessons.")
    assert text.index("## Email") < text.index("## Enablement &amp; tools")
    assert "### Co\\-branded email flopped" in text or "### Co-branded email flopped" in text
    assert "- [x] Rewrite the subject lines (Eve Moreau, due 2026-03-31, done 2026-03-30)" in text
    assert "- [ ] Brief the partner (Eve Moreau, due 2026-04-15, open)" in text
    assert "<script>" not in text and "](javascript:" not in text
    assert "&lt;script&gt;" in text
