"""In a real browser: every page renders; a cohort picked in the sidebar changes the URL and a
KPI, and that URL opened in a fresh browser context shows the same view. Saves screenshots
of every page at 1440x900 (`make screenshots` copies them to docs/screenshots for the README)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_layer.analytics.catalog import REGISTRY
from data_layer.db.migrations import open_database
from data_layer.domain.filters import Filter
from data_layer.domain.pages import PAGES as PAGE_TABLE

from .browser import sign_in, wait_for_charts_drawn
from .conftest import ARTIFACTS, DEMO_TODAY, metric

pytestmark = pytest.mark.browser
SCREENSHOTS = ARTIFACTS / "screenshots"  # `make screenshots` copies them to docs/screenshots
# The dashboards: the Overview and every page showing declared metrics (from the page table).
PAGES = {page.key: page.title for page in PAGE_TABLE if page.default or page.key in REGISTRY.pages}


def kpi(page: Page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    return tile.get_by_test_id("stMetricValue").inner_text(timeout=30_000)


def test_filter_by_cohort_is_in_the_url_and_a_shared_link_shows_the_same(
        demo_db: Path, demo_app: str, new_page: Callable[..., Page]) -> None:
    with open_database(demo_db) as s:
        everyone = metric("members", s, Filter.last_days(90, today=DEMO_TODAY))
        one = metric("members", s, Filter.last_days(90, today=DEMO_TODAY, cohorts=("C0011",)))
        name = s.query_value("SELECT name FROM cohorts WHERE cohort_id = 'C0011'")
    assert everyone != one
    page = new_page()
    sign_in(page, demo_app, "viewer@demo.example", "demo-viewer-pass")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    assert kpi(page, "Members") == f"{everyone:,}"
    cohorts = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    cohorts.click()
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"cohort=C0011"), timeout=30_000)
    expect(page.get_by_test_id("stMetric").filter(has=page.get_by_text("Members", exact=True))
           .first.get_by_test_id("stMetricValue")).to_have_text(f"{one:,}", timeout=30_000)
    shared = page.url
    page.screenshot(path=str(ARTIFACTS / "overview-one-cohort.png"), full_page=True)

    # Someone else opens the link (a fresh browser context): they sign in first, then see the same view.
    fresh = new_page()
    sign_in(fresh, shared, "editor@demo.example", "demo-editor-pass")
    expect(fresh.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    expect(fresh.get_by_test_id("stMetric").filter(has=fresh.get_by_text("Members", exact=True))
           .first.get_by_test_id("stMetricValue")).to_have_text(f"{one:,}", timeout=30_000)
    expect(fresh.get_by_test_id("stSidebar")).to_contain_text(name)

    # Moving to another page keeps the filter (and the URL keeps it too).
    fresh.get_by_test_id("stSidebarNav").get_by_text("Adoption", exact=True).click()
    expect(fresh.get_by_role("heading", name="Adoption")).to_be_visible(timeout=30_000)
    expect(fresh).to_have_url(re.compile(r"adoption\?.*cohort=C0011"), timeout=30_000)
    assert kpi(fresh, "Members") == f"{one:,}"


def test_every_page_renders_without_errors_and_is_screenshotted(demo_app: str, new_page: Callable[..., Page]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, demo_app, "viewer@demo.example", "demo-viewer-pass")
    for name, title in PAGES.items():
        # Move through the sidebar as a person would (a reload starts a new, signed-out session).
        page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
        page.wait_for_load_state("networkidle")
        wait_for_charts_drawn(page)  # a picture worth looking at: every chart has drawn
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_text("Traceback")).to_have_count(0)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
