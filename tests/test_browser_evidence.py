"""In a real browser: the cohort effect on Win rates (against sellers not yet joined), and an editor's
note added on Learning health, read back as a marker of the trend charts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_layer.book import trend_notes
from data_layer.db.migrations import open_database

from .browser import Servers, sign_in, wait_for_cookie
from .conftest import ARTIFACTS, DEMO_TODAY

pytestmark = pytest.mark.browser


def test_the_cohort_effect_and_a_note_on_the_trends(tmp_path: Path, demo_db: Path, servers: Servers,
                                                    new_page: Callable[..., Page]) -> None:
    db = tmp_path / "evidence.duckdb"
    shutil.copyfile(demo_db, db)
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page(viewport={"width": 1440, "height": 1000})
    sign_in(page, url, "editor@demo.example", "demo-editor-pass")
    wait_for_cookie(page.context)
    page.goto(f"{url}/win_rates")
    expect(page.get_by_role("heading", name="The cohort effect, against sellers not yet joined"))\
        .to_be_visible(timeout=60_000)
    # the estimate with its interval (or, with too few people or deals, the sentence saying so)
    expect(page.get_by_text(re.compile(r"^(95 % interval [+-]|No estimate: )")).first)\
        .to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"The plain before/after change of the win rate is|No estimate")))\
        .to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cohort-effect.png"), full_page=True)

    page.goto(f"{url}/learning_health")
    expect(page.get_by_role("heading", name="Learning health")).to_be_visible(timeout=30_000)
    page.get_by_text("Add a note to the trend charts").click()
    page.get_by_role("textbox", name="What happened").fill("Partner summit")
    page.get_by_role("button", name="Add the note").click()
    expect(page.get_by_text("Note added to the trend charts.")).to_be_visible(timeout=30_000)
    servers.stop(db)
    with open_database(db) as s:  # the note is a marker of the window's trend charts
        marks = trend_notes.markers(s, DEMO_TODAY.replace(day=1), DEMO_TODAY)
        assert ("Partner summit", "note") in set(zip(marks["label"], marks["kind"], strict=True))
