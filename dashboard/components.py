"""Small building blocks shared by pages: KPI tiles, downloadable tables, empty states."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.acting_view import view_goals
from dashboard.charts import goal_sparkline
from dashboard.definitions import Kpi
from dashboard.formatting import deal_rate_caption
from dashboard.settings import app_today
from data_layer.acting.goals import describe
from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.units import plain_value
from data_layer.domain.stats import TOO_FEW_DEALS, DealRate
from data_layer.ingest.csv_safety import safe_csv


def kpi_tile(kpi: Kpi, current: Any, previous: Any, trend: list[Any], *, link: bool = True,
             goal: Any = None) -> None:
    """A bordered metric with its change against the previous window, a small trend and its definition;
    with a goal (data_layer/acting/goals.py Progress), the trend carries the goal line and its state."""
    points = [v for v in (plain_value(x) for x in trend) if v is not None]
    if goal is not None:
        _goal_tile(kpi, current, previous, trend, goal)
        if link:
            st.page_link(kpi.page, label=f"{kpi.page_label} →")
        return
    delta = kpi.unit.change(current, previous)
    unchanged = delta is not None and plain_value(current) == plain_value(previous)
    few = _too_few(current) or _too_few(previous)
    st.metric(
        kpi.label, kpi.unit.text(current), delta,
        # a change between windows of fewer than TOO_FEW_DEALS deals is noise: shown, never coloured as news
        delta_color="off" if unchanged or few else "normal",
        delta_arrow="off" if unchanged else "auto", height=190,
        help=kpi.help + " Change: against the previous window of equal length.", border=True,
        chart_data=points if len(points) >= 2 else None, chart_type="line",
    )
    if isinstance(current, DealRate):
        st.caption(deal_rate_caption(current))
    if few and delta:
        st.caption(f"Fewer than {TOO_FEW_DEALS} deals in a window: this change is within noise.")
    if link:
        st.page_link(kpi.page, label=f"{kpi.page_label} →")


def _goal_tile(kpi: Kpi, current: Any, previous: Any, trend: list[Any], goal: Any) -> None:
    delta = kpi.unit.change(current, previous)
    with st.container(border=True):
        st.metric(kpi.label, kpi.unit.text(current), delta, help=kpi.help + " Change: against the previous window "
                  "of equal length.", delta_color="off" if _too_few(current) or _too_few(previous) else "normal")
        st.altair_chart(goal_sparkline([plain_value(x) for x in trend], goal.target, percent=kpi.unit.fraction),
                        width="stretch")
        icon = ":material/check_circle:" if goal.state == "on track" else ":material/warning:"
        st.caption(f"{icon} {describe(goal)}")


def _too_few(result: Any) -> bool:
    return isinstance(result, DealRate) and result.n > 0 and result.too_few


def metric_tile(column: Any, name: str, result: Any) -> None:
    """A page's tile for a declared metric: its label, unit, definition and caution, all from the declaration."""
    metric = REGISTRY[name]
    column.metric(metric.label, metric.unit.text(result), border=True, help=metric.definition)
    if isinstance(result, DealRate):
        column.caption(deal_rate_caption(result))
    elif metric.note:
        column.caption(metric.note)
    goal = _view_goal(name)
    if goal is not None:
        column.caption((":material/check_circle: " if goal.state == "on track" else ":material/warning: ")
                       + describe(goal))


def _view_goal(name: str) -> Any:
    """The goal on `name` for the sidebar's cohorts (all, when none), if one is set (data_layer/acting/goals.py)."""
    return view_goals(tuple(st.session_state.get("f_cohorts") or ()), app_today()).get(name)


def date_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Column configs showing calendar days as days: a DATE read from the database arrives as a
    timestamp at midnight, which the grid would print as "2026-09-02 00:00:00"."""
    out: dict[str, Any] = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            present = values.dropna()
            if len(present) and (present == present.dt.normalize()).all():
                out[str(column)] = st.column_config.DateColumn(format="YYYY-MM-DD")
    return out


def _blank(value: Any) -> Any:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else value


def download_table(frame: pd.DataFrame, name: str, *, key: str, metrics: dict[str, str] | None = None,
                   **dataframe_kwargs: Any) -> None:
    """Show a sortable table with a CSV download (formula-injection safe).

    `metrics` maps a column to the declared metric it holds: the column then reads in that
    metric's unit and precision, in the grid and in the CSV (rates as percentages, with "(%)"
    in the CSV header), never as 0.2608695652173913. Days read as days; a missing text reads
    blank, not "None"."""
    shown = frame.copy()
    config = date_columns(shown)
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_datetime64_any_dtype(values) and values.isna().any():
            # a date column with gaps (or none at all: nobody has left) reads as ISO text, blank where missing;
            # the grid would print "None"
            days = values.dropna()
            fmt = "%Y-%m-%d" if (days == days.dt.normalize()).all() else "%Y-%m-%d %H:%M"
            shown[column] = values.dt.strftime(fmt).fillna("")
            config.pop(str(column), None)
    csv_names = {}
    for column, metric in (metrics or {}).items():
        unit = REGISTRY[metric].unit
        shown[column] = shown[column].map(unit.table_value).astype("float64").round(unit.digits)
        config[column] = st.column_config.NumberColumn(format=unit.column_format())
        if unit.fraction:
            csv_names[column] = f"{column} (%)"
    for column in shown.columns:
        if shown[column].dtype == object:
            values = shown[column]
            missing = values.isna()
            if missing.any():  # only where something is missing: None or NaN reads blank
                shown[column] = values.map(_blank)
    config.update(dataframe_kwargs.pop("column_config", None) or {})
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, **dataframe_kwargs)
    safe_name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "table"
    csv_frame = shown.rename(columns=csv_names)
    # The CSV is written when the button is clicked, not on every run (it was 11 % of a page run).
    st.download_button("Download CSV", lambda: safe_csv(csv_frame), file_name=f"{safe_name}.csv",
                       mime="text/csv", key=f"dl_{key}", icon=":material/download:")


def empty(message: str) -> None:
    """An empty state in words: never an error, never a misleading 0."""
    st.info(message, icon=":material/info:")


def no_data_guard(has_data: bool) -> None:
    """Stop the page with a sentence when the database holds nothing yet."""
    if not has_data:
        empty("No cohort data yet. Load the demo with `learning-culture demo`, "
              "or import your files with `learning-culture import FOLDER`.")
        st.stop()
