"""The global filter in the sidebar, kept in the URL query string so a link reproduces the view.

State lives in three places that are kept in step on every run of an analytics page:
the widgets (session state keys `f_*`), a shadow copy that survives page switches
(`_filter_state`, since Streamlit drops a widget's state when a page without it runs),
and the URL (`cohort`, `preset`, `from`, `to`, `team`, `region`, `role`).
A URL that carries filter keys wins when a session starts, so a shared link shows exactly
what its sender saw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard.loaders import cohort_labels, filter_options, program_start
from dashboard.settings import app_today
from data_layer.book.library import escape_markdown
from data_layer.domain.filters import DEFAULT_PRESET, PRESETS, Filter, preset_window

URL_KEYS = ("cohort", "preset", "from", "to", "team", "region", "role")
SHADOW = "_filter_state"


@dataclass(frozen=True)
class FilterState:
    """What the person chose (a preset rather than dates, so 'last 90 days' stays relative)."""

    cohorts: tuple[str, ...] = ()
    preset: str = DEFAULT_PRESET
    custom_from: dt.date | None = None
    custom_to: dt.date | None = None
    teams: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def to_query(self) -> dict[str, Any]:
        """Query-string values (lists for repeated keys); defaults are left out."""
        out: dict[str, Any] = {}
        if self.cohorts:
            out["cohort"] = list(self.cohorts)
        if self.preset != DEFAULT_PRESET:
            out["preset"] = self.preset
        if self.preset == "custom" and self.custom_from and self.custom_to:
            out["from"], out["to"] = self.custom_from.isoformat(), self.custom_to.isoformat()
        for key, values in (("team", self.teams), ("region", self.regions), ("role", self.roles)):
            if values:
                out[key] = list(values)
        return out

    @classmethod
    def from_query(cls, get_all: Any) -> FilterState:
        """Parse the query string leniently: unknown presets and bad dates fall back to defaults."""
        def first(key: str) -> str | None:
            values = get_all(key)
            return values[0] if values else None

        def day(key: str) -> dt.date | None:
            try:
                text = first(key)
                return dt.date.fromisoformat(text) if text else None
            except ValueError:
                return None

        preset = first("preset") or DEFAULT_PRESET
        if preset not in PRESETS:
            preset = DEFAULT_PRESET
        low, high = day("from"), day("to")
        if preset == "custom" and (low is None or high is None):
            preset = DEFAULT_PRESET
        return cls(cohorts=tuple(dict.fromkeys(get_all("cohort"))), preset=preset, custom_from=low,
                   custom_to=high, teams=tuple(get_all("team")), regions=tuple(get_all("region")),
                   roles=tuple(get_all("role")))


def _url_has_filter() -> bool:
    return any(key in st.query_params for key in URL_KEYS)


def _load_into_widgets(state: FilterState, today: dt.date) -> None:
    st.session_state["f_cohorts"] = list(state.cohorts)
    st.session_state["f_preset"] = state.preset
    low, high = preset_window(state.preset, today, None,
                              (state.custom_from, state.custom_to) if state.custom_from and state.custom_to else None)
    st.session_state["f_range"] = (low, high)
    st.session_state["f_teams"] = list(state.teams)
    st.session_state["f_regions"] = list(state.regions)
    st.session_state["f_roles"] = list(state.roles)


def _reset() -> None:
    _load_into_widgets(FilterState(), app_today())


def _from_widgets() -> FilterState:
    preset = st.session_state.get("f_preset", DEFAULT_PRESET)
    picked = st.session_state.get("f_range") or ()
    low = high = None
    if preset == "custom" and isinstance(picked, tuple | list) and len(picked) == 2:
        low, high = picked
    return FilterState(
        cohorts=tuple(st.session_state.get("f_cohorts", [])), preset=preset, custom_from=low, custom_to=high,
        teams=tuple(st.session_state.get("f_teams", [])), regions=tuple(st.session_state.get("f_regions", [])),
        roles=tuple(st.session_state.get("f_roles", [])),
    )


def _sync_url(state: FilterState) -> None:
    wanted = state.to_query()
    for key in URL_KEYS:
        if key in wanted:
            if st.query_params.get_all(key) != (wanted[key] if isinstance(wanted[key], list) else [wanted[key]]):
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def filter_bar(page: str) -> Filter:
    """Draw the sidebar filter for `page` and return the Filter it describes (also written to the URL)."""
    today = app_today()
    options = filter_options()
    labels = cohort_labels()  # shared and read only: built once per data version, not per run

    # Streamlit treats a page's widgets as new after a page switch, so reload them from the
    # shadow copy then; the URL only decides when the session has no filter yet (a shared link).
    if "f_preset" not in st.session_state or st.session_state.get("_filter_page") != page:
        if SHADOW not in st.session_state and _url_has_filter():
            state = FilterState.from_query(st.query_params.get_all)
        else:
            state = st.session_state.get(SHADOW, FilterState())
        # Drop values the data does not know (a stale link), rather than failing.
        state = FilterState(
            cohorts=tuple(c for c in state.cohorts if c in labels), preset=state.preset,
            custom_from=state.custom_from, custom_to=state.custom_to,
            teams=tuple(t for t in state.teams if t in options["team"]),
            regions=tuple(r for r in state.regions if r in options["region"]),
            roles=tuple(r for r in state.roles if r in options["role"]),
        )
        _load_into_widgets(state, today)
    st.session_state["_filter_page"] = page

    with st.sidebar:
        st.subheader("Filter")
        st.multiselect("Cohorts", options=list(labels), key="f_cohorts", format_func=labels.__getitem__,
                       placeholder="All cohorts", help="Type to search. None selected means all cohorts.")
        st.selectbox("Date window", options=list(PRESETS), key="f_preset", format_func=PRESETS.__getitem__)
        if st.session_state["f_preset"] == "custom":
            st.date_input("From – to (inclusive)", key="f_range", format="YYYY-MM-DD")
        c1, c2, c3 = st.columns(3)
        c1.multiselect("Team", options["team"], key="f_teams", placeholder="All")
        c2.multiselect("Region", options["region"], key="f_regions", placeholder="All")
        c3.multiselect("Role", options["role"], key="f_roles", placeholder="All")
        st.button("Reset filter", key="f_reset", on_click=_reset, icon=":material/restart_alt:")

    state = _from_widgets()
    st.session_state[SHADOW] = state
    _sync_url(state)
    start = program_start(state.cohorts)
    custom = (state.custom_from, state.custom_to) if state.custom_from and state.custom_to else None
    low, high = preset_window(state.preset, today, start, custom)
    filt = Filter(date_from=low, date_to=high, today=today, cohorts=state.cohorts, teams=state.teams,
                  regions=state.regions, roles=state.roles)
    with st.sidebar:
        st.caption(f"{low:%d %b %Y} – {high:%d %b %Y}")
    return filt


def describe(filt: Filter, names: dict[str, str] | None = None) -> str:
    """A one-line caption of what the page covers."""
    # Names come from imported data and the caption renders Markdown: escape them.
    who = ", ".join(escape_markdown((names or {}).get(c, c)) for c in filt.cohorts) if filt.cohorts else "All cohorts"
    extra = [", ".join(escape_markdown(x) for x in v) for v in (filt.teams, filt.regions, filt.roles) if v]
    return " · ".join([who, *extra, f"{filt.date_from:%d %b %Y} – {filt.date_to:%d %b %Y}"])
