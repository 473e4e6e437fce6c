"""In a real browser: an editor writes a post-mortem with two actions, publishes it, finds it by
search and opens it; a lesson carrying an XSS payload runs no script."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_layer.access import auth
from data_layer.book import postmortems
from data_layer.db.migrations import open_database

from .browser import Servers, choose, sign_in, wait_for_script_idle
from .conftest import ARTIFACTS, DEMO_TODAY

pytestmark = pytest.mark.browser
XSS = ('<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
       ' [click me](javascript:window.__xss=3) <a href="javascript:window.__xss=4">link</a>')


@pytest.fixture
def db(tmp_path: Path, demo_db: Path, servers: Servers) -> Iterator[Path]:
    """A copy of the demo database for one test; its server (if any) ends with the test."""
    copy = tmp_path / "book.duckdb"
    shutil.copyfile(demo_db, copy)
    yield copy
    servers.stop(copy)


def test_editor_writes_publishes_finds_and_opens_a_post_mortem(db: Path, servers: Servers,
                                                               new_page: Callable[..., Page]) -> None:
    with open_database(db) as s:
        owner = s.query_value("SELECT name FROM people WHERE role = 'marketer' ORDER BY name LIMIT 1")
    title = "Quokka webinar for partner sellers"
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1000})
    sign_in(page, url, "editor@demo.example", "demo-editor-pass")
    page.get_by_test_id("stSidebarNav").get_by_text("Log a post-mortem", exact=True).click()
    expect(page.get_by_role("heading", name="Log a post-mortem")).to_be_visible(timeout=30_000)
    page.get_by_role("textbox", name="Title").fill(title)
    page.keyboard.press("Tab")
    choose(page, "Section", "Partnerships")
    choose(page, "Outcome", "flopped")
    for label, text in (("What did we hope to learn?", "Whether partner sellers join our webinars"),
                        ("What happened?", "Nine registered, two came."),
                        ("Lessons", "Ask the partner manager to invite their team."),
                        ("Recommendations", "Co-host next time.")):
        page.get_by_role("textbox", name=label).fill(text)
        page.keyboard.press("Tab")
    page.get_by_role("textbox", name="Tags (comma separated)").fill("webinar, quokka")
    page.keyboard.press("Tab")
    for what, due in (("Ask partner managers to co-host", "2026-12-15"), ("Move webinars to Tuesdays", "2027-01-10")):
        page.get_by_role("textbox", name="Action").fill(what)
        choose(page, "Owner", owner)
        due_box = page.get_by_test_id("stDateInput").filter(has=page.get_by_text("Due", exact=True))
        due_box.locator("input").fill(due)
        due_box.locator("input").press("Enter")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_text("No follow-up actions yet")).to_have_count(0, timeout=30_000)
        # the form has taken the action and cleared itself, and its rerun has ended
        expect(page.get_by_role("textbox", name="Action")).to_have_value("", timeout=30_000)
        wait_for_script_idle(page)
    page.screenshot(path=str(ARTIFACTS / "postmortem-form.png"), full_page=True)
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile(r"^Published · ")).first).to_be_visible(timeout=30_000)

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Book of Learning").click()
    expect(page.get_by_role("heading", name="Book of Learning")).to_be_visible(timeout=30_000)
    page.get_by_role("textbox", name=re.compile("^Search title")).fill("quokka webinar")
    page.keyboard.press("Enter")
    results = page.get_by_role("tabpanel", name="Search")
    expect(results.get_by_text("1 published lesson matches · showing 1–1", exact=True)).to_be_visible(
        timeout=30_000)
    expect(results.get_by_text(title)).to_be_visible()
    expect(results.get_by_test_id("stPageLink")).to_have_count(1, timeout=30_000)  # the rerun has settled
    page.screenshot(path=str(ARTIFACTS / "book-search.png"), full_page=True)
    results.get_by_test_id("stPageLink").filter(has_text="Open").first.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Ask partner managers to co-host")).to_have_count(0)  # grid cells are canvas
    page.screenshot(path=str(ARTIFACTS / "lesson-page.png"), full_page=True)
    servers.stop(db)
    with open_database(db) as s:
        row = s.query_one("SELECT lesson_id, status, outcome FROM lessons WHERE title = ?", [title])
        assert row is not None and row[1:] == ("published", "flopped")
        assert [r[0] for r in s.query("SELECT description FROM actions WHERE lesson_id = ? ORDER BY due_on",
                                      [row[0]])] == ["Ask partner managers to co-host", "Move webinars to Tuesdays"]
        assert s.query_value("SELECT count(*) FROM lessons WHERE title = ?", [title]) == 1


def test_an_xss_payload_in_a_lesson_runs_no_script(db: Path, servers: Servers, new_page: Callable[..., Page]) -> None:
    editor = auth.Actor("editor@demo.example", "editor")
    with open_database(db) as s:
        lid = postmortems.save_lesson(s, editor, postmortems.LessonInput(
            title=f"Hostile {XSS}", section="email", occurred_on="2026-11-01", learning_goal=XSS,
            what_happened=XSS, outcome="flopped", lessons=XSS, recommendations=XSS, tags=["<b>x</b>"]))
        postmortems.transition(s, editor, lid, "in_review")
        postmortems.transition(s, editor, lid, "published")
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # A deep link to the lesson: sign in first, then it opens on that lesson.
    sign_in(page, f"{url}/lesson?lesson={lid}", "viewer@demo.example", "demo-viewer-pass")
    expect(page.get_by_role("heading", name=re.compile("^Hostile"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("window.__xss=1").first).to_be_visible()  # shown as text
    for link in page.get_by_text("click me").all():
        link.click(timeout=2_000, force=True)
    # a click runs its handler at once; the page is still the lesson and still the app's
    expect(page.get_by_role("heading", name=re.compile("^Hostile"))).to_be_visible()
    page.wait_for_load_state("networkidle")  # anything a click set off has been fetched
    wait_for_script_idle(page)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator("img[onerror]").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("script:has-text('__xss')").count() == 0
    page.screenshot(path=str(ARTIFACTS / "xss-lesson.png"), full_page=True)


def test_editor_marks_a_follow_up_action_done_in_one_click(db: Path, servers: Servers,
                                                           new_page: Callable[..., Page]) -> None:
    with open_database(db) as s:
        # The open action due soonest is listed first (the page orders open actions by due day, then id).
        action_id, description, lesson = s.query(
            "SELECT a.action_id, a.description, l.title FROM actions a JOIN lessons l USING (lesson_id) "
            "WHERE a.done_on IS NULL ORDER BY a.due_on, a.action_id LIMIT 1")[0]
        open_before = s.query_value("SELECT count(*) FROM actions WHERE done_on IS NULL")
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1000})
    sign_in(page, f"{url}/actions", "editor@demo.example", "demo-editor-pass")
    expect(page.get_by_role("heading", name="Open actions")).to_be_visible(timeout=30_000)
    # The row of the action due soonest: its own Done button (Streamlit marks it with its key).
    done = page.locator(f".st-key-act_done_{action_id}").get_by_role("button", name="Done")
    expect(done).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name=lesson).first).to_be_visible()
    done.click()
    confirmation = page.get_by_test_id("stAlertContentSuccess")
    expect(confirmation).to_contain_text(f"Marked done on {DEMO_TODAY:%Y-%m-%d}", timeout=30_000)
    expect(confirmation).to_contain_text(description)
    expect(confirmation).to_contain_text(lesson)
    page.screenshot(path=str(ARTIFACTS / "actions-done.png"), full_page=True)
    servers.stop(db)
    with open_database(db) as s:
        assert s.query_value("SELECT done_on FROM actions WHERE action_id = ?", [action_id]) == DEMO_TODAY
        assert s.query_value("SELECT count(*) FROM actions WHERE done_on IS NULL") == open_before - 1
