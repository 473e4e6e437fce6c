"""In a real browser: a manager opens a report's learning record (and its Markdown), and is refused a peer's;
the Tools & resources and Cohort voice pages show the hand-worked numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_layer.db.migrations import open_database

from .browser import Servers, sign_in, wait_for_cookie
from .conftest import ARTIFACTS, PASSWORD, USERS
from .test_learning_loop import PEOPLE, TODAY, load

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def loop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser-loop") / "loop.duckdb"
    with open_database(path) as s:
        load(s)
    return path


def test_a_manager_reads_a_reports_record_and_not_a_peers(loop_file: Path, servers: Servers,
                                                          new_page: Callable[..., Page]) -> None:
    url = servers.url(loop_file, TODAY.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    sign_in(page, url, PEOPLE["ben"], PASSWORD)  # Ben manages Cy (p3); Dee (p4) is his peer
    wait_for_cookie(page.context)  # the session outlives this page: a new URL stays signed in
    page.goto(f"{url}/person?person=p3")
    expect(page.get_by_role("heading", name="Learning record")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("AE · Enterprise · EMEA · reports to Ben Okafor")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Deals around joining")).to_be_visible()
    expect(page.get_by_text("too few deals (n = 2)").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download for a review (Markdown)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Learning record: Cy Tran") and "| Xray | 2026-03-30 | 1 | 2 |" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "record-of-a-report.png"), full_page=True)
    page.goto(f"{url}/person?person=p4")
    expect(page.get_by_text("You may read your own learning record and those of people who report to you"))\
        .to_be_visible(timeout=30_000)
    expect(page.get_by_text("Dee Moreau")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "record-of-a-peer-refused.png"), full_page=True)


def test_tools_and_voice_pages_in_the_browser(loop_file: Path, servers: Servers, new_page: Callable[..., Page]) -> None:
    url = servers.url(loop_file, TODAY.isoformat())  # the same server as the test above
    page = new_page(viewport={"width": 1440, "height": 1000})
    sign_in(page, url, USERS["viewer"], PASSWORD)
    wait_for_cookie(page.context)
    page.goto(f"{url}/tools")
    expect(page.get_by_role("heading", name="Tools & resources")).to_be_visible(timeout=30_000)
    tile = page.get_by_test_id("stMetric").filter(has_text="Most frustrations")
    expect(tile.get_by_test_id("stMetricValue")).to_have_text("Xray", timeout=30_000)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "tools.png"), full_page=True)
    page.goto(f"{url}/voice")
    expect(page.get_by_role("heading", name="Cohort voice")).to_be_visible(timeout=30_000)
    tile = page.get_by_test_id("stMetric").filter(has_text="Frustration share")
    expect(tile.get_by_test_id("stMetricValue")).to_have_text("50%", timeout=30_000)
    expect(page.locator("b", has_text="again")).to_have_count(0)  # people's words never become HTML
    expect(page.get_by_text("Traceback")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "voice.png"), full_page=True)
