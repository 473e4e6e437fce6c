"""In a real browser, every way into a post-mortem draft keeps what was typed: the drafts list
(Resume), the URL, the lesson page, a second tab on the same draft, and one tab; a real conflict
is shown until the person chooses; discard, retry and refresh; an autosave closes no open list.

One server and one browser for the module; each test signs in its own browser context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.access import auth
from data_layer.book import postmortems as book
from data_layer.db.migrations import open_database

from .browser import CHROMIUM_FLAGS, choose, chromium_path, sign_in, streamlit_server
from .conftest import ARTIFACTS, DEMO_TODAY
from .test_browser_auth import wait_for_cookie

pytestmark = pytest.mark.browser
CONFLICT = "Nothing was overwritten"


@dataclass
class App:
    url: str
    browser: Any
    lesson_id: str  # a draft lesson in the Book, written by the editor


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Iterator[App]:
    db = tmp_path_factory.mktemp("drafts") / "drafts.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with open_database(db) as s:
        lesson_id = book.save_lesson(s, auth.Actor("editor@demo.example", "editor"), book.LessonInput(
            title="Half-done lesson from the Book", section="email", occurred_on="2026-11-02",
            lessons="Kept from the Book"))
    executable = chromium_path()
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "drafts-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield App(url, browser, lesson_id)
        finally:
            browser.close()


def signed_in(app: App, path: str = "/postmortem") -> tuple[Any, Any]:
    """A new browser context signed in as the editor, and its first tab on `path`."""
    context = app.browser.new_context(viewport={"width": 1440, "height": 1100})
    page = context.new_page()
    sign_in(page, f"{app.url}{path}", "editor@demo.example", "demo-editor-pass")
    wait_for_cookie(context)
    if path == "/postmortem":
        settled(page)
    return context, page


def box(page: Any, label: str) -> Any:
    return page.get_by_role("textbox", name=label, exact=True)


def write(page: Any, label: str, text: str, *, saved_as: str | None = None) -> None:
    """Type into a field, leave it, and wait until the page says the server saved that field."""
    field = box(page, label)
    field.fill(text)
    field.press("Tab")
    name = re.escape(saved_as or label)
    expect(page.get_by_text(re.compile(rf"last saved at \d\d:\d\d:\d\d UTC \({name}[,)]"))).to_be_visible(
        timeout=30_000)


def draft_in_url(page: Any) -> str:
    expect(page).to_have_url(re.compile(r"[?&]draft=L-[0-9a-f]+"), timeout=30_000)
    found = re.search(r"draft=(L-[0-9a-f]+)", page.url)
    assert found is not None
    return found.group(1)


def new_form(page: Any, url: str) -> None:
    page.goto(f"{url}/postmortem")
    expect(page.get_by_role("heading", name="Log a post-mortem")).to_be_visible(timeout=30_000)
    settled(page)


def resume(page: Any, draft: str) -> None:
    """Open "Your unfinished post-mortems" on a new form and click Resume on this draft's row."""
    page.get_by_test_id("stExpander").filter(has_text="Your unfinished post-mortems").locator("summary").click()
    row = page.get_by_test_id("stHorizontalBlock").filter(has_text=draft)
    row.get_by_test_id("stPageLink").filter(has_text="Resume").click()


def opened(page: Any, url: str, draft: str) -> None:
    """Open a draft by its address, as a refresh, a bookmark or a shared link does."""
    page.goto(f"{url}/postmortem?draft={draft}")
    expect(page.get_by_text("Restored what was written in this form")).to_be_visible(timeout=30_000)
    settled(page)


def settled(page: Any) -> None:
    """Wait until the form is drawn to its end (the caption under the fields says when it was saved), its
    text areas and lists included (the browser loads their code the first time a context shows them)."""
    expect(page.get_by_text(re.compile(r"^(Saved on the server|Nothing typed yet|No changes yet)"))).to_be_visible(
        timeout=30_000)
    expect(box(page, "Recommendations")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Section", exact=True))).to_be_visible(
        timeout=30_000)


