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


def test_every_barrier_of_the_heatmap_gets_a_row_and_its_whole_label() -> None:
    barriers = ["Don't know which partners to call", "Co-selling confidence with partners", "No time"] * 3
    frame = pd.DataFrame({"cohort": [f"C{i // 3}" for i in range(9)], "barrier": [f"{b} {i}" for i, b in
                                                                                  enumerate(barriers)],
                          "share": [0.1] * 9, "citing": [1] * 9, "assessed": [10] * 9})
    spec = charts.barrier_heatmap(frame).to_dict()
    assert spec["height"] == {"step": 30}  # grows with the rows: 9 barriers, 9 labelled rows
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False
    assert spec["encoding"]["y"]["axis"]["labelLimit"] >= 300


def test_weeks_are_labelled_with_their_month() -> None:
    frame = pd.DataFrame({"week_start": pd.to_datetime(["2026-10-19", "2026-10-26"]), "week": ["W43", "W44"],
                          "rate": [0.5, 0.4], "active": [3, 2]})
    axis = charts.weekly_active_chart(frame).to_dict()["encoding"]["x"]["axis"]
    assert axis["format"] == "%d %b"  # "19 Oct", not "Mon 19"


def test_monthly_charts_have_one_band_per_month_with_data_in_calendar_order() -> None:
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-12-01", "2026-01-01", "2026-01-01"]),
                          "grp": ["with partner", "with partner", "without partner"], "closed": [3, 4, 5],
                          "won": [1, 2, 3], "win_rate": [1 / 3, 0.5, 0.6]})
    chart = charts.monthly_win_rate_chart(frame)
    x = chart.to_dict()["encoding"]["x"]
    assert x["type"] == "ordinal" and x["sort"] == {"field": "month_order", "op": "min"}
    labels = list(dict.fromkeys(chart.data["month_label"]))
    assert labels == ["Dec 2025", "Jan 2026"]  # no month after the data, and the year is said
    assert list(dict.fromkeys(chart.data["month_order"])) == [2025 * 12 + 12, 2026 * 12 + 1]
