"""In a real browser: people's and files' text stays inert (no request to the payload's host, no
dialog, no link, no image, no formula), and tables hand out no unsafe CSV through the grid."""

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

from .browser import Servers, sign_in, wait_for_script_idle
from .conftest import ARTIFACTS, DEMO_TODAY

pytestmark = pytest.mark.browser
HOST = "evil.example"
PAYLOADS = [
    f"<img src=https://{HOST}/tag.png onerror=alert(1)>", f"![pic](https://{HOST}/md.png)",
    f"[click](https://{HOST}/link)", f"https://{HOST}/bare", f"www.{HOST}", f"mail@{HOST}",
    "$x^2$ and $$y$$", ":red[coloured] :material/home:", f'=HYPERLINK("https://{HOST}/f","x")',
    "-2+3*cmd|' /C calc'!A0",
]
TEXT = " ".join(PAYLOADS)


@pytest.fixture
def db(tmp_path: Path, demo_db: Path, servers: Servers) -> Iterator[Path]:
    """A copy of the demo database for one test; its server (if any) ends with the test."""
    copy = tmp_path / "hostile.duckdb"
    shutil.copyfile(demo_db, copy)
    yield copy
    servers.stop(copy)


def watch(page: object) -> tuple[list[str], list[str]]:
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if HOST in r.url else None)  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    return requests, dialogs


def assert_inert(page: object, requests: list[str], dialogs: list[str]) -> None:
    # Wait on states, not time: the script run has ended and the network has been quiet for
    # 500 ms, so any request the payloads could set off (an image, a link prefetch) has been made.
    wait_for_script_idle(page)
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert requests == [] and dialogs == []
    assert page.locator(f"a[href*='{HOST}']").count() == 0  # type: ignore[attr-defined]
    assert page.locator(f"img[src*='{HOST}']").count() == 0  # type: ignore[attr-defined]
    assert page.locator(".katex").count() == 0  # type: ignore[attr-defined]


def test_payloads_in_every_lesson_field_stay_text(db: Path, servers: Servers, new_page: Callable[..., Page]) -> None:
    editor = auth.Actor("editor@demo.example", "editor")
    with open_database(db) as s:
        lid = postmortems.save_lesson(s, editor, postmortems.LessonInput(
            title=f"Payloads {PAYLOADS[0]}", section="email", occurred_on="2026-11-01", learning_goal=TEXT,
            what_happened=TEXT, outcome="flopped", lessons=TEXT, recommendations=TEXT, tags=[PAYLOADS[2]]))
        postmortems.transition(s, editor, lid, "in_review")
        postmortems.transition(s, editor, lid, "published")
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1000})
    requests, dialogs = watch(page)
    sign_in(page, f"{url}/lesson?lesson={lid}", "viewer@demo.example", "demo-viewer-pass")
    expect(page.get_by_role("heading", name=re.compile("^Payloads"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"https://{HOST}/bare").first).to_be_visible()  # shown, as text
    expect(page.get_by_text("$x^2$").first).to_be_visible()
    expect(page.get_by_text(":red[coloured]").first).to_be_visible()
    assert_inert(page, requests, dialogs)
    page.screenshot(path=str(ARTIFACTS / "hostile-lesson.png"), full_page=True)


def test_file_content_in_import_messages_stays_text_and_the_grid_offers_no_csv(
        db: Path, tmp_path: Path, servers: Servers, new_page: Callable[..., Page]) -> None:
    bad = tmp_path / "staff.csv"
    bad.write_text(f'Person ID,Full Name,Email Address,Job Title,"{PAYLOADS[1]}"\n'
                   f'p1,"{PAYLOADS[0]}",not-an-email,"{PAYLOADS[2]}",x\n', encoding="utf-8")
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1100}, accept_downloads=True)
    requests, dialogs = watch(page)
    sign_in(page, url, "admin@demo.example", "demo-admin-pass")
    page.get_by_test_id("stSidebarNav").get_by_text("Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import data")).to_be_visible(timeout=30_000)
    page.locator("input[type=file]").set_input_files(str(bad))
    expect(page.get_by_text("This file holds")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Check (dry run)").click()
    expect(page.get_by_text(re.compile(r"\d+ problem\(s\) with the files|\d+ bad row"))).to_be_visible(timeout=30_000)
    assert_inert(page, requests, dialogs)
    # The data grid's own toolbar offers no "Download as CSV" (client.disableDataExport):
    grid = page.get_by_test_id("stDataFrame").first
    grid.hover()
    # the hover has brought the grid's toolbar out (its buttons are hidden until then)
    expect(page.locator("[data-testid=stElementToolbarButton]:visible").first).to_be_visible(timeout=30_000)
    assert page.get_by_role("button", name=re.compile("Download as CSV", re.I)).count() == 0
    # ... our own download neutralises formula-like cells.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download every problem (CSV)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert "'=" not in text or "=HYPERLINK" not in text.replace("'=HYPERLINK", "")
    assert not re.search(r"(^|,)[=+\-@]", text, re.M)
    page.screenshot(path=str(ARTIFACTS / "hostile-import.png"), full_page=True)