def test_resume_from_the_drafts_list_puts_the_draft_in_the_url_and_two_tabs_keep_all_text(app: App) -> None:
    context, one = signed_in(app)
    try:
        write(one, "Title", "Two tabs by the drafts list")
        draft = draft_in_url(one)
        # Tab two opens a new post-mortem and resumes tab one's draft from the list.
        two = context.new_page()
        new_form(two, app.url)
        resume(two, draft)
        expect(two).to_have_url(re.compile(rf"/postmortem\?draft={draft}$"), timeout=30_000)
        expect(box(two, "Title")).to_have_value("Two tabs by the drafts list", timeout=30_000)
        # Tab one types the goal; tab two types the lessons and leaves the field.
        write(one, "What did we hope to learn?", "Whether partner webinars book meetings")
        write(two, "Lessons", "Invite the partner's sellers too")
        # Tab two keeps everything it shows; nobody changed its lessons, so nothing is a conflict.
        expect(box(two, "Lessons")).to_have_value("Invite the partner's sellers too")
        expect(box(two, "Title")).to_have_value("Two tabs by the drafts list")
        expect(two.get_by_text(CONFLICT)).to_have_count(0)
        expect(two.get_by_text(re.compile(r"^Another window also saved this post-mortem \(What did we hope"))) \
            .to_be_visible()
        expect(two).to_have_url(re.compile(rf"draft={draft}"))
        two.screenshot(path=str(ARTIFACTS / "drafts-resumed-second-tab.png"), full_page=True)
        # Both tabs' text is in the stored draft.
        three = context.new_page()
        opened(three, app.url, draft)
        expect(box(three, "Title")).to_have_value("Two tabs by the drafts list")
        expect(box(three, "What did we hope to learn?")).to_have_value("Whether partner webinars book meetings")
        expect(box(three, "Lessons")).to_have_value("Invite the partner's sellers too")
    finally:
        context.close()


def test_two_tabs_by_the_url_merge_other_fields_and_show_a_real_conflict_until_chosen(app: App) -> None:
    context, a = signed_in(app)
    try:
        write(a, "Lessons", "First version of the lessons")
        draft = draft_in_url(a)
        b = context.new_page()
        opened(b, app.url, draft)
        expect(box(b, "Lessons")).to_have_value("First version of the lessons")
        # Each tab writes a field of its own: no conflict.
        write(b, "What happened?", "Nine registered, two came.")
        write(a, "Recommendations", "Co-host next time.")
        expect(a.get_by_text(CONFLICT)).to_have_count(0)
        # Both rewrite the lessons: tab A, which saw the first version, is asked which text to keep.
        write(b, "Lessons", "Tab B's lessons")
        field = box(a, "Lessons")
        field.fill("Tab A's lessons")
        field.press("Tab")
        expect(a.get_by_text(CONFLICT)).to_be_visible(timeout=30_000)
        expect(a.get_by_text("Tab B's lessons", exact=True)).to_be_visible()
        # The conflict stays while tab A goes on writing elsewhere, and its own text stays in the field.
        write(a, "Title", "Still writing in tab A")
        expect(a.get_by_text(CONFLICT)).to_be_visible()
        expect(box(a, "Lessons")).to_have_value("Tab A's lessons")
        a.screenshot(path=str(ARTIFACTS / "drafts-conflict.png"), full_page=True)
        # Even a refresh before choosing keeps both texts and the question.
        a.reload()
        settled(a)
        expect(a.get_by_text(CONFLICT)).to_be_visible()
        expect(box(a, "Lessons")).to_have_value("Tab A's lessons")
        expect(a.get_by_text("Tab B's lessons", exact=True)).to_be_visible()
        a.get_by_role("button", name="Keep yours").click()
        expect(a.get_by_text(CONFLICT)).to_have_count(0, timeout=30_000)
        expect(a.get_by_text(re.compile(r"last saved at \d\d:\d\d:\d\d UTC \(Lessons\)"))).to_be_visible(
            timeout=30_000)
        c = context.new_page()
        opened(c, app.url, draft)
        for label, text in (("Title", "Still writing in tab A"), ("Lessons", "Tab A's lessons"),
                            ("What happened?", "Nine registered, two came."), ("Recommendations", "Co-host next time.")):
            expect(box(c, label)).to_have_value(text)
    finally:
        context.close()


def test_edit_from_the_lesson_page_keeps_the_lesson_in_the_url_and_every_edit(app: App) -> None:
    context, page = signed_in(app, f"/lesson?lesson={app.lesson_id}")
    try:
        expect(page.get_by_role("heading", name="Half-done lesson from the Book")).to_be_visible(timeout=30_000)
        page.get_by_test_id("stPageLink").filter(has_text="Edit").first.click()
        expect(page.get_by_role("heading", name="Edit post-mortem")).to_be_visible(timeout=30_000)
        expect(page).to_have_url(re.compile(rf"/postmortem\?lesson={app.lesson_id}$"), timeout=30_000)
        settled(page)
        expect(box(page, "Lessons")).to_have_value("Kept from the Book")
        write(page, "What happened?", "Edited through the lesson page")
        write(page, "Lessons", "Kept from the Book, and more")
        expect(box(page, "What happened?")).to_have_value("Edited through the lesson page")
        expect(box(page, "Title")).to_have_value("Half-done lesson from the Book")
        expect(page).to_have_url(re.compile(rf"lesson={app.lesson_id}$"))
        # A refresh reopens the edit with its changes.
        page.reload()
        settled(page)
        expect(box(page, "Lessons")).to_have_value("Kept from the Book, and more")
        expect(box(page, "What happened?")).to_have_value("Edited through the lesson page")
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_text("Saved.", exact=True)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Edited through the lesson page")).to_be_visible()
    finally:
        context.close()


