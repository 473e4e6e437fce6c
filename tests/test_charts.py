"""Charts are pure functions of a DataFrame: check their specs, not pixels."""

from __future__ import annotations

import pandas as pd

from dashboard import charts


def test_funnel_keeps_stage_order() -> None:
    frame = pd.DataFrame({"stage": ["Enrolled", "Assessed"], "members": [10, 7]})
    spec = charts.funnel_chart(frame).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["Enrolled", "Assessed"]
    assert spec["mark"]["type"] == "bar"


def test_win_rate_chart_draws_intervals_as_error_bars() -> None:
    frame = pd.DataFrame({"group": ["with partner", "without partner"], "win_rate": [0.4, 0.2],
                          "low": [0.3, 0.15], "high": [0.5, 0.26], "n": [80, 190]})
    spec = charts.win_rate_chart(frame).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["bar", "errorbar"]
    assert spec["layer"][1]["encoding"]["y2"]["field"] == "high"


def test_flops_have_their_own_colour_in_the_lessons_chart() -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(["2026-03-01"]), "outcome": ["flopped"], "lessons": [2]})
    scale = charts.lessons_chart(frame).to_dict()["encoding"]["color"]["scale"]
    assert scale["domain"][1] == "flopped" and scale["range"][1] == "#f59e0b"


def test_the_theme_is_registered_and_enabled() -> None:
    import altair as alt

    assert alt.theme.active == "learning_culture"


def test_rates_are_shown_as_percentages() -> None:
    frame = pd.DataFrame({"week_start": pd.to_datetime(["2026-03-02"]), "week": ["2026-W10"], "rate": [0.5],
                          "active": [3]})
    spec = charts.weekly_active_chart(frame).to_dict()
    assert spec["encoding"]["y"]["axis"]["format"] == "%"
