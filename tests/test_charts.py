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
    assert x["type"] == "ordinal" and x["sort"] == ["Dec 2025", "Jan 2026"]
    labels = list(dict.fromkeys(chart.data["month_label"]))
    assert labels == ["Dec 2025", "Jan 2026"]  # no month after the data, and the year is said
    assert list(dict.fromkeys(chart.data["month_order"])) == [2025 * 12 + 12, 2026 * 12 + 1]


# 30 months, Jul 2023 to Dec 2025, written out by hand (not computed the way charts.py computes them)
THIRTY_MONTHS = ["Jul 2023", "Aug 2023", "Sep 2023", "Oct 2023", "Nov 2023", "Dec 2023",
                 "Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024",
                 "Jul 2024", "Aug 2024", "Sep 2024", "Oct 2024", "Nov 2024", "Dec 2024",
                 "Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025",
                 "Jul 2025", "Aug 2025", "Sep 2025", "Oct 2025", "Nov 2025", "Dec 2025"]


def _month_starts() -> list[str]:
    return [f"{2023 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}-01" for i in range(30)]


def _thirty_month_frames() -> dict[str, tuple[pd.DataFrame, object]]:
    """Each monthly chart's frame over 30 months, rows shuffled (a query need not return them in order)."""
    import random

    months = _month_starts()
    random.Random(3).shuffle(months)
    win = pd.DataFrame({"month": pd.to_datetime(months * 2), "grp": ["with partner"] * 30 + ["without partner"] * 30,
                        "win_rate": [0.3] * 60, "closed": [10] * 60, "won": [3] * 60})
    lessons = pd.DataFrame({"month": pd.to_datetime(months), "outcome": ["worked"] * 30, "lessons": [2] * 30})
    voice = pd.DataFrame({"month": pd.to_datetime(months * 2), "what": ["wins"] * 30 + ["frustrations"] * 30,
                          "count": [1] * 60})
    activity = pd.DataFrame({"month": pd.to_datetime(months), "verb": ["posted"] * 30, "events": [4] * 30})
    return {"win rates": (win, charts.monthly_win_rate_chart), "lessons": (lessons, charts.lessons_chart),
            "voice": (voice, charts.voice_chart), "activity": (activity, charts.activity_chart)}


def _x_encodings(spec: dict) -> list[dict]:
    layers = spec.get("layer", [spec])
    return [layer["encoding"]["x"] for layer in layers if "x" in layer.get("encoding", {})]


def test_every_monthly_chart_over_thirty_months_reads_its_months_in_calendar_order_markers_included() -> None:
    markers = pd.DataFrame({"day": pd.to_datetime(["2023-07-10", "2024-02-14", "2024-04-01", "2025-08-20",
                                                   "2026-03-01"]),
                            "label": ["Start: Kestrel", "Lesson", "Note", "Launch: Reveal", "after the data"],
                            "kind": ["cohort", "lesson", "note", "launch", "note"]})
    for name, (frame, make) in _thirty_month_frames().items():
        chart = make(frame)  # type: ignore[operator]
        for spec in (chart.to_dict(), charts.with_markers(chart, markers, by_month=True).to_dict()):
            xs = [x for x in _x_encodings(spec) if x["field"] == "month_label"]
            assert xs, name
            for x in xs:  # every layer: the same explicit calendar order and domain, so none falls back to A-Z
                assert x["sort"] == THIRTY_MONTHS, name
                assert x["scale"]["domain"] == THIRTY_MONTHS, name
        layered = charts.with_markers(chart, markers, by_month=True)
        rules = layered.layer[1].data
        # markers sit on the months of the data; a marker after the data gets no band of its own
        assert list(rules["month_label"]) == ["Jul 2023", "Feb 2024", "Apr 2024", "Aug 2025"], name


def test_a_long_monthly_axis_slants_its_labels_and_skips_colliding_ones() -> None:
    frame, make = _thirty_month_frames()["win rates"]
    axis = make(frame).to_dict()["encoding"]["x"]["axis"]  # type: ignore[operator]
    assert axis["labelAngle"] == -45 and axis["labelOverlap"] == "parity"


def test_weeks_over_three_years_are_a_time_axis_with_quarterly_ticks_that_say_the_year() -> None:
    weeks = pd.date_range("2023-01-02", periods=157, freq="7D")
    frame = pd.DataFrame({"week_start": weeks, "week": [f"W{i}" for i in range(157)], "rate": [0.5] * 157,
                          "active": [3] * 157})
    markers = pd.DataFrame({"day": pd.to_datetime(["2024-05-06"]), "label": ["Start"], "kind": ["cohort"]})
    spec = charts.with_markers(charts.weekly_active_chart(frame), markers, by_month=False).to_dict()
    xs = _x_encodings(spec)
    assert [x["type"] for x in xs] == ["temporal", "temporal"]  # a time scale: always in time order
    axis = xs[0]["axis"]
    assert axis["format"] == "%b %Y" and axis["tickCount"] == {"interval": "month", "step": 3}
    # half a year of weeks: monthly ticks
    half = frame.head(26)
    assert charts.weekly_active_chart(half).to_dict()["encoding"]["x"]["axis"]["tickCount"] == \
        {"interval": "month", "step": 1}


def test_a_lift_of_rates_is_drawn_in_percentage_points_never_as_a_percent() -> None:
    frame = pd.DataFrame({"variant": ["question"], "lift": [0.03], "low": [0.011], "high": [0.049]})
    spec = charts.test_lift_chart(frame, percent=True).to_dict()
    points = spec["layer"][2]
    assert points["encoding"]["x"]["axis"]["labelExpr"] == "format(datum.value, '+.1f') + ' pp'"
    assert "percentage points" in points["encoding"]["x"]["title"]
    data = spec["datasets"][points["data"]["name"]] if "datasets" in spec else points["data"]["values"]
    row = data[0]
    assert (row["lift_text"], row["low_text"], row["high_text"]) == ("+3.0 pp", "+1.1 pp", "+4.9 pp")
    assert "%" not in str(spec["layer"][2]["encoding"])
    means = charts.test_lift_chart(frame.assign(lift=[-16.0], low=[-21.0], high=[-11.0]), percent=False).to_dict()
    assert means["layer"][2]["encoding"]["x"]["title"] == "Lift over the control"


def test_the_rows_of_a_monthly_chart_are_in_time_order_whatever_order_they_came_in() -> None:
    for name, (frame, make) in _thirty_month_frames().items():
        chart = make(frame)  # type: ignore[operator]
        seen = list(dict.fromkeys(chart.data["month_label"]))
        assert seen == THIRTY_MONTHS, name
