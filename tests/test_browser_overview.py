"""In a real browser: the Overview opens on demo data and shows its KPIs."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.db.migrations import open_database
from data_layer.domain.filters import Filter

from .browser import CHROMIUM_FLAGS, chromium_path, sign_in, streamlit_server
from .conftest import ARTIFACTS, DEMO_TODAY, metric

pytestmark = pytest.mark.browser


def test_overview_opens_in_chromium_with_its_kpis(demo_db: Path) -> None:
    executable = chromium_path()
    with open_database(demo_db) as s:
        members = metric("members", s, Filter.last_days(90, today=DEMO_TODAY))
    with streamlit_server(demo_db, DEMO_TODAY.isoformat(), ARTIFACTS / "overview-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            sign_in(page, url, "viewer@demo.example", "demo-viewer-pass")
            expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
            members_tile = page.get_by_test_id("stMetric").filter(has_text="Members")
            expect(members_tile.get_by_test_id("stMetricValue")).to_have_text(f"{members:,}", timeout=30_000)
            expect(page.get_by_test_id("stMetric")).to_have_count(9)
            expect(page.get_by_text("Traceback")).to_have_count(0)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        finally:
            browser.close()
