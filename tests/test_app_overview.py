"""AppTest of the entrypoint and the Overview page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import metrics
from data_layer.filters import Filter
from data_layer.store import Store

from .conftest import DEMO_TODAY

APP = str(Path(__file__).parent.parent / "streamlit_app.py")


def _run(monkeypatch: pytest.MonkeyPatch, db: Path, today: dt.date) -> AppTest:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", today.isoformat())
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_hand_computed_numbers(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    # Last 90 days to 2026-05-31 = 2026-03-03..2026-05-31: M = {p1, p3, p4}; p1 and p4 assessed;
    # partner deals d1 won, d3 won, d5 lost; no-partner d2 lost, d9 won; lessons l1, l4, l5.
    at = _run(monkeypatch, small_db, dt.date(2026, 5, 31))
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert _metrics(at) == {
        "Members": "3",
        "Assessed": "67%",
        "Win rate with partner": "67%",
        "Win rate without partner": "50%",
        "Lessons published": "3",
    }
    captions = [c.value for c in at.caption]
    assert "too few deals (n = 3)" in captions
    assert "too few deals (n = 2)" in captions
    assert "All cohorts · last 90 days (03 Mar 2026 – 31 May 2026)" in captions


def test_overview_on_a_window_with_no_deals_says_so(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    # Window 2026-09-13..2026-12-11: p1, p3, p4 are still members, but no deal closed and no lesson published.
    at = _run(monkeypatch, small_db, dt.date(2026, 12, 11))
    assert not at.exception
    assert _metrics(at)["Win rate with partner"] == "no data"
    assert "no deals closed in this window" in [c.value for c in at.caption]


def test_overview_matches_the_data_layer_on_demo_data(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _run(monkeypatch, demo_db, DEMO_TODAY)
    assert not at.exception
    filt = Filter.last_days(90, today=DEMO_TODAY)
    with Store(demo_db) as s:
        expected_members = metrics.members(s, filt)
        partner = metrics.win_rate_partner(s, filt)
        published = metrics.lessons_published(s, filt)
    shown = _metrics(at)
    assert shown["Members"] == f"{expected_members:,}"
    assert partner.value is not None
    assert shown["Win rate with partner"] == f"{partner.value * 100:.0f}%"
    assert shown["Lessons published"] == str(published)
    assert expected_members > 100  # the demo is not trivially empty


def test_an_empty_database_gets_a_sentence_not_zeros(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = _run(monkeypatch, tmp_path / "empty.duckdb", DEMO_TODAY)
    assert not at.exception
    assert len(at.metric) == 0
    assert "No cohort data yet" in at.info[0].value


def test_a_database_that_cannot_open_shows_a_sentence_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_a_db = tmp_path / "junk.duckdb"
    not_a_db.write_bytes(b"this is not a duckdb file" * 100)
    at = _run(monkeypatch, not_a_db, DEMO_TODAY)
    assert not at.exception
    assert at.error[0].value.startswith("The database could not open")