def test_one_tab_resume_edit_refresh_retry_and_discard(app: App) -> None:
    context, page = signed_in(app)
    try:
        write(page, "Title", "One tab, resumed")
        draft = draft_in_url(page)
        new_form(page, app.url)  # a new session: an empty form listing the draft
        expect(box(page, "Title")).to_have_value("")
        resume(page, draft)
        expect(page).to_have_url(re.compile(rf"draft={draft}$"), timeout=30_000)
        expect(box(page, "Title")).to_have_value("One tab, resumed", timeout=30_000)
        # A restored form says when it was saved, not "Nothing typed yet".
        expect(page.get_by_text(re.compile(rf"last saved at \d\d:\d\d:\d\d UTC · draft {draft}$"))).to_be_visible(
            timeout=30_000)
        expect(page.get_by_text("Nothing typed yet", exact=False)).to_have_count(0)
        # One edit after Resume: the text stays where the person typed it.
        write(page, "Lessons", "Typed once after resuming")
        expect(box(page, "Lessons")).to_have_value("Typed once after resuming")
        expect(box(page, "Title")).to_have_value("One tab, resumed")
        # A refresh brings all of it back.
        page.reload()
        settled(page)
        expect(box(page, "Lessons")).to_have_value("Typed once after resuming")
        expect(box(page, "Title")).to_have_value("One tab, resumed")
        expect(page.get_by_text(re.compile(r"last saved at \d\d:\d\d:\d\d UTC"))).to_be_visible()
        # A submit with fields missing keeps everything as this draft; the retry makes the lesson under its id.
        page.get_by_role("button", name="Save and submit for review").click()
        expect(page.get_by_text(re.compile(f"Not submitted.*{draft}"))).to_be_visible(timeout=30_000)
        expect(box(page, "Lessons")).to_have_value("Typed once after resuming")
        choose(page, "Section", "Partnerships")
        choose(page, "Outcome", "worked")
        write(page, "What did we hope to learn?", "Whether one tab loses nothing")
        write(page, "What happened?", "It lost nothing.")
        page.get_by_role("button", name="Save and submit for review").click()
        expect(page.get_by_role("heading", name="One tab, resumed")).to_be_visible(timeout=30_000)
        expect(page).to_have_url(re.compile(rf"lesson={draft}"))  # one form, one lesson, under the form's id
        # Back to "Log a post-mortem" in the same tab: a new, empty form.
        page.get_by_test_id("stSidebarNav").get_by_text("Log a post-mortem", exact=True).click()
        expect(page.get_by_role("heading", name="Log a post-mortem")).to_be_visible(timeout=30_000)
        settled(page)
        expect(box(page, "Title")).to_have_value("")
        expect(page.get_by_text(re.compile(r"^Nothing typed yet"))).to_be_visible()

        # Discard: a new draft, resumed, then discarded after a confirmation, empties the form and deletes it.
        new_form(page, app.url)
        write(page, "Title", "To be discarded")
        gone = draft_in_url(page)
        new_form(page, app.url)
        resume(page, gone)
        expect(box(page, "Title")).to_have_value("To be discarded", timeout=30_000)
        page.get_by_role("button", name="Discard…").click()
        page.get_by_role("button", name="Yes, discard it").click()
        expect(box(page, "Title")).to_have_value("", timeout=30_000)
        expect(page).not_to_have_url(re.compile(gone), timeout=30_000)
        new_form(page, app.url)
        expect(page.get_by_text(gone)).to_have_count(0)
    finally:
        context.close()


def test_an_autosave_closes_no_list_and_moves_no_caret(app: App) -> None:
    context, page = signed_in(app)
    try:
        box(page, "Title").click()
        page.keyboard.type("Typed, then straight to the section list", delay=15)
        section = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Section", exact=True))
        section.click()
        expect(page.get_by_role("listbox")).to_be_visible()
        # The title saves itself about a second after the last keystroke, while the list is open ...
        expect(page.get_by_text(re.compile(r"last saved at \d\d:\d\d:\d\d UTC \(Title"))).to_be_visible(
            timeout=30_000)
        draft_in_url(page)
        # ... and the list stays open for the person to pick from.
        expect(page.get_by_role("listbox")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "drafts-list-stays-open.png"), full_page=True)
        page.get_by_role("option", name="Partnerships & ecosystem").click()
        expect(section.get_by_role("combobox")).to_have_value(re.compile("Partnerships"))
        expect(box(page, "Title")).to_have_value("Typed, then straight to the section list")
        # A text area saves itself about a second after the last keystroke, and the caret stays in it.
        box(page, "Lessons").click()
        page.keyboard.type("Typed without leaving", delay=15)
        expect(page.get_by_text(re.compile(r"last saved at \d\d:\d\d:\d\d UTC \(Lessons\)"))).to_be_visible(
            timeout=30_000)
        page.keyboard.type(", and on after the save", delay=15)
        expect(box(page, "Lessons")).to_have_value("Typed without leaving, and on after the save")
    finally:
        context.close()
