"""In a real browser: three members answer through their personal links (one on a phone, leaving and
coming back), the outreach queue shows exactly them, two are reached out to, and the outreach rate and
a goal on the Overview move. Plus a used, an expired and a made-up link."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.acting import goals
from data_layer.db.migrations import open_database

from .acting_setup import EDITOR, build
from .browser import CHROMIUM_FLAGS, chromium_path, sign_in, streamlit_server
from .conftest import ARTIFACTS, PASSWORD, USERS
from .oracle import acting_reference as ref

pytestmark = pytest.mark.browser
ROOT = Path(__file__).parent.parent
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Cara's answers to the 12 default statements (3 per dimension, in order):
# partner_knowledge 4,4,5 -> 75,75,100 -> 83.33; co_selling_confidence 3,2,2 -> 50,25,25 -> 33.33;
# solution_selling 5,4,4 -> 100,75,75 -> 83.33; tool_fluency 1,2,3 -> 0,25,50 -> 25.
CARA = [4, 4, 5, 3, 2, 2, 5, 4, 4, 1, 2, 3]
CARA_SCORES = {"partner_knowledge": 250 / 3, "co_selling_confidence": 100 / 3, "solution_selling": 250 / 3,
               "tool_fluency": 25.0}
OTHERS = [3] * 12  # every dimension 50 (Dev by mouse, Eve by keyboard)


def answer(page: Any, values: list[int], start: int, stop: int) -> None:
    radios = page.get_by_test_id("stRadio")
    for i in range(start, stop):
        radios.nth(i).get_by_text(str(values[i]), exact=True).click()
        expect(page.get_by_text(f"Saved as you go: {i + 1} of 12 statements answered.")).to_be_visible(timeout=20_000)


def tick(page: Any, label: str) -> None:
    box = page.get_by_test_id("stCheckbox").filter(has_text=label)
    box.get_by_text(label, exact=True).click()
    expect(box.get_by_role("checkbox")).to_be_checked(timeout=10_000)


def send(page: Any) -> None:
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers were sent.")).to_be_visible(timeout=30_000)


def open_link(browser: Any, url: str, token: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{url}/answer?t={token}")
    return context, page


def test_members_answer_by_link_and_the_queue_and_the_outreach_rate_follow(tmp_path: Path) -> None:
    executable = chromium_path()
    db = tmp_path / "acting.duckdb"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    today = now.date()
    rnd = build(db, now - dt.timedelta(minutes=5))
    with open_database(db) as s:  # a goal everyone can see: outreach within 24 h at least 50 % (no data when set)
        goals.create(s, EDITOR, metric="outreach_within_24h_rate", target=0.5, due_on=today + dt.timedelta(days=60),
                     today=today)
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(db, today.isoformat(), ARTIFACTS / "acting-server.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            # Cara, on a phone: half of it, leaves, comes back later with the same link, finishes.
            context, page = open_link(browser, url, rnd.tokens["p3"], PHONE)
            expect(page.get_by_role("heading", name="Aurora baseline")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Hello Cara.")).to_be_visible()
            answer(page, CARA, 0, 6)
            tick(page, "No time")
            page.screenshot(path=str(ARTIFACTS / "assessment-phone.png"), full_page=True)
            context.close()
            context, page = open_link(browser, url, rnd.tokens["p3"], PHONE)
            expect(page.get_by_text("Saved as you go: 6 of 12 statements answered.")).to_be_visible(timeout=30_000)
            radios = page.get_by_test_id("stRadio")
            for i in range(6):
                expect(radios.nth(i).get_by_role("radio", name=str(CARA[i]), exact=True)).to_be_checked()
            expect(radios.nth(6).get_by_role("radio", checked=True)).to_have_count(0)
            expect(page.get_by_test_id("stCheckbox").filter(has_text="No time").get_by_role("checkbox")).to_be_checked()
            answer(page, CARA, 6, 12)
            tick(page, "Unclear process")
            send(page)
            context.close()
            # Dev on a desktop with the mouse; Eve with the keyboard alone (Tab to the next row, arrows within).
            context, page = open_link(browser, url, rnd.tokens["p4"], DESKTOP)
            expect(page.get_by_role("heading", name="Aurora baseline")).to_be_visible(timeout=30_000)
            answer(page, OTHERS, 0, 12)
            tick(page, "Tool friction")
            send(page)
            context.close()
            context, page = open_link(browser, url, rnd.tokens["p5"], DESKTOP)
            expect(page.get_by_role("heading", name="Aurora baseline")).to_be_visible(timeout=30_000)
            page.get_by_test_id("stRadio").first.get_by_role("radio").first.focus()
            for i in range(12):
                if i:
                    page.keyboard.press("Tab")
                page.keyboard.press("ArrowRight")  # 1 -> 2
                page.keyboard.press("ArrowRight")  # 2 -> 3
                expect(page.get_by_text(f"Saved as you go: {i + 1} of 12 statements answered.")).to_be_visible(
                    timeout=20_000)
            for _ in range(5):  # the five barrier boxes: the last is "Other"
                page.keyboard.press("Tab")
            page.keyboard.press("Space")
            expect(page.get_by_test_id("stCheckbox").filter(has_text="Other").get_by_role("checkbox")).to_be_checked()
            send(page)
            context.close()
            # A used, an expired and a made-up link: one sentence each, and no form.
            for token, sentence in ((rnd.tokens["p3"], "This link has already been used"),
                                    (rnd.expired_token, "This link has expired"),
                                    ("made-up-" + "x" * 30, "This link is not valid")):
                context, page = open_link(browser, url, token, PHONE)
                expect(page.get_by_text(re.compile("^" + sentence))).to_be_visible(timeout=30_000)
                expect(page.get_by_test_id("stRadio")).to_have_count(0)
                context.close()

            # The partnership team: exactly those three, oldest first, with hours left and their barriers.
            context = browser.new_context(viewport=DESKTOP)
            page = context.new_page()
            sign_in(page, url, USERS["editor"], PASSWORD)
            page.goto(f"{url}/outreach")
            rows = page.locator("[class*='st-key-oq_row_']")
            expect(rows).to_have_count(3, timeout=30_000)
            for i, (name, barriers) in enumerate((("Cara Diaz", "barriers: No time, Unclear process"),
                                                  ("Dev Patel", "barriers: Tool friction"),
                                                  ("Eve Moreau", "barriers: Other"))):
                expect(rows.nth(i)).to_contain_text(name)
                expect(rows.nth(i)).to_contain_text(barriers)
                expect(rows.nth(i)).to_contain_text(re.compile(r"\d+\.\d h left"))
            expect(rows.nth(0)).to_contain_text("lowest: Tool fluency 25, Co-selling confidence 33")
            tile = page.get_by_test_id("stMetric").filter(has_text="Waiting for outreach")
            expect(tile.get_by_test_id("stMetricValue")).to_have_text("3")
            # Before any outreach the goal (50 %) is behind on the Overview.
            page.goto(url)
            expect(page.get_by_text(re.compile(r"Goal: at least 50% by .* · behind"))).to_be_visible(timeout=30_000)
            page.goto(f"{url}/outreach")
            for name in ("Cara Diaz", "Dev Patel"):
                row = page.locator("[class*='st-key-oq_row_']").filter(has_text=name)
                row.get_by_role("textbox", name="Note").fill(f"Called {name.split()[0]}")
                row.get_by_role("button", name="Reached out").click()
                expect(page.get_by_text(f"Outreach to {name} recorded.")).to_be_visible(timeout=30_000)
            expect(rows).to_have_count(1)
            expect(rows.nth(0)).to_contain_text("Eve Moreau")
            page.screenshot(path=str(ARTIFACTS / "outreach-queue.png"), full_page=True)
            # The 24-hour rate moves at once: 2 of the 3 assessments in the window reached within a day.
            page.goto(f"{url}/adoption")
            rate = page.get_by_test_id("stMetric").filter(has_text="Outreach within 24 h")
            expect(rate.get_by_test_id("stMetricValue")).to_have_text("67%", timeout=30_000)
            page.goto(url)
            goal = page.get_by_text(re.compile(r"Goal: at least 50% by .* · on track \(now 67%"))
            expect(goal).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "overview-goal.png"), full_page=True)
            context.close()
        finally:
            browser.close()

    with open_database(db) as s:
        aid = s.query_value("SELECT assessment_id FROM assessments WHERE person_id = 'p3' AND instrument LIKE 'in-product%'")
        assert dict(s.query("SELECT dimension, score FROM assessment_scores WHERE assessment_id = ?", [aid])) == \
            pytest.approx(CARA_SCORES)
        assert s.query_value("SELECT barriers FROM assessments WHERE assessment_id = ?", [aid]) == \
            ["no_time", "unclear_process"]
        assert s.query_value("SELECT count(*) FROM events WHERE verb = 'outreach_received' AND source = 'app'") == 2
        eve = s.query("SELECT s.score FROM assessment_scores s JOIN assessments a USING (assessment_id) "
                      "WHERE a.person_id = 'p5'")
        assert sorted(x[0] for x in eve) == [50.0] * 4
        assert s.query_value("SELECT barriers FROM assessments WHERE person_id = 'p5'") == ["other"]
        expected = ref.outreach_within_24h_rate(s, today - dt.timedelta(days=89), today)
    assert expected == pytest.approx(2 / 3)
