"""In a real browser: a file the readers cannot tell is refused with its closest readings; the admin
picks one ("Read as"), names the question, checks and imports, and the answers are stored exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.db.migrations import open_database

from .browser import CHROMIUM_FLAGS, choose, chromium_path, sign_in, streamlit_server
from .conftest import ARTIFACTS, DEMO_TODAY

pytestmark = pytest.mark.browser


def test_a_refused_file_shows_its_closest_readings_and_one_is_picked(tmp_path: Path, demo_db: Path) -> None:
    executable = chromium_path()
    db = tmp_path / "readings.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with open_database(db) as s:
        (a, a_mail), (b, b_mail) = s.query("SELECT person_id, email FROM people ORDER BY person_id LIMIT 2")
    survey = tmp_path / "问卷.csv"
    survey.write_text("提交时间,邮箱,合作伙伴知识 (1-5),其他问题\n"
                      f"2026-03-01 10:00:00,{a_mail},4,2\n2026-03-02 11:30:00,{b_mail},2,5\n", encoding="utf-8")
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "import-readings-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            sign_in(page, url, "admin@demo.example", "demo-admin-pass")
            page.get_by_test_id("stSidebarNav").get_by_text("Import", exact=True).click()
            expect(page.get_by_role("heading", name="Import data")).to_be_visible(timeout=30_000)
            page.locator("input[type=file]").set_input_files(str(survey))
            # Not read by a guess: the closest readings, each with the option that picks it.
            expect(page.get_by_text(re.compile("could not tell what this file holds"))).to_be_visible(timeout=30_000)
            expect(page.get_by_text(re.compile(r"survey responses \(assessments\): 1 time column\(s\), 1 email "
                                               r"column\(s\) and 2 rating column\(s\) \(--as survey\)"))).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "import-closest-readings.png"), full_page=True)
            choose(page, "Read as", "survey")
            expect(page.get_by_text("This file holds")).to_be_visible(timeout=30_000)
            choose(page, "score_partner_knowledge", "合作伙伴知识 (1-5)")
            page.get_by_role("button", name="Check (dry run)").click()
            expect(page.get_by_text(re.compile("All rows are valid: 2 assessments"))).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Import", exact=True).click()
            expect(page.get_by_text(re.compile(r"Imported 2 assessments"))).to_be_visible(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "import-read-as-survey.png"), full_page=True)
        finally:
            browser.close()
    with open_database(db) as s:
        rows = s.query("SELECT a.person_id, CAST(a.taken_at AS VARCHAR), s.dimension, s.score FROM assessments a "
                       "JOIN assessment_scores s USING (assessment_id) WHERE a.taken_at >= TIMESTAMP '2026-03-01' "
                       "AND a.taken_at < TIMESTAMP '2026-03-03' AND a.person_id IN (?, ?) ORDER BY 2", [a, b])
    # On the 1-5 scale the header states: 4 is 75, 2 is 25.
    assert rows == [(a, "2026-03-01 10:00:00", "partner_knowledge", 75.0),
                    (b, "2026-03-02 11:30:00", "partner_knowledge", 25.0)]
