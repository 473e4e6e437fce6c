"""The global filter in the sidebar, kept in the URL query string so a link reproduces the view.

Everything here reads the filter's field table (`DIMENSIONS`, data_layer/domain/filters.py): one
widget and one repeated URL key per row, plus the date window. The filter has one shape, the URL's
(`Query`), kept in step in three places on every run of an analytics page: the widgets (session
state `f_*`), a shadow copy that survives page switches (`_filter_state`, since Streamlit drops a
widget's state when a page without it runs), and the URL itself. A URL that carries filter keys
wins when a session starts, so a shared link shows exactly what its sender saw.

From the widget to the statement: widget -> `_query_from_widgets` -> `query_filter` (a Filter) ->
a cached loader (dashboard/loaders.py) -> the engine -> `sql.parameters` binds it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.loaders import cohort_labels, filter_options, program_start
from dashboard.settings import app_today
from data_layer.book.library import escape_markdown
from data_layer.domain.filters import (
    DATE_PRESETS,
    DEFAULT_PRESET,
    DIMENSIONS,
    PEOPLE_DIMENSIONS,
    URL_KEYS,
    Dimension,
    Filter,
    Query,
    preset_window,
    query_filter,
    query_window,
    read_query,
    window_query,
)

SHADOW = "_filter_state"
PER_ROW = 3  # people widgets side by side in the sidebar


def _choices() -> dict[str, dict[str, str]]:
    """Each dimension's choices as value -> label: cohorts by name, people columns as they are."""
    options = filter_options()
    labels = cohort_labels()  # shared and read only: built once per data version, not per run
    return {d.name: labels if d.person_column is None
            else {value: value for value in options[d.person_column]} for d in DIMENSIONS}


def _load_into_widgets(query: Query, today: dt.date, choices: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Put `query` into the widgets, dropping values the data does not know (a stale link) rather than failing."""
    for d in DIMENSIONS:
        wanted = query.get(d.url_key, [])
        st.session_state[d.widget_key] = [v for v in wanted if choices is None or v in choices[d.name]]
    preset, custom = query_window(query)
    st.session_state["f_preset"] = preset
    st.session_state["f_range"] = preset_window(preset, today, None, custom)


def _reset() -> None:
    _load_into_widgets({}, app_today())


def _query_from_widgets() -> Query:
    preset = st.session_state.get("f_preset", DEFAULT_PRESET)
    picked = st.session_state.get("f_range") or ()
    custom = None
    if preset == "custom" and isinstance(picked, tuple | list) and len(picked) == 2:
        custom = (picked[0], picked[1])
    picks = {d.url_key: list(st.session_state.get(d.widget_key, [])) for d in DIMENSIONS}
    return {**{key: values for key, values in picks.items() if values}, **window_query(preset, custom)}


def _sync_url(query: Query) -> None:
    for key in URL_KEYS:
        if key in query:
            if st.query_params.get_all(key) != query[key]:
                st.query_params[key] = query[key]
        elif key in st.query_params:
            del st.query_params[key]


def _widget(where: Any, dim: Dimension, labels: Mapping[str, str]) -> None:
    where.multiselect(dim.label, options=list(labels), key=dim.widget_key, format_func=lambda v: labels.get(v, v),
                      placeholder=dim.placeholder, help=dim.help)


def filter_bar(page: str) -> Filter:
    """Draw the sidebar filter for `page` and return the Filter it describes (also written to the URL)."""
    today = app_today()
    choices = _choices()

    # Streamlit treats a page's widgets as new after a page switch, so reload them from the
    # shadow copy then; the URL only decides when the session has no filter yet (a shared link).
    if "f_preset" not in st.session_state or st.session_state.get("_filter_page") != page:
        if SHADOW not in st.session_state and any(key in st.query_params for key in URL_KEYS):
            query = read_query(st.query_params.get_all)
        else:
            query = st.session_state.get(SHADOW, {})
        _load_into_widgets(query, today, choices)
    st.session_state["_filter_page"] = page

    with st.sidebar:
        st.subheader("Filter")
        # A row's widget follows from where its choices come from: cohorts (by name) full width,
        # people columns side by side under the date window.
        for d in DIMENSIONS:
            if d.person_column is None:
                _widget(st, d, choices[d.name])
        st.selectbox("Date window", options=list(DATE_PRESETS), key="f_preset", format_func=DATE_PRESETS.__getitem__)
        if st.session_state["f_preset"] == "custom":
            st.date_input("From – to (inclusive)", key="f_range", format="YYYY-MM-DD")
        for first in range(0, len(PEOPLE_DIMENSIONS), PER_ROW):
            row = PEOPLE_DIMENSIONS[first:first + PER_ROW]
            for column, d in zip(st.columns(len(row)), row, strict=True):
                _widget(column, d, choices[d.name])
        st.button("Reset filter", key="f_reset", on_click=_reset, icon=":material/restart_alt:")

    query = _query_from_widgets()
    st.session_state[SHADOW] = query
    _sync_url(query)
    filt = query_filter(query, today, program_start)
    with st.sidebar:
        st.caption(f"{filt.date_from:%d %b %Y} – {filt.date_to:%d %b %Y}")
    return filt


def describe(filt: Filter, names: dict[str, str] | None = None) -> str:
    """A one-line caption of what the page covers."""
    # Names come from imported data and the caption renders Markdown: escape them.
    who = ", ".join(escape_markdown((names or {}).get(c, c)) for c in filt.cohorts) if filt.cohorts else "All cohorts"
    extra = [", ".join(escape_markdown(x) for x in getattr(filt, d.name))
             for d in PEOPLE_DIMENSIONS if getattr(filt, d.name)]
    return " · ".join([who, *extra, f"{filt.date_from:%d %b %Y} – {filt.date_to:%d %b %Y}"])
