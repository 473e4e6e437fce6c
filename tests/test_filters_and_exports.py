"""Date presets, the previous window, CSV formula neutralising, and the per-cohort metrics."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qs, urlencode

import pandas as pd
import pytest

from data_layer.db.store import Store
from data_layer.domain.filters import (
    URL_KEYS,
    Filter,
    preset_window,
    previous_window,
    query_filter,
    read_query,
    window_query,
)
from data_layer.ingest.csv_safety import neutralise, safe_csv

from .conftest import metric

TODAY = dt.date(2026, 5, 31)


@pytest.mark.parametrize(("preset", "expected"), [
    ("last_30", (dt.date(2026, 5, 2), TODAY)),
    ("last_90", (dt.date(2026, 3, 3), TODAY)),
    ("qtd", (dt.date(2026, 4, 1), TODAY)),
    ("ytd", (dt.date(2026, 1, 1), TODAY)),
    ("program", (dt.date(2026, 1, 5), TODAY)),
    ("custom", (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
    ("nonsense", (dt.date(2026, 3, 3), TODAY)),
])
def test_presets(preset: str, expected: tuple[dt.date, dt.date]) -> None:
    got = preset_window(preset, TODAY, program_start=dt.date(2026, 1, 5),
                        custom=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    assert got == expected


def test_quarter_to_date_on_the_first_day_of_a_quarter() -> None:
    assert preset_window("qtd", dt.date(2026, 10, 1)) == (dt.date(2026, 10, 1), dt.date(2026, 10, 1))


def test_a_custom_window_given_backwards_is_put_in_order() -> None:
    assert preset_window("custom", TODAY, custom=(dt.date(2026, 3, 1), dt.date(2026, 2, 1))) == (
        dt.date(2026, 2, 1), dt.date(2026, 3, 1))


def test_the_previous_window_has_the_same_length_and_ends_the_day_before() -> None:
    prev = previous_window(Filter(dt.date(2026, 3, 3), TODAY, TODAY, cohorts=("c2",)))
    assert (prev.date_from, prev.date_to, prev.cohorts) == (dt.date(2025, 12, 3), dt.date(2026, 3, 2), ("c2",))


def _link(query_string: str) -> dict[str, list[str]]:
    """A shared link's filter, read as the filter bar reads st.query_params."""
    parsed = parse_qs(query_string)
    return read_query(lambda key: parsed.get(key, []))


def _no_program(cohorts: tuple[str, ...]) -> dt.date | None:
    raise AssertionError("only the 'program' preset needs a program start")


def test_links_shared_before_the_field_table_keep_their_names() -> None:
    assert set(URL_KEYS) == {"cohort", "team", "region", "role", "preset", "from", "to"}


def test_a_shared_link_gives_the_filter_its_sender_saw() -> None:
    query = _link("cohort=c2&cohort=c1&cohort=c2&team=Enterprise&region=EMEA&role=seller&role=manager"
                  "&preset=custom&from=2026-02-01&to=2026-02-28&page=ignored")
    assert query_filter(query, TODAY, _no_program) == Filter(
        dt.date(2026, 2, 1), dt.date(2026, 2, 28), TODAY, cohorts=("c2", "c1"), teams=("Enterprise",),
        regions=("EMEA",), roles=("seller", "manager"))
    # Written back, the link reads as before (a value given twice once; the default window left out).
    assert urlencode(query, doseq=True) == ("cohort=c2&cohort=c1&team=Enterprise&region=EMEA&role=seller"
                                            "&role=manager&preset=custom&from=2026-02-01&to=2026-02-28")


@pytest.mark.parametrize("query_string", ["preset=nonsense", "preset=custom&from=2026-02-01",
                                          "preset=custom&from=2026-02-30&to=2026-03-01", "", "preset="])
def test_a_broken_window_in_a_link_falls_back_to_the_last_90_days(query_string: str) -> None:
    query = _link(query_string)
    assert query == {}
    filt = query_filter(query, TODAY, _no_program)
    assert (filt.date_from, filt.date_to, filt.cohorts, filt.teams) == (dt.date(2026, 3, 3), TODAY, (), ())


