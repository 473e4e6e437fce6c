"""Altair charts: pure functions of a DataFrame, one theme. Tested through `to_dict()`."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import chart_speed

chart_speed.install()  # the same specs with less work per run (see chart_speed.py)

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#8b5cf6", "#ef4444", "#0ea5e9", "#64748b"]
PARTNER_COLORS = alt.Scale(domain=["with partner", "without partner"], range=["#2563eb", "#94a3b8"])
# Flops get the warm accent: a healthy culture shows them, so they should stand out.
OUTCOME_COLORS = alt.Scale(domain=["worked", "flopped", "mixed", "inconclusive"],
                           range=["#10b981", "#f59e0b", "#8b5cf6", "#94a3b8"])


@alt.theme.register("learning_culture", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig({
        "config": {
            "font": "Source Sans Pro, DejaVu Sans, sans-serif",
            "range": {"category": PALETTE},
            "axis": {"labelColor": "#374151", "titleColor": "#111827", "gridColor": "#e5e7eb",
                     "labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "view": {"stroke": None},
            "bar": {"cornerRadiusEnd": 3},
        }
    })


def funnel_chart(frame: pd.DataFrame) -> alt.Chart:
    """Members per funnel stage (columns: stage, members), in stage order."""
    order = list(frame["stage"])
    return alt.Chart(frame).mark_bar(color=PALETTE[0]).encode(
        y=alt.Y("stage:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("members:Q", title="Members"),
        tooltip=["stage", "members"],
    ).properties(height=260)


def _week_axis(frame: pd.DataFrame) -> alt.Axis:
    """Ticks that stay readable from a month to three years: weekly ticks ("19 Oct") over up to 16 weeks,
    then monthly or quarterly ticks that say the year ("Oct 2026"), always in time order (a time scale)."""
    weeks = len(frame)
    if weeks <= 16:
        # weeks start on Mondays: label them with day and month ("19 Oct"), never a weekday alone
        return alt.Axis(format="%d %b", labelAngle=0, tickCount={"interval": "week", "step": 1})
    step = 1 if weeks <= 60 else 3
    return alt.Axis(format="%b %Y", labelAngle=0, tickCount={"interval": "month", "step": step})


def weekly_active_chart(frame: pd.DataFrame) -> alt.Chart:
    """Share of members active per ISO week (columns: week_start, week, rate, active)."""
    frame = frame.sort_values("week_start", kind="stable").reset_index(drop=True)
    return alt.Chart(frame).mark_line(point=True, color=PALETTE[0]).encode(
        x=alt.X("week_start:T", title="Week starting", axis=_week_axis(frame)),
        y=alt.Y("rate:Q", title="Members active", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=["week", alt.Tooltip("rate:Q", format=".0%"), "active"],
    ).properties(height=260)


def barrier_chart(frame: pd.DataFrame) -> alt.Chart:
    """Prevalence per barrier (columns: barrier, share, citing), most common first."""
    return alt.Chart(frame).mark_bar(color=PALETTE[1]).encode(
        y=alt.Y("barrier:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("share:Q", title="Members citing it", axis=alt.Axis(format="%")),
        tooltip=["barrier", alt.Tooltip("share:Q", format=".0%"), "citing"],
    ).properties(height=280)


def barrier_heatmap(frame: pd.DataFrame) -> alt.Chart:
    """Barrier prevalence by cohort (columns: cohort, barrier, share, citing, assessed)."""
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("cohort:N", title=None, sort=None, axis=alt.Axis(labelAngle=-30, labelLimit=180)),
        # every barrier gets its row and its whole label (a fixed height dropped overlapping labels)
        y=alt.Y("barrier:N", title=None, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        color=alt.Color("share:Q", title="Share", scale=alt.Scale(scheme="oranges", domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        tooltip=["cohort", "barrier", alt.Tooltip("share:Q", format=".0%"), "citing", "assessed"],
    ).properties(height=alt.Step(30))


def baseline_follow_chart(frame: pd.DataFrame) -> alt.Chart:
    """Members citing each barrier at baseline vs latest follow-up (columns: barrier, when, members)."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("barrier:N", title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("when:N", sort=["baseline", "follow-up"]),
        x=alt.X("members:Q", title="Members citing it"),
        color=alt.Color("when:N", title=None, sort=["baseline", "follow-up"],
                        scale=alt.Scale(range=[PALETTE[1], PALETTE[2]])),
        tooltip=["barrier", "when", "members"],
    ).properties(height=320)


