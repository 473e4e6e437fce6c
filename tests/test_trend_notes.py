"""Markers on the trend charts: cohort starts, published lessons and editors' notes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dashboard import charts
from data_layer.access.auth import Actor, NotPermitted
from data_layer.book import trend_notes
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData

from .conftest import LOCAL_ADMIN

FROM, TO = dt.date(2026, 3, 1), dt.date(2026, 5, 31)


def test_markers_are_cohort_starts_published_lessons_and_notes_in_the_window(small_store: Store) -> None:
    got = trend_notes.markers(small_store, FROM, TO)
    # c2 Aurora starts 03-02 (c1 on 01-05 is before the window); published l1 03-10, l5 04-01, l4 05-31 23:30;
    # l2 is published after the window and l3 is a draft.
    assert [(d.date().isoformat(), label, kind) for d, label, kind in got.itertuples(index=False)] == [
        ("2026-03-02", "Cohort Aurora starts", "cohort"), ("2026-03-10", "Lesson: Co-branded email flopped", "lesson"),
        ("2026-04-01", "Lesson: Marketplace listing", "lesson"), ("2026-05-31", "Lesson: Tool rollout", "lesson")]
    only_c1 = trend_notes.markers(small_store, FROM, TO, ("c1",))
    assert list(only_c1["label"]) == ["Lesson: Co-branded email flopped"]
    trend_notes.add(small_store, LOCAL_ADMIN, dt.date(2026, 4, 15), "  Pricing   changed ")
    assert ("Pricing changed", "note") in set(zip(trend_notes.markers(small_store, FROM, TO, ("c1",))["label"],
                                                  trend_notes.markers(small_store, FROM, TO, ("c1",))["kind"],
                                                  strict=True))


def test_tool_launches_are_markers_too(small_store: Store) -> None:
    small_store.execute("INSERT INTO objects VALUES ('tool:x', 'tool', 'Xray', DATE '2026-04-20'), "
                        "('tut:x', 'tutorial', 'Xray tutorial', DATE '2026-04-21'), "
                        "('tool:old', 'tool', 'Old', DATE '2025-01-01'), ('tool:y', 'tool', 'Yak', NULL)")
    got = trend_notes.markers(small_store, FROM, TO)
    launches = [(d.date().isoformat(), label) for d, label, kind in got.itertuples(index=False) if kind == "launch"]
    assert launches == [("2026-04-20", "Launch: Xray")]  # tools only, in the window, with a launch date
    chart = charts.with_markers(charts.lessons_chart(pd.DataFrame({
        "month": pd.to_datetime(["2026-04-01"]), "outcome": ["worked"], "lessons": [1]})), got, by_month=True)
    assert "Launch: Xray" in str(chart.to_dict())


def test_only_editors_add_notes_and_a_bad_label_is_a_sentence(small_store: Store) -> None:
    with pytest.raises(NotPermitted):
        trend_notes.add(small_store, Actor("viewer@example.com", "viewer"), FROM, "x")
    with pytest.raises(InvalidData) as err:
        trend_notes.add(small_store, LOCAL_ADMIN, FROM, "x" * 81)
    assert err.value.problems[0].sentence == "The label must be 1 to 80 characters."
    assert small_store.query_value("SELECT count(*) FROM annotations") == 0


def test_markers_are_rules_on_the_chart_and_only_on_months_the_chart_shows() -> None:
    monthly = pd.DataFrame({"month": pd.to_datetime(["2026-03-01", "2026-04-01"]), "grp": ["with partner"] * 2,
                            "closed": [3, 4], "won": [1, 2], "win_rate": [1 / 3, 0.5]})
    marks = pd.DataFrame({"day": pd.to_datetime(["2026-03-02", "2026-04-15", "2026-07-01"]),
                          "label": ["Cohort Aurora starts", "Pricing changed", "Later"],
                          "kind": ["cohort", "note", "note"]})
    layered = charts.with_markers(charts.monthly_win_rate_chart(monthly), marks, by_month=True)
    spec = layered.to_dict()
    rule = spec["layer"][1]
    # the chart's own months, in calendar order, so the shared axis never falls back to alphabetical order
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["x"] == {
        "field": "month_label", "type": "ordinal", "sort": ["Mar 2026", "Apr 2026"],
        "scale": {"domain": ["Mar 2026", "Apr 2026"]}}
    rule_data = layered.layer[1].data
    assert list(rule_data["month_label"]) == ["Mar 2026", "Apr 2026"]  # July has no band: left out
    weekly = pd.DataFrame({"week_start": pd.to_datetime(["2026-03-02"]), "week": ["W10"], "rate": [0.5],
                           "active": [2]})
    timed = charts.with_markers(charts.weekly_active_chart(weekly), marks, by_month=False).to_dict()
    assert timed["layer"][1]["encoding"]["x"] == {"field": "day", "type": "temporal"}


def test_an_editor_adds_a_note_on_the_learning_health_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                            small_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from data_layer.db.migrations import open_database

    from .conftest import USERS

    db = tmp_path / "n.duckdb"
    db.write_bytes(small_db.read_bytes())
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", "2026-05-31")
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth_email"] = USERS["editor"]
    at.switch_page("pages/learning_health.py").run()
    at.text_input(key="note_label").input("Partner summit")
    next(b for b in at.button if b.label == "Add the note").click().run()
    assert any(s.value == "Note added to the trend charts." for s in at.success)
    with open_database(db) as s:
        assert s.query("SELECT day, label, created_by FROM annotations") == [
            (dt.date(2026, 5, 31), "Partner summit", USERS["editor"])]
    at.session_state["auth_email"] = USERS["viewer"]
    at.switch_page("pages/learning_health.py").run()
    assert not [b for b in at.button if b.label == "Add the note"]  # viewers read the notes, do not add them
