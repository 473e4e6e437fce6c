"""In a real browser: an admin uploads files, sees the dry-run report, maps a column by hand,
imports, and sees the new members on the Overview."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.db.migrations import open_database
from data_layer.domain.filters import Filter

from .browser import CHROMIUM_FLAGS, choose, chromium_path, sign_in, streamlit_server, wait_for_script_idle
from .conftest import ARTIFACTS, DEMO_TODAY, metric

pytestmark = pytest.mark.browser


@pytest.fixture
def db(tmp_path: Path, demo_db: Path) -> Path:
    copy = tmp_path / "import.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    return copy


def test_upload_check_map_import_and_see_it_on_the_overview(db: Path, tmp_path: Path) -> None:
    executable = chromium_path()
    joined = (DEMO_TODAY - dt.timedelta(days=5)).isoformat()
    bad = tmp_path / "bad" / "new_people.csv"
    bad.parent.mkdir()
    bad.write_text("Person ID,Full Name,Email Address,Job Title,Department,Zone\n"
                   "N1,Nia Okoro,nia@example.com,AE,Enterprise,EMEA\nN2,Olu Ade,not-an-email,AE,Enterprise,EMEA\n")
    good = tmp_path / "good"
    good.mkdir()
    (good / "new_people.csv").write_text(
        "Person ID,Full Name,Email Address,Job Title,Department,Zone\n"
        "N1,Nia Okoro,nia@example.com,AE,Enterprise,EMEA\nN2,Olu Ade,olu@example.com,AE,Enterprise,EMEA\n"
        "N3,Pia Lund,pia@example.com,SE,Commercial,EMEA\n")
    (good / "memberships.csv").write_text(
        "cohort_id,person_id,joined_on\n" + "".join(f"C0012,{p},{joined}\n" for p in ("N1", "N2", "N3")))
    with open_database(db) as s:
        before = metric("members", s, Filter.last_days(90, today=DEMO_TODAY))
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "import-server.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            sign_in(page, url, "admin@demo.example", "demo-admin-pass")
            page.get_by_test_id("stSidebarNav").get_by_text("Import", exact=True).click()
            expect(page.get_by_role("heading", name="Import data")).to_be_visible(timeout=30_000)

            # A file with a bad email: the dry run reports it and nothing is written.
            page.locator("input[type=file]").set_input_files(str(bad))
            expect(page.get_by_text("This file holds")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Check (dry run)").click()
            expect(page.get_by_text(re.compile(r"1 problem\(s\) with the files|1 bad row"))).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "import-report.png"), full_page=True)
            page.get_by_role("button", name="Remove new_people.csv").click()
            expect(page.get_by_text("This file holds")).to_have_count(0, timeout=30_000)

            # The fixed file and a memberships file; map the region by hand ("Zone" is not guessed).
            page.locator("input[type=file]").set_input_files([str(good / "new_people.csv"),
                                                              str(good / "memberships.csv")])
            expect(page.get_by_text("Already in our format: imported as it is.")).to_be_visible(timeout=30_000)
            choose(page, "region", "Zone")
            wait_for_script_idle(page)  # the mapping's rerun has finished before the check reads it
            page.get_by_role("button", name="Check (dry run)").click()
            expect(page.get_by_text(re.compile("All rows are valid"))).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Import", exact=True).click()
            expect(page.get_by_text(re.compile(r"Imported 3 people, 3 memberships"))).to_be_visible(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)
            # The admin's imports and sources: this run is logged; daily sources not seen yet are late.
            heading = page.get_by_role("heading", name="Imports and sources")
            expect(heading).to_be_attached(timeout=30_000)
            heading.scroll_into_view_if_needed(timeout=30_000)
            expect(page.get_by_text(re.compile(r"Late: .*deals \(expected every 1 day"))).to_be_visible(
                timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "import-history.png"))

            page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
            tile = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Members", exact=True)).first
            expect(tile.get_by_test_id("stMetricValue")).to_have_text(f"{before + 3:,}", timeout=30_000)
        finally:
            browser.close()
    with open_database(db) as s:
        assert s.query("SELECT person_id, team, region FROM people WHERE person_id LIKE 'N%' ORDER BY 1") == [
            ("N1", "Enterprise", "EMEA"), ("N2", "Enterprise", "EMEA"), ("N3", "Commercial", "EMEA")]


REAL = Path(__file__).parent / "data" / "real"


def test_a_real_salesforce_export_is_recognised_and_imported_with_its_owner(db: Path, tmp_path: Path) -> None:
    executable = chromium_path()
    people = tmp_path / "people.csv"
    people.write_text("person_id,name,email,role\n005x0000000fNSiAAM,Sal Owner,sal.owner@example.com,AE\n")
    export_file = REAL / "salesforce_export" / "opportunityData.csv"
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "import-real-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            sign_in(page, url, "admin@demo.example", "demo-admin-pass")
            page.get_by_test_id("stSidebarNav").get_by_text("Import", exact=True).click()
            expect(page.get_by_role("heading", name="Import data")).to_be_visible(timeout=30_000)
            page.locator("input[type=file]").set_input_files([str(export_file), str(people)])
            expect(page.get_by_text("Recognised: Salesforce data export")).to_be_visible(timeout=30_000)
            page.get_by_text("Stages", exact=True).click()
            expect(page.get_by_text("columns decide each deal's status")).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Check (dry run)").click()
            expect(page.get_by_text(re.compile("All rows are valid: 1 people, 9 deals"))).to_be_visible(
                timeout=30_000)
            expect(page.get_by_text(re.compile("2 row\\(s\\) closed before they were created"))).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "import-real-export.png"), full_page=True)
            page.get_by_role("button", name="Import", exact=True).click()
            expect(page.get_by_text(re.compile(r"Imported 1 people, 9 deals"))).to_be_visible(timeout=60_000)
        finally:
            browser.close()
    with open_database(db) as s:
        assert s.query("SELECT status, count(*) FROM deals WHERE owner_id = '005x0000000fNSiAAM' "
                       "GROUP BY 1 ORDER BY 1") == [("open", 7), ("won", 2)]