def readiness_chart(frame: pd.DataFrame) -> alt.Chart:
    """Mean latest score per dimension (columns: label, readiness)."""
    return alt.Chart(frame).mark_bar(color=PALETTE[2]).encode(
        y=alt.Y("label:N", title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("readiness:Q", title="Readiness (0-100)", scale=alt.Scale(domain=[0, 100])),
        tooltip=["label", alt.Tooltip("readiness:Q", format=".1f"), alt.Tooltip("lift:Q", format="+.1f")],
    ).properties(height=200)


def win_rate_chart(frame: pd.DataFrame) -> alt.Chart:
    """Win rate per group with its 95 % interval as error bars (columns: group, win_rate, low, high, n)."""
    base = alt.Chart(frame).encode(x=alt.X("group:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(size=48).encode(
        y=alt.Y("win_rate:Q", title="Win rate", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("group:N", legend=None, scale=alt.Scale(
            domain=["with partner", "without partner", "sourced", "influenced"],
            range=["#2563eb", "#94a3b8", "#1d4ed8", "#60a5fa"])),
        tooltip=["group", alt.Tooltip("win_rate:Q", format=".0%"), alt.Tooltip("low:Q", format=".0%"),
                 alt.Tooltip("high:Q", format=".0%"), "n"],
    )
    bars_err = base.mark_errorbar(ticks=True, color="#111827").encode(
        y=alt.Y("low:Q", title="Win rate"), y2="high:Q")
    return (bars + bars_err).properties(height=280)


def _with_month_label(frame: pd.DataFrame) -> pd.DataFrame:
    months = pd.to_datetime(frame["month"])
    labelled = frame.assign(month_label=months.dt.strftime("%b %Y"), month_order=months.dt.year * 12 + months.dt.month)
    # rows in time order too, so a reader of the data (a download, a line's path) meets the months in order
    return labelled.sort_values("month_order", kind="stable").reset_index(drop=True)


def month_labels(frame: pd.DataFrame) -> list[str]:
    """The month bands of a monthly chart's data ("Dec 2025", "Jan 2026", ...), in calendar order."""
    ordered = frame.drop_duplicates("month_label").sort_values("month_order")
    return list(ordered["month_label"])


def _month_axis(title: str, frame: pd.DataFrame) -> alt.X:
    # One band per month that has data, in calendar order: a continuous time axis printed a tick
    # for a month after today and said nothing of the year. The order is an explicit list, not a
    # sort by another field: a layer without that field (the markers) made Vega-Lite drop such a
    # sort and read the months alphabetically ("Apr 2024, Aug 2025, Feb 2024").
    labels = month_labels(frame)
    many = len(labels) > 12  # over a year of bands: slant the labels and skip every other one if they collide
    return alt.X("month_label:O", title=title, sort=labels, scale=alt.Scale(domain=labels),
                 axis=alt.Axis(labelAngle=-45 if many else 0, labelOverlap="parity" if many else False))


def monthly_win_rate_chart(frame: pd.DataFrame) -> alt.Chart:
    """Win rate per month with vs without partner (columns: month, grp, win_rate, closed)."""
    frame = _with_month_label(frame)
    return alt.Chart(frame).mark_line(point=True).encode(
        x=_month_axis("Month closed", frame),
        y=alt.Y("win_rate:Q", title="Win rate", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("grp:N", title=None, scale=PARTNER_COLORS),
        tooltip=[alt.Tooltip("month:T", timeUnit="yearmonth", title="month"), "grp",
                 alt.Tooltip("win_rate:Q", format=".0%"), "closed"],
    ).properties(height=280)


def lessons_chart(frame: pd.DataFrame) -> alt.Chart:
    """Lessons published per month, stacked by outcome (columns: month, outcome, lessons)."""
    frame = _with_month_label(frame)
    return alt.Chart(frame).mark_bar().encode(
        x=_month_axis("Month published", frame),
        y=alt.Y("lessons:Q", title="Lessons published"),
        color=alt.Color("outcome:N", title="Outcome", scale=OUTCOME_COLORS),
        tooltip=[alt.Tooltip("month:T", timeUnit="yearmonth", title="month"), "outcome", "lessons"],
    ).properties(height=280)


MARKER_COLORS = alt.Scale(domain=["cohort", "lesson", "launch", "note"],
                          range=["#7c3aed", "#0f766e", "#ea580c", "#b91c1c"])


def with_markers(chart: alt.Chart, markers: pd.DataFrame, *, by_month: bool) -> alt.LayerChart:
    """The chart with a dashed rule per marker (columns day, label, kind) and its label in the tooltip.

    `by_month`: the chart's x is one band per month of its data (monthly charts): a marker sits on its
    month's band, and markers of months without data are left out (a band of their own would move
    the trend); otherwise x is a time axis and a marker sits on its day."""
    marks = markers.copy()
    marks["day"] = pd.to_datetime(marks["day"])
    marks = marks.sort_values("day", kind="stable").reset_index(drop=True)
    if by_month:
        labels = month_labels(chart.data) if isinstance(chart.data, pd.DataFrame) else []
        marks["month_label"] = marks["day"].dt.strftime("%b %Y")
        marks = marks[marks["month_label"].isin(labels)]
        # the very same order and domain as the chart's own axis, so the shared scale keeps calendar order
        x = alt.X("month_label:O", sort=labels, scale=alt.Scale(domain=labels))
    else:
        x = alt.X("day:T")
    rules = alt.Chart(marks).mark_rule(strokeDash=[4, 3], strokeWidth=1.5).encode(
        x=x, color=alt.Color("kind:N", title="Markers", scale=MARKER_COLORS),
        tooltip=[alt.Tooltip("day:T", title="day", format="%d %b %Y"), alt.Tooltip("label:N", title="what"),
                 alt.Tooltip("kind:N", title="kind")])
    return alt.layer(chart, rules).resolve_scale(color="independent")


def test_lift_chart(frame: pd.DataFrame, percent: bool) -> alt.LayerChart:
    """Each variant's lift over the control with its 95 % interval (columns: variant, lift, low, high).

    `percent`: the lifts are differences of rates (fractions), drawn in percentage points ("+3.0 pp",
    never "+3%", which would read as a relative change); otherwise in the metric's own unit."""
    shown = frame.copy()
    if percent:
        shown[["lift", "low", "high"]] = shown[["lift", "low", "high"]] * 100
    suffix = " pp" if percent else ""
    fmt = "+.1f" if percent else "+,.2f"
    for column in ("lift", "low", "high"):  # tooltips say the unit too
        shown[f"{column}_text"] = [f"{v:{fmt}}{suffix}" for v in shown[column]]
    base = alt.Chart(shown).encode(y=alt.Y("variant:N", title=None, sort=None))
    points = base.mark_point(filled=True, size=90, color=PALETTE[0]).encode(
        x=alt.X("lift:Q", title="Lift over the control" + (" (percentage points)" if percent else ""),
                axis=alt.Axis(labelExpr=f"format(datum.value, '{fmt}') + '{suffix}'")),
        tooltip=["variant", alt.Tooltip("lift_text:N", title="lift"), alt.Tooltip("low_text:N", title="low"),
                 alt.Tooltip("high_text:N", title="high")])
    bars = base.mark_errorbar(ticks=True, color="#111827").encode(x=alt.X("low:Q", title=None), x2="high:Q")
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3], color="#6b7280").encode(x="x:Q")
    return alt.LayerChart(layer=[zero, bars, points], height=max(80, 40 * len(frame)))


def adoption_curve_chart(frame: pd.DataFrame) -> alt.Chart:
    """Share of members who have used each object, by week since its launch (columns: name, week, share,
    adopters)."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("week:Q", title="Weeks since launch", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("share:Q", title="Members who have used it", axis=alt.Axis(format="%")),
        color=alt.Color("name:N", title=None, legend=alt.Legend(labelLimit=260)),
        tooltip=[alt.Tooltip("name:N", title="Tool"), alt.Tooltip("week:Q", title="Week"),
                 alt.Tooltip("share:Q", format=".0%", title="Used it"), alt.Tooltip("adopters:Q", title="Members")],
    ).properties(height=300)


def voice_chart(frame: pd.DataFrame) -> alt.Chart:
    """Wins and frustrations shared per month (columns: month, what, count), stacked."""
    frame = _with_month_label(frame)
    return alt.Chart(frame).mark_bar().encode(
        x=_month_axis("Month", frame),
        y=alt.Y("count:Q", title="Shared", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=["wins", "frustrations"],
                                                              range=[PALETTE[2], PALETTE[1]])),
        tooltip=[alt.Tooltip("month_label:N", title="Month"), "what", "count"],
    ).properties(height=260)


def readiness_over_time_chart(frame: pd.DataFrame) -> alt.Chart:
    """One person's score per dimension at each assessment (columns: taken_at, label, score, kind)."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("taken_at:T", title="Assessment", axis=alt.Axis(format="%d %b %Y", labelAngle=0)),
        y=alt.Y("score:Q", title="Score", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("label:N", title=None),
        tooltip=[alt.Tooltip("taken_at:T", format="%d %b %Y", title="Taken"), "kind", "label", "score"],
    ).properties(height=260)


def activity_chart(frame: pd.DataFrame) -> alt.Chart:
    """One person's events per month, stacked by what they did (columns: month, verb, events)."""
    frame = _with_month_label(frame)
    return alt.Chart(frame).mark_bar().encode(
        x=_month_axis("Month", frame),
        y=alt.Y("events:Q", title="Events", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("verb:N", title=None),
        tooltip=[alt.Tooltip("month_label:N", title="Month"), "verb", "events"],
    ).properties(height=240)


def goal_sparkline(values: list[float | None], target: float, *, percent: bool) -> alt.LayerChart:
    """A tile's small trend (oldest window first) with its goal as a dashed line (rates in %)."""
    scale = 100 if percent else 1
    frame = pd.DataFrame({"window": range(len(values)),
                          "value": [None if v is None else v * scale for v in values]})
    goal = pd.DataFrame({"goal": [target * scale]})
    line = alt.Chart(frame).mark_line(point=True, color=PALETTE[0]).encode(
        x=alt.X("window:O", axis=None), y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)))
    rule = alt.Chart(goal).mark_rule(color=PALETTE[1], strokeDash=[4, 3], strokeWidth=2).encode(
        y="goal:Q", tooltip=[alt.Tooltip("goal:Q", title="Goal", format=",.1f")])
    return alt.LayerChart(layer=[line, rule], height=60)