def test_program_to_date_starts_at_the_chosen_cohorts_start() -> None:
    starts = {("c2",): dt.date(2026, 1, 12)}
    filt = query_filter(_link("cohort=c2&preset=program"), TODAY, lambda cohorts: starts[cohorts])
    assert (filt.date_from, filt.date_to, filt.cohorts) == (dt.date(2026, 1, 12), TODAY, ("c2",))


def test_a_window_other_than_custom_carries_no_dates_in_the_url() -> None:
    assert window_query("qtd", (dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == {"preset": ["qtd"]}
    assert window_query("last_90", None) == {}
    assert window_query("custom", (dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == {
        "preset": ["custom"], "from": ["2026-02-01"], "to": ["2026-02-28"]}


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


def test_safe_csv_keeps_numbers_and_plain_text() -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "Ana", None], "amount": [-5, 3, 1]})
    text = safe_csv(frame).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert list(back["name"].fillna("")) == ["'=HYPERLINK(\"http://x\")", "Ana", ""]
    assert list(back["amount"]) == [-5, 3, 1]


def test_each_cohort_row_equals_the_metrics_with_only_that_cohort(small_store: Store) -> None:
    filt = Filter(dt.date(2026, 3, 1), TODAY, dt.date(2026, 6, 30))
    table = metric("cohort_table", small_store, filt).set_index("cohort_id")
    for cohort_id, row in table.iterrows():
        one = Filter(filt.date_from, filt.date_to, filt.today, cohorts=(str(cohort_id),))
        assert row["members"] == metric("members", small_store, one)
        assert row["assessed"] == metric("assessed_rate", small_store, one).numerator
        assert row["active_28d"] == metric("active_rate_28d", small_store, one).numerator
        rate = metric("win_rate", small_store, one)
        assert (row["won_deals"], row["closed_deals"]) == (rate.numerator, rate.n)
    # Hand check: c1 = p1, p3 (p2 left); c2 = p3, p4. c1's closed deals in window: d1, d2, d3.
    assert table.loc["c1", "members"] == 2 and table.loc["c1", "closed_deals"] == 3


def test_at_risk_members_are_those_quiet_for_21_days(small_store: Store) -> None:
    filt = Filter(dt.date(2026, 3, 1), TODAY, dt.date(2026, 6, 30))
    risk = metric("at_risk_members", small_store, filt)
    # 05-11..05-31: p1 replied 05-25, p3 posted 05-20; p4's last own event is 04-01 (shared_win).
    assert list(risk["person_id"]) == ["p4"]
    assert str(risk.iloc[0]["last_active"])[:10] == "2026-04-01"


def test_monthly_win_rates_split_by_partner(small_store: Store) -> None:
    filt = Filter(dt.date(2026, 3, 1), TODAY, dt.date(2026, 6, 30))
    frame = metric("win_rate_by_month", small_store, filt)
    rows = {(str(r.month)[:7], r.grp): (r.closed, r.won) for r in frame.itertuples()}
    # March: d1 won/partner, d5 lost/partner; April: d2 lost/none, d9 won/none; May: d3 won/partner.
    assert rows == {("2026-03", "with partner"): (2, 1), ("2026-04", "without partner"): (2, 1),
                    ("2026-05", "with partner"): (1, 1)}


def test_breakdowns_treat_hostile_filter_values_as_data(small_store: Store) -> None:
    hostile = "c1' OR '1'='1"
    filt = Filter(dt.date(2026, 3, 1), TODAY, dt.date(2026, 6, 30), cohorts=(hostile,), roles=("x'); --",))
    for name in ("cohort_table", "at_risk_members", "barrier_prevalence_by_cohort", "barrier_notes",
                 "win_rate_by_cohort", "win_rate_by_month", "lessons_by_month", "recent_flops"):
        assert metric(name, small_store, filt).empty, name
    assert small_store.query_value("SELECT count(*) FROM people") == 6
