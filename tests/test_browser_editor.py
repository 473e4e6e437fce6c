"""In a real browser, the editor's day: nothing typed is lost, one form makes one lesson, two tabs
lose nothing, discard empties the form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.db.migrations import open_database

from .browser import CHROMIUM_FLAGS, chromium_path, sign_in, streamlit_server
from .conftest import ARTIFACTS, DEMO_TODAY
from .test_browser_auth import wait_for_cookie

pytestmark = pytest.mark.browser


@pytest.fixture
def db(tmp_path: Path, demo_db: Path) -> Path:
    copy = tmp_path / "editor.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    return copy


def open_form(page: object, url: str) -> None:
    page.goto(f"{url}/postmortem")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Log a post-mortem")).to_be_visible(timeout=30_000)  # type: ignore


def area(page: object, label: str) -> object:
    return page.get_by_role("textbox", name=label)  # type: ignore[attr-defined]


def test_text_survives_a_reload_without_leaving_the_field_and_one_form_makes_one_lesson(db: Path) -> None:
    executable = chromium_path()
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "editor-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1100})
            page = context.new_page()
            sign_in(page, url, "editor@demo.example", "demo-editor-pass")
            wait_for_cookie(context)
            open_form(page, url)
            happened = area(page, "What happened?")
            happened.click()  # type: ignore[attr-defined]
            page.keyboard.type("We ran three partner webinars; the second one flopped.", delay=10)
            # No Tab, no Ctrl+Enter, no click elsewhere: the text reaches the server within about a second.
            expect(page.get_by_text(re.compile(r"last saved at \d\d:\d\d:\d\d UTC"))).to_be_visible(timeout=15_000)
            expect(page).to_have_url(re.compile(r"draft=L-"), timeout=15_000)
            draft = re.search(r"draft=(L-[0-9a-f]+)", page.url).group(1)  # type: ignore[union-attr]
            page.reload()  # F5
            expect(area(page, "What happened?")).to_have_value(  # type: ignore[arg-type]
                "We ran three partner webinars; the second one flopped.", timeout=30_000)

            # A submit with missing fields fails with one sentence and keeps the text as that draft ...
            page.get_by_role("button", name="Save and submit for review").click()
            expect(page.get_by_text(re.compile(f"Not submitted.*{draft}"))).to_be_visible(timeout=30_000)
            # ... completing the form and submitting again makes one lesson, under the form's id.
            title = page.get_by_role("textbox", name="Title")
            title.fill("Partner webinars for SDRs")
            title.press("Tab")
            page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Section", exact=True)).click()
            page.keyboard.type("Partnerships")
            page.keyboard.press("Enter")
            page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Outcome", exact=True)).click()
            page.keyboard.type("flopped")
            page.keyboard.press("Enter")
            for label, text in (("What did we hope to learn?", "Whether SDRs book meetings from webinars"),
                                ("Lessons", "Invite the partner's sellers too")):
                box = area(page, label)
                box.fill(text)  # type: ignore[attr-defined]
                box.press("Tab")  # type: ignore[attr-defined]
            # The page says when the last field left reached the server.
            expect(page.get_by_text(re.compile(r"last saved at \d\d:\d\d:\d\d UTC \(Lessons\)"))).to_be_visible(
                timeout=30_000)
            page.get_by_role("button", name="Save and submit for review").click()
            expect(page.get_by_role("heading", name="Partner webinars for SDRs")).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "editor-submitted.png"), full_page=True)
        finally:
            browser.close()
    with open_database(db) as s:
        assert s.query("SELECT lesson_id, status, what_happened FROM lessons WHERE title = 'Partner webinars for SDRs'") \
            == [(draft, "in_review", "We ran three partner webinars; the second one flopped.")]
        assert s.query_value("SELECT count(*) FROM drafts WHERE form_key = ?", [draft]) == 0


def test_two_tabs_on_one_draft_lose_nothing_and_discard_empties_the_form(db: Path) -> None:
    executable = chromium_path()
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "editor2-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1100})
            a = context.new_page()
            sign_in(a, url, "editor@demo.example", "demo-editor-pass")
            wait_for_cookie(context)
            open_form(a, url)
            box = area(a, "Lessons")
            box.fill("First version of the lessons")  # type: ignore[attr-defined]
            box.press("Tab")  # type: ignore[attr-defined]
            expect(a).to_have_url(re.compile(r"draft=L-"), timeout=15_000)
            b = context.new_page()
            b.goto(a.url)  # the same draft in a second tab
            expect(area(b, "Lessons")).to_have_value("First version of the lessons", timeout=30_000)  # type: ignore
            # Tab B rewrites the lessons; then tab A, still on the old version, rewrites them too.
            area(b, "Lessons").fill("Tab B's lessons")  # type: ignore[attr-defined]
            area(b, "Lessons").press("Tab")  # type: ignore[attr-defined]
            expect(b.get_by_text(re.compile(r"last saved at \d\d:\d\d:\d\d UTC \(Lessons\)"))).to_be_visible(
                timeout=30_000)
            area(a, "Lessons").fill("Tab A's lessons")  # type: ignore[attr-defined]
            area(a, "Lessons").press("Tab")  # type: ignore[attr-defined]
            expect(a.get_by_text("Nothing was overwritten")).to_be_visible(timeout=30_000)
            expect(a.get_by_text("Tab B's lessons").first).to_be_visible()
            a.screenshot(path=str(ARTIFACTS / "editor-conflict.png"), full_page=True)
            a.get_by_role("button", name="Keep yours").click()
            expect(a.get_by_text("Nothing was overwritten")).to_have_count(0, timeout=30_000)
            draft = re.search(r"draft=(L-[0-9a-f]+)", a.url).group(1)  # type: ignore[union-attr]
            # Discard, after a confirmation, empties every field.
            a.screenshot(path=str(ARTIFACTS / "editor-before-discard.png"), full_page=True)
            expect(a.get_by_role("button", name="Discard…")).to_have_count(1, timeout=30_000)
            a.get_by_role("button", name="Discard…").click()
            a.get_by_role("button", name="Yes, discard it").click()
            expect(area(a, "Lessons")).to_have_value("", timeout=30_000)  # type: ignore[arg-type]
            expect(a).not_to_have_url(re.compile(draft), timeout=15_000)
        finally:
            browser.close()
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM drafts WHERE form_key = ?", [draft]) == 0
