"""In Chromium: the trend charts over a 30-month window (screenshots to look at), and the Tests page's
protocol form, whose lines are typed in percentage points and said back in words."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .browser import Servers, sign_in, wait_for_charts_drawn
from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
TODAY = dt.date(2026, 11, 22)
LONG = ARTIFACTS / "screenshots-long-window"
# every page with a month or week axis; the window covers the whole 30 months
TRENDS = {"win_rates": "Monthly trend", "adoption": "Weekly active members",
          "learning_health": "Lessons published per month", "voice": "Wins and frustrations by cohort"}


@pytest.fixture(scope="module")
def thirty_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("thirty-browser") / "demo.duckdb"
    out = subprocess.run([sys.executable, "-m", "data_layer.cli", "demo", "--db", str(path), "--today",
                          TODAY.isoformat(), "--months", "30"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return path


def test_the_trend_charts_over_thirty_months_are_screenshotted(thirty_months: Path, servers: Servers,
                                                               new_page: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    LONG.mkdir(parents=True, exist_ok=True)
    window = f"preset=custom&from={(TODAY - dt.timedelta(days=930)).isoformat()}&to={TODAY.isoformat()}"
    url = servers.url(thirty_months, TODAY.isoformat())
    page = new_page()
    sign_in(page, url, "viewer@demo.example", "demo-viewer-pass")
    for name, heading in TRENDS.items():
        page.goto(f"{url}/{name}?{window}")  # the session cookie keeps us signed in
        section = page.get_by_role("heading", name=heading)
        expect(section).to_be_visible(timeout=60_000)
        expect(page.get_by_text("06 May 2024 – 22 Nov 2026").first).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        section.scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        wait_for_charts_drawn(page)  # every chart has drawn: a picture worth looking at
        page.screenshot(path=str(LONG / f"{name}.png"))


def test_the_protocol_form_takes_points_and_says_the_rule_back(tmp_path: Path, small_db: Path, servers: Servers,
                                                               new_page: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    from data_layer.book.postmortems import save_plan
    from data_layer.db.migrations import open_database
    from tests.conftest import LOCAL_ADMIN

    from .conftest import PASSWORD, USERS

    today = dt.date(2026, 6, 1)
    db = tmp_path / "p.duckdb"
    shutil.copyfile(small_db, db)
    with open_database(db) as s:
        pid = save_plan(s, LOCAL_ADMIN, {"name": "Subject lines", "section": "email", "owner_id": "p5",
                                       "starts_on": today + dt.timedelta(days=3), "ends_on": dt.date(2026, 6, 30),
                                       "learning_goal": "Learn"})
    url = servers.url(db, today.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1100})
    sign_in(page, url, USERS["editor"], PASSWORD)
    page.get_by_test_id("stSidebarNav").get_by_text("Tests and experiments", exact=True).click()
    expect(page.get_by_text("No tests yet", exact=False)).to_be_visible(timeout=30_000)
    worked = page.get_by_role("spinbutton", name="Worked when the whole lift interval is above (pp)")
    expect(worked).to_be_visible(timeout=30_000)
    page.get_by_label("Hypothesis").fill("A question in the subject lifts opens by 2 points")
    page.get_by_label("Primary metric").fill("opens")
    page.get_by_label("Variants, the control first (comma-separated)").fill("plain, question")
    worked.fill("2")                      # 2 meaning 2 percentage points
    page.get_by_role("spinbutton", name="Flopped when the whole lift interval is below (pp)").fill("-1")
    page.get_by_role("button", name="Save the protocol").click()
    said = page.get_by_test_id("stAlertContentSuccess")
    expect(said).to_contain_text("above +2.0 pp, flopped when it is wholly below -1.0 pp", timeout=30_000)
    expect(page.get_by_text("No tests yet", exact=False)).to_have_count(0)  # listed at once
    expect(page.get_by_text("Subject lines · no results", exact=False)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "tests-protocol-saved.png"), full_page=True)
    servers.stop(db)
    with open_database(db) as s:
        assert s.query_one("SELECT worked_above, flopped_below FROM test_protocols WHERE plan_id = ?",
                           [pid]) == pytest.approx((0.02, -0.01))
