"""In a real browser: the Overview opens on demo data and shows its KPIs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_layer.db.migrations import open_database
from data_layer.domain.filters import Filter

from .browser import sign_in
from .conftest import ARTIFACTS, DEMO_TODAY, metric

pytestmark = pytest.mark.browser


def test_overview_opens_in_chromium_with_its_kpis(demo_db: Path, demo_app: str, new_page: Callable[..., Page]) -> None:
    with open_database(demo_db) as s:
        members = metric("members", s, Filter.last_days(90, today=DEMO_TODAY))
    page = new_page()
    sign_in(page, demo_app, "viewer@demo.example", "demo-viewer-pass")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    members_tile = page.get_by_test_id("stMetric").filter(has_text="Members")
    expect(members_tile.get_by_test_id("stMetricValue")).to_have_text(f"{members:,}", timeout=30_000)
    expect(page.get_by_test_id("stMetric")).to_have_count(9)
    expect(page.get_by_text("Traceback")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
