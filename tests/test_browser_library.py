"""In a real browser: the Book of Learning reaches every match, exports all of them, searches as you
type, keeps the search in the URL for sharing, and Back returns to the previous search."""

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

from .browser import Servers, sign_in
from .conftest import ARTIFACTS, DEMO_TODAY

pytestmark = pytest.mark.browser


@pytest.fixture
def db(tmp_path: Path, demo_db: Path, servers: Servers) -> Iterator[Path]:
    """A copy of the demo database for one test; its server (if any) ends with the test."""
    copy = tmp_path / "library.duckdb"
    shutil.copyfile(demo_db, copy)
    with open_database(copy) as s:
        editor = auth.Actor("editor@demo.example", "editor")
        published = s.query_value("SELECT count(*) FROM lessons WHERE status = 'published'")
        for i in range(max(0, 120 - published)):  # exactly 120 published lessons
            lid = postmortems.save_lesson(s, editor, postmortems.LessonInput(
                title=f"Walrus test {i:03d}", section="email", occurred_on="2026-10-01", learning_goal="g",
                what_happened="w", outcome="worked", lessons="Walruses read email", tags=["walrus"]))
            postmortems.transition(s, editor, lid, "in_review")
            postmortems.transition(s, editor, lid, "published")
    yield copy
    servers.stop(copy)


def test_the_whole_book_pages_exports_and_shares(db: Path, servers: Servers, new_page: Callable[..., Page]) -> None:
    with open_database(db) as s:
        published = s.query_value("SELECT count(*) FROM lessons WHERE status = 'published'")
        walruses = s.query_value("SELECT count(*) FROM lessons WHERE status = 'published' AND title LIKE 'Walrus%'")
    assert published == 120
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    context = page.context
    sign_in(page, f"{url}/book", "viewer@demo.example", "demo-viewer-pass")
    expect(page.get_by_text("120 published lessons match · showing 1–50")).to_be_visible(timeout=30_000)
    # Every page reachable: 50 + 50 + 20.
    seen: set[str] = set()
    seen_raw: list[str] = []  # the same links as their href attributes
    open_links = page.get_by_role("link", name="Open")
    for shown, count in (("1–50", 50), ("51–100", 50), ("101–120", 20)):
        expect(page.get_by_text(f"120 published lessons match · showing {shown}")).to_be_visible(
            timeout=30_000)
        # until the page's own cards are drawn (not the last page's): `count` Open links, none seen before
        expect(open_links).to_have_count(count, timeout=30_000)
        if seen_raw:
            before = re.compile("^(" + "|".join(re.escape(h) for h in seen_raw) + ")$")
            for i in range(count):
                expect(open_links.nth(i)).not_to_have_attribute("href", before, timeout=30_000)
        links = set(open_links.evaluate_all("ls => ls.map(a => a.href)"))
        assert len(links) == count and not links & seen
        seen |= links
        seen_raw += open_links.evaluate_all("ls => ls.map(a => a.getAttribute('href'))")
        if count == 50:
            page.get_by_role("button", name="Next").click()
    assert len(seen) == 120
    # The ring binder of an empty search holds all 120, and says so.
    with page.expect_download() as info:
        page.get_by_role("button", name="Ring binder of all 120 (Markdown)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.replace("\\", "").startswith("# Book of Learning: 120 published lessons")
    assert text.count("\n### ") == 120
    # The search runs as you type and lives in the URL.
    box = page.get_by_role("textbox", name=re.compile("^Search title"))
    box.click()
    page.keyboard.type("walrus", delay=30)
    expect(page.get_by_text(f"{walruses} published lessons match")).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(r"[?&]q=walrus"), timeout=15_000)
    shared = page.url
    box.fill("")
    page.keyboard.type("email", delay=30)
    expect(page).to_have_url(re.compile(r"[?&]q=email"), timeout=15_000)
    # As a person would, see the new results before going back (no rerun still on its way).
    expect(page.get_by_text(f"{walruses} published lessons match")).to_have_count(0, timeout=30_000)
    expect(page.get_by_text(re.compile(r"published lessons? match"))).to_be_visible(timeout=30_000)
    # Back returns to the previous search.
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]q=walrus"), timeout=15_000)
    expect(page.get_by_role("textbox", name=re.compile("^Search title"))).to_have_value("walrus",
                                                                                        timeout=30_000)
    # The search URL opened in a new tab shows the same results.
    other = context.new_page()
    other.goto(shared)
    expect(other.get_by_text(f"{walruses} published lessons match")).to_be_visible(timeout=30_000)
    other.screenshot(path=str(ARTIFACTS / "library-shared-search.png"), full_page=True)
