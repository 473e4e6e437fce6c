"""AppTest of the Book of Learning pages: the post-mortem form, the lesson page, the library."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.access import auth
from data_layer.book import postmortems
from data_layer.db.migrations import open_database

from .conftest import USERS

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "streamlit_app.py")
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> [click](javascript:window.__xss=3)'


@pytest.fixture
def db(tmp_path: Path, small_db: Path) -> Path:
    copy = tmp_path / "book.duckdb"
    copy.write_bytes(small_db.read_bytes())
    return copy


def open_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, user: str = USERS["editor"],
              **query: str) -> AppTest:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", "2026-05-31")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["auth_email"] = user
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def widget(at: AppTest, kind: str, label: str) -> Any:
    """The post-mortem form's widget of this kind with this label (as a person finds it)."""
    [found] = [w for w in getattr(at, kind) if w.label == label]
    return found


def test_bad_input_shows_each_fields_sentence_and_keeps_the_text(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/postmortem.py")
    widget(at, "text_area", "What happened?").input("We ran three webinars; the second one flopped.").run()
    widget(at, "button", "Save draft").click().run()
    assert not at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    # Each problem under its field, named by the label on the page; the text stays.
    assert "“Title” must not be empty." in errors
    assert "“Section” must not be empty." in errors
    draft = at.query_params["draft"]
    assert any(f"Everything you wrote is kept as draft {draft}" in w.value.replace("\\", "") for w in at.warning)
    assert widget(at, "text_area", "What happened?").value == "We ran three webinars; the second one flopped."
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM lessons") == 5  # nothing written


def test_what_was_typed_comes_back_after_a_refresh(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/postmortem.py")
    assert any(c.value.startswith("Nothing typed yet") for c in at.caption)
    widget(at, "text_input", "Title").input("Half-written thoughts on the partner webinar").run()
    widget(at, "text_area", "Lessons").input("Line one\nLine two").run()
    # The form's own id is in the URL from its first save: a refresh (a new session on that URL,
    # a lost connection, a new sign-in) reopens exactly this form, and says when it was saved.
    draft = at.query_params["draft"]
    again = open_page(monkeypatch, db, "pages/postmortem.py", draft=draft)
    assert widget(again, "text_input", "Title").value == "Half-written thoughts on the partner webinar"
    assert widget(again, "text_area", "Lessons").value == "Line one\nLine two"
    assert any("Restored what was written in this form" in i.value for i in again.info)
    assert any(re.search(rf"last saved at \d\d:\d\d:\d\d UTC · draft {draft}$", c.value) for c in again.caption)
    assert not any("Nothing typed yet" in c.value for c in again.caption)
    # A second window opening a new post-mortem gets an empty form and the draft to resume.
    second = open_page(monkeypatch, db, "pages/postmortem.py")
    assert widget(second, "text_input", "Title").value == ""
    assert any(draft in m.value.replace("\\", "") and "being written" in m.value for m in second.markdown)
    # Someone else does not get it.
    other = open_page(monkeypatch, db, "pages/postmortem.py", user=USERS["admin"])
    assert widget(other, "text_input", "Title").value == ""
    assert not any(draft in m.value.replace("\\", "") for m in other.markdown)


def test_a_run_without_the_draft_in_its_address_keeps_the_form(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    # Resume is an in-app link: the run after it may come without ?draft= in the address.
    at = open_page(monkeypatch, db, "pages/postmortem.py")
    widget(at, "text_input", "Title").input("Resumed in one tab").run()
    draft = at.query_params["draft"]
    again = open_page(monkeypatch, db, "pages/postmortem.py", draft=draft)
    del again.query_params["draft"]
    widget(again, "text_area", "Lessons").input("Typed after resuming").run()
    assert not again.exception
    assert widget(again, "text_input", "Title").value == "Resumed in one tab"
    assert widget(again, "text_area", "Lessons").value == "Typed after resuming"
    assert again.query_params["draft"] == draft  # put back into the address
    assert not [w for w in again.warning if "Nothing was overwritten" in w.value]
    with open_database(db) as s:
        assert s.query_value("SELECT payload->>'lessons' FROM drafts WHERE form_key = ?", [draft]) == \
            "Typed after resuming"
    # To another page and back through the menu: the same form, with its text.
    again.switch_page("pages/book.py").run()
    again.query_params.clear()
    again.switch_page("pages/postmortem.py").run()
    assert not again.exception
    assert widget(again, "text_input", "Title").value == "Resumed in one tab"
    assert widget(again, "text_area", "Lessons").value == "Typed after resuming"
    assert again.query_params["draft"] == draft


def test_signing_out_forgets_the_form(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/postmortem.py")
    widget(at, "text_input", "Title").input("Not for the next person").run()
    assert "form_postmortem" in at.session_state
    at.button(key="sign_out").click().run()
    assert "form_postmortem" not in at.session_state


def test_a_conflict_survives_a_refresh_until_the_person_chooses(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    a = open_page(monkeypatch, db, "pages/postmortem.py")
    widget(a, "text_area", "Lessons").input("First lessons").run()
    draft = a.query_params["draft"]
    b = open_page(monkeypatch, db, "pages/postmortem.py", draft=draft)
    widget(b, "text_area", "Lessons").input("B's lessons").run()
    widget(a, "text_area", "Lessons").input("A's lessons").run()
    assert any("Nothing was overwritten" in w.value for w in a.warning)
    # Tab A is refreshed before choosing: its text and the question come back.
    again = open_page(monkeypatch, db, "pages/postmortem.py", draft=draft)
    assert any("Nothing was overwritten" in w.value for w in again.warning)
    assert widget(again, "text_area", "Lessons").value == "A's lessons"
    assert any(m.value.replace("\\", "") == "B's lessons" for m in again.markdown)  # the other, saved
    # Typing on is no choice: the stored text stays until "Keep yours".
    widget(again, "text_area", "Lessons").input("A's lessons, longer").run()
    with open_database(db) as s:
        assert s.query_value("SELECT payload->>'lessons' FROM drafts WHERE form_key = ?", [draft]) == "B's lessons"
    widget(again, "button", "Keep yours").click().run()
    assert not any("Nothing was overwritten" in w.value for w in again.warning)
    with open_database(db) as s:
        assert s.query_one("SELECT payload->>'lessons', pending FROM drafts WHERE form_key = ?", [draft]) == \
            ("A's lessons, longer", None)


def test_the_form_shows_no_section_help_before_a_section_is_chosen(monkeypatch: pytest.MonkeyPatch,
                                                                   db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/postmortem.py")
    assert not any("this activity" in c.value for c in at.caption)
    widget(at, "selectbox", "Section").select("partnerships").run()
    assert any(c.value == "Partnerships & ecosystem: Which partner, which accounts, meetings and pipeline created."
               for c in at.caption)


def test_a_complete_post_mortem_is_saved_and_opens_its_page(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/postmortem.py", plan="pl3")
    # Starting from a plan fills in section, goal, cohort and the plan itself (option values are ids).
    assert widget(at, "selectbox", "Section").value == "sales_plays"
    assert widget(at, "text_area", "What did we hope to learn?").value == "Learn whether marketplace deals close faster"
    assert widget(at, "selectbox", "Cohort (optional)").value == "c2"
    assert widget(at, "selectbox", "Plan it reviews (optional)").value == "pl3"
    widget(at, "selectbox", "Outcome").select("flopped").run()
    widget(at, "text_area", "What happened?").input("Two deals moved; neither closed faster.").run()
    widget(at, "text_area", "Lessons").input("Marketplace listing is not a play by itself.").run()
    widget(at, "text_input", "Tags (comma separated)").input("marketplace, co-sell").run()
    # Two follow-up actions through the keyboard-friendly "Add" row; the owner is chosen by id, shown by name.
    owner = widget(at, "selectbox", "Owner")
    assert "p5" in owner.options or "Eve Moreau" in owner.options
    for what, due in (("Drop the marketplace-only play", "2026-06-15"),
                      ("Pair listings with a partner intro", "2026-06-30")):
        widget(at, "text_input", "Action").input(what)
        widget(at, "selectbox", "Owner").set_value("p5")
        widget(at, "date_input", "Due").set_value(dt.date.fromisoformat(due))
        widget(at, "button", "Add").click().run()
        assert not at.exception
    assert not any("An action needs" in e.value for e in at.error)
    widget(at, "button", "Save and submit for review").click().run()
    assert not at.exception
    assert at.success and at.success[0].value == "Saved."
    assert [t.value for t in at.title] == ["Post\\-mortem\\: Marketplace co\\-sell play"]
    with open_database(db) as s:
        row = s.query_one("SELECT status, plan_id, outcome, tags FROM lessons WHERE plan_id = 'pl3'")
        assert row == ("in_review", "pl3", "flopped", ["marketplace", "co-sell"])
        assert s.query("SELECT description, owner_id, due_on FROM actions a JOIN lessons l USING (lesson_id) "
                       "WHERE l.plan_id = 'pl3' ORDER BY due_on") == [
            ("Drop the marketplace-only play", "p5", dt.date(2026, 6, 15)),
            ("Pair listings with a partner intro", "p5", dt.date(2026, 6, 30))]
        assert s.query_value("SELECT count(*) FROM drafts") == 0  # the form's draft is gone once submitted


def test_editing_a_lesson_keeps_its_actions_owners_by_id(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/postmortem.py", lesson="l4")
    assert [t.value for t in at.title] == ["Edit post-mortem"]
    assert widget(at, "text_input", "Title").value == "Tool rollout"
    assert widget(at, "selectbox", "Section").value == "enablement"
    assert any(c.value == "No changes yet: the form saves itself from your first keystroke (lesson l4)." for c in at.caption)
    widget(at, "text_area", "Lessons").input("Pair with a tutorial, and a video").run()
    assert at.query_params["lesson"] == "l4" and "draft" not in at.query_params
    widget(at, "button", "Save draft").click().run()
    assert not at.exception
    with open_database(db) as s:
        assert s.query_value("SELECT lessons FROM lessons WHERE lesson_id = 'l4'") == "Pair with a tutorial, and a video"
        # Its two actions (owned by p4, who is not among the usual owners) are written back unchanged.
        assert s.query("SELECT action_id, owner_id, due_on FROM actions WHERE lesson_id = 'l4' ORDER BY action_id") == [
            ("ac3", "p4", dt.date(2026, 6, 15)), ("ac5", "p4", dt.date(2026, 5, 20))]
        assert s.query_value("SELECT count(*) FROM drafts") == 0


def test_publishing_from_the_lesson_page(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    with open_database(db) as s:
        lid = postmortems.save_lesson(s, auth.Actor(USERS["editor"], "editor"), postmortems.LessonInput(
            title="Review me", section="email", occurred_on="2026-05-20", learning_goal="g", what_happened="w",
            outcome="worked", lessons="l"))
        postmortems.transition(s, auth.Actor(USERS["editor"], "editor"), lid, "in_review")
    at = open_page(monkeypatch, db, "pages/lesson.py", lesson=lid)
    at.button(key="wf_publish").click().run()
    assert not at.exception
    with open_database(db) as s:
        assert s.query_value("SELECT status FROM lessons WHERE lesson_id = ?", [lid]) == "published"
    history = at.dataframe[-1].value
    assert list(history["What"]) == ["create", "in_review", "published"]


def test_viewers_read_published_lessons_but_not_drafts(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/lesson.py", user=USERS["viewer"], lesson="l1")
    assert at.title[0].value == "Co\\-branded email flopped"
    assert not [b for b in at.button if b.key in ("wf_publish", "wf_review", "lesson_apply")]
    at = open_page(monkeypatch, db, "pages/lesson.py", user=USERS["viewer"], lesson="l3")  # a draft
    assert any("No such lesson" in i.value for i in at.info)


def test_text_people_wrote_is_shown_escaped(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    with open_database(db) as s:
        s.execute("UPDATE lessons SET title = ?, lessons = ?, what_happened = ? WHERE lesson_id = 'l1'",
                  [XSS, XSS, XSS])
    at = open_page(monkeypatch, db, "pages/lesson.py", lesson="l1")
    shown = [m.value for m in at.markdown] + [t.value for t in at.title]
    assert not any("<script>" in v or "<img" in v or "](javascript:" in v for v in shown)
    assert any("&lt;script&gt;" in v for v in shown)


def test_library_search_finds_and_filters(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/book.py", user=USERS["viewer"])
    at.text_input(key="q").input("email").run()
    search_tab = at.tabs[0]
    cards = [m.value for m in search_tab.markdown if m.value.startswith("**")]
    assert cards == ["**Co\\-branded email flopped**  \nEmail · flopped · 28 Feb 2026 · Eve Moreau"]
    assert any("1 published lesson matches · showing 1–1" in c.value for c in search_tab.caption)
    at.text_input(key="q").input("nothing matches this").run()
    assert any("No published lesson matches" in i.value for i in at.tabs[0].info)


def test_plans_page_edits_a_plan_and_lists_overdue_ones(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/plans.py")
    # Today 2026-05-31: pl3 ended 05-10, before 05-17 (14 days ago), with no lesson: overdue.
    assert [w.value for w in at.warning] == ["1 plan ended more than 14 days ago with no post-mortem."]
    at.selectbox(key="plan_edit_pick").select("pl2").run()
    at.text_input(key="plan_edit_name").input("Partner webinar (spring)")
    at.button(key="plan_edit_save").click().run()
    assert not at.exception
    assert any(s.value == "Plan saved." for s in at.success)
    with open_database(db) as s:
        assert s.query_value("SELECT name FROM plans WHERE plan_id = 'pl2'") == "Partner webinar (spring)"


def test_actions_page_marks_an_action_done(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/actions.py")
    # Open actions on 2026-05-31: ac2 (due 04-15, overdue) and ac3 (due 06-15).
    assert any("1 overdue of 2 shown" in c.value for c in at.caption)
    # Each open action is listed with its owner, due day and lesson, and a Done button of its own.
    assert {b.key for b in at.button if b.key.startswith("act_done_")} == {"act_done_ac2", "act_done_ac3"}
    with open_database(db) as s:
        desc, owner, lesson = s.query("SELECT a.description, coalesce(p.name, a.owner_id), l.title FROM actions a "
                                      "JOIN lessons l USING (lesson_id) LEFT JOIN people p ON p.person_id = a.owner_id "
                                      "WHERE action_id = 'ac2'")[0]
    page_text = " ".join(m.value for m in at.markdown)
    assert "2026-04-15 · :red[overdue]" in page_text and "2026-06-15" in page_text
    at.button(key="act_done_ac2").click().run()
    assert not at.exception
    with open_database(db) as s:
        assert s.query_value("SELECT done_on FROM actions WHERE action_id = 'ac2'") == dt.date(2026, 5, 31)
    # The confirmation names the action, its owner and lesson; ac2 leaves the open list.
    [confirmation] = at.success
    assert confirmation.value.startswith("Marked done on 2026-05-31:")
    assert all(part.replace("-", "\\-") in confirmation.value or part in confirmation.value
               for part in (desc, owner, lesson))
    assert {b.key for b in at.button if b.key.startswith("act_done_")} == {"act_done_ac3"}
    # Undo reopens it.
    at.button(key="act_undo").click().run()
    with open_database(db) as s:
        assert s.query_value("SELECT done_on FROM actions WHERE action_id = 'ac2'") is None


def test_a_flop_is_thanked_as_published_only_once_it_is(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/lesson.py", lesson="l1")  # l1 flopped and is published
    assert any(i.value.startswith("A flop, published: thank you") for i in at.info)
    with open_database(db) as s:
        s.execute("UPDATE lessons SET status = 'in_review' WHERE lesson_id = 'l1'")
    at = open_page(monkeypatch, db, "pages/lesson.py", lesson="l1")
    assert not any("thank you" in i.value for i in at.info)
    assert any(i.value.startswith("A flop, written down") for i in at.info)
