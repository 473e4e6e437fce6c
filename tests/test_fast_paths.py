"""The optimised metrics (summary tables, pruned scans) give exactly the raw-event answers.

The oracle is the straightforward SQL frozen in tests/oracle before the speed work. Random
datasets come from the demo generator with different seeds; filters are random too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from data_layer.analytics import metrics, report
from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.engine import evaluate, evaluate_page
from data_layer.db import summaries
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.demo.generator import generate_demo
from data_layer.domain.filters import Filter
from tests.conftest import import_folder
from tests.oracle import acting_reference as acting_ref
from tests.oracle import breakdowns_reference as breakdowns_ref
from tests.oracle import loop_reference as loop_ref
from tests.oracle import metrics_reference as metrics_ref

from .conftest import metric

TODAY = dt.date(2026, 11, 22)
METRICS = [name for name in dir(metrics_ref) if not name.startswith("_") and callable(getattr(metrics_ref, name))
           and getattr(getattr(metrics_ref, name), "__module__", "") == metrics_ref.__name__
           and name not in ("Filter", "Store", "WeekActivity", "OverduePlan", "SectionFreshness", "in_scope", "bound",
                        "Rate", "DealRate")]
METRICS += list(loop_ref.SCALARS)
METRICS += list(acting_ref.SCALARS)
BREAKDOWNS = ["cohort_table", "at_risk_members", "barrier_prevalence_by_cohort", "barrier_notes",
              "readiness_by_dimension", "win_rate_by_cohort", "win_rate_by_month", "lessons_by_month", "recent_flops",
              *loop_ref.TABLES]


def filters_for(store: Store, rng: random.Random, n: int) -> list[Filter]:
    cohorts = [r[0] for r in store.query("SELECT cohort_id FROM cohorts")]
    out = []
    for i in range(n):
        days = rng.randint(7, 400)
        end = TODAY - dt.timedelta(days=rng.randint(0, 200))
        picked = tuple(rng.sample(cohorts, rng.randint(1, 4))) if i % 3 else ()
        out.append(Filter(end - dt.timedelta(days=days - 1), end, TODAY, cohorts=picked,
                          teams=("Enterprise",) if i % 4 == 1 else (), regions=("EMEA",) if i % 5 == 2 else ()))
    return out


def boundary_filters(store: Store, rng: random.Random, n: int) -> list[Filter]:
    """Windows whose edges sit exactly on the data: starting on a day someone left a cohort,
    ending on a day someone joined one, on an event's day (events at 00:00 and 23:59:59 are
    added), so a `>=` written as `>` (or `<=` as `<`) changes an answer."""
    left = [r[0] for r in store.query("SELECT DISTINCT left_on FROM memberships WHERE left_on IS NOT NULL "
                                      "ORDER BY 1")]
    joined = [r[0] for r in store.query("SELECT DISTINCT joined_on FROM memberships ORDER BY 1")]
    out = []
    for _ in range(n):
        start = rng.choice(left)
        ends = [d for d in joined if d >= start] or [start]
        out.append(Filter(start, rng.choice(ends[:60]), TODAY))
        end = rng.choice(joined)
        starts = [d for d in left if d <= end] or [end]
        out.append(Filter(rng.choice(starts[-60:]), end, TODAY))
    return out


def add_midnight_events(store: Store, rng: random.Random) -> None:
    """Copies of some events at 00:00:00 and 23:59:59 of their day (the window edges of a day)."""
    store.execute("""INSERT INTO events SELECT * REPLACE (
                         event_id || '-edge' || CAST(hour(occurred_at) >= 12 AS INT) AS event_id,
                         CASE WHEN hour(occurred_at) >= 12
                              THEN date_trunc('day', occurred_at) + INTERVAL 86399 SECOND
                              ELSE date_trunc('day', occurred_at) END AS occurred_at)
                     FROM events WHERE hash(event_id || ?) % 33 = 0""", [str(rng.randint(1, 10_000))])
    with store.transaction() as tx:  # the summary tables follow, as after any import
        summaries.refresh(tx)


def plain(x: object) -> object:
    """Dataclasses (the oracle has its own copies of the classes) as plain values."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__, {k: plain(v) for k, v in vars(x).items()})
    if isinstance(x, list):
        return [plain(v) for v in x]
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    return x


def same(a: object, b: object) -> bool:
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
        return True
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return plain(a) == plain(b)


SEEDS = (3, 17, 29)
FILTERS_PER_SEED = 8  # six random filters, two windows whose edges sit on the data


@pytest.fixture(scope="session")
def demos() -> Iterator[dict[int, tuple[Store, list[Filter]]]]:
    """Per seed, a demo database (with edge-of-day events) and its filters: built once per session."""
    built: dict[int, tuple[Store, list[Filter]]] = {}
    for seed in SEEDS:
        store = open_database(":memory:")
        generate_demo(store, seed=seed, today=TODAY)
        rng = random.Random(seed)
        add_midnight_events(store, rng)
        built[seed] = (store, filters_for(store, rng, 6) + boundary_filters(store, rng, 1))
    assert all(len(filters) == FILTERS_PER_SEED for _, filters in built.values())
    yield built
    for store, _ in built.values():
        store.close()


def reference(name: str) -> object:
    if name in loop_ref.SCALARS or name in loop_ref.TABLES:
        return getattr(loop_ref, name)
    if name in acting_ref.SCALARS:
        return getattr(acting_ref, name)
    return getattr(metrics_ref, name) if name in METRICS else getattr(breakdowns_ref, name)


def page_of(name: str) -> str | None:
    return next(iter(REGISTRY[name].pages), None)


def test_the_reference_covers_every_declared_metric() -> None:
    assert len(METRICS) >= 30
    declared = set(REGISTRY.metrics)
    assert set(METRICS) | set(BREAKDOWNS) == declared


# One test per (seed, filter); inside it one subtest per metric and per way of loading it, so a
# failure names the metric, the way, the seed and the filter, and one wrong number hides no other.
@pytest.mark.parametrize("which", range(FILTERS_PER_SEED))
@pytest.mark.parametrize("seed", SEEDS)
def test_each_number_as_its_page_loads_it_and_alone_matches_the_reference(
        demos: dict[int, tuple[Store, list[Filter]]], subtests: pytest.Subtests, seed: int, which: int) -> None:
    store, filters = demos[seed]
    filt = filters[which]
    page_values: dict[str, dict[str, object]] = {}
    checked = 0
    for name in METRICS + BREAKDOWNS:
        expected = reference(name)(store, filt)  # type: ignore[operator]
        page = page_of(name)
        if page is not None:  # as the page loads it: its whole page in one statement
            with subtests.test(msg="as its page loads it", metric=name, page=page, filter=str(filt)):
                if page not in page_values:
                    page_values[page] = evaluate_page(store, filt, page)
                assert same(page_values[page][name], expected), (page, name, filt)
        with subtests.test(msg="alone, as the CLI asks", metric=name, filter=str(filt)):
            assert same(metric(name, store, filt), expected), (name, filt)
        checked += 1
    assert checked == len(METRICS) + len(BREAKDOWNS)


def test_summaries_follow_an_import_that_moves_an_event_to_another_person(tmp_path: Path, small_store: Store) -> None:
    (tmp_path / "activity.csv").write_text("event_id,occurred_at,person_id,verb,cohort_id\n"
                                           "e12,2026-05-25T10:00:00Z,p3,replied,\n")  # e12 was p1's
    import_folder(small_store, tmp_path)
    filt = Filter(dt.date(2026, 3, 1), dt.date(2026, 5, 31), dt.date(2026, 6, 30))
    for name in ("active_rate_28d", "funnel", "weekly_active"):
        assert same(metric(name, small_store, filt), getattr(metrics_ref, name)(small_store, filt)), name
    assert same(metric("at_risk_members", small_store, filt), breakdowns_ref.at_risk_members(small_store, filt))


def test_the_parallel_overview_grid_equals_one_metric_at_a_time(small_store: Store) -> None:
    filt = Filter(dt.date(2026, 3, 3), dt.date(2026, 5, 31), dt.date(2026, 5, 31))
    grid = metrics.overview_grid(small_store, filt)
    windows = metrics.trend_windows(filt)
    assert windows[-1] == filt and windows[-2].date_to == dt.date(2026, 3, 2)
    for key, values in grid.items():
        expected = [metric(key, small_store, w) for w in windows]
        assert all(same(a, b) for a, b in zip(values, expected, strict=True)), (key, values, expected)
    # Hand check: 3 members now, 4 in the previous window (p2 left on 02-15).
    assert grid["members"][-2:] == [4, 3]


@pytest.mark.parametrize("seed", [5, 23])
def test_combined_page_batches_equal_the_metrics_one_by_one(seed: int) -> None:
    store = open_database(":memory:")
    generate_demo(store, seed=seed, today=TODAY)
    for filt in filters_for(store, random.Random(seed), 6):
        for page in REGISTRY.pages:
            names = REGISTRY.page(page)
            together = evaluate(store, filt, names)
            as_page = evaluate_page(store, filt, page)
            for name in names:
                one = metric(name, store, filt)
                assert same(together[name], one), (page, name, filt)
                assert same(as_page[name], one), ("page statement", page, name, filt)
        grid = metrics.overview_grid(store, filt)
        windows = metrics.trend_windows(filt)
        for key in metrics.OVERVIEW_KEYS:
            expected = [metric(key, store, w) for w in windows]
            assert all(same(a, b) for a, b in zip(grid[key], expected, strict=True)), (key, filt, grid[key], expected)
    store.close()


def test_deal_and_assessment_summaries_follow_an_import(tmp_path: Path, small_store: Store) -> None:
    filt = Filter(dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 6, 30))
    before = evaluate_page(small_store, filt, "win_rates")
    # d2 (p1, lost, no partner, closed 04-01) becomes won; p1 takes a later follow-up on 05-20.
    (tmp_path / "deals.csv").write_text(
        "deal_id,owner_id,created_on,closed_on,status,amount,currency,partner_involvement,partner_name,segment\n"
        "d2,p1,2026-02-01,2026-04-01,won,5000,USD,none,,Enterprise\n")
    (tmp_path / "assessments.csv").write_text(
        "assessment_id,person_id,taken_at,instrument,kind,score_partner_knowledge,score_co_selling_confidence,"
        "score_solution_selling,score_tool_fluency,barriers,barrier_notes\n"
        "a99,p1,2026-05-20T10:00:00Z,readiness v1,follow_up,90,90,90,90,,All clear now\n")
    import_folder(small_store, tmp_path)
    after = evaluate_page(small_store, filt, "win_rates")
    assert after["win_rate_no_partner"].numerator == before["win_rate_no_partner"].numerator + 1
    for page in ("win_rates", "barriers"):
        fast, slow = evaluate_page(small_store, filt, page), evaluate(small_store, filt, REGISTRY.page(page))
        for name in REGISTRY.page(page):
            assert same(fast[name], slow[name]), (page, name)
    for name in ("readiness", "barrier_prevalence", "barriers_resolved_rate", "assessed_rate"):
        assert same(metric(name, small_store, filt), getattr(metrics_ref, name)(small_store, filt)), name
    assert same(metric("readiness_lift", small_store, filt), metrics_ref.readiness_lift(small_store, filt))
    notes = evaluate_page(small_store, filt, "barriers")["barrier_notes"]
    assert "All clear now" in set(notes["note"])
    grid = metrics.overview_grid(small_store, filt)
    assert same(grid["win_rate_no_partner"][-1], metrics_ref.win_rate_no_partner(small_store, filt))
    assert same(grid["readiness_lift"][-1], metrics_ref.readiness_lift(small_store, filt))


def rate_value(rate: object) -> float | None:
    """numerator / denominator of a reference rate, None with no denominator (DOMAIN.md)."""
    numerator, denominator = plain(rate)[1]["numerator"], plain(rate)[1]["denominator"]  # type: ignore[index]
    return None if denominator == 0 else numerator / denominator


@pytest.mark.parametrize("seed", [5, 23])
def test_the_report_tells_what_the_reference_computes(seed: int) -> None:
    """`report --json` against the oracle itself (not only against the pages): every rate,
    count and the partner lift, whose sign is partner minus no partner."""
    store = open_database(":memory:")
    generate_demo(store, seed=seed, today=TODAY)
    rng = random.Random(seed)
    add_midnight_events(store, rng)
    for filt in filters_for(store, rng, 2) + boundary_filters(store, rng, 2):
        out = report.build_report(store, filt)
        for name in ("members", "readiness", "readiness_lift", "median_hours_to_outreach", "lessons_published",
                     "contributors", "avg_won_amount_partner", "avg_won_amount_no_partner",
                     "median_cycle_days_partner", "median_cycle_days_no_partner"):
            assert same(out[name], getattr(metrics_ref, name)(store, filt)), (name, filt)
        for name in ("assessed_rate", "active_rate_28d", "outreach_within_24h_rate", "barriers_resolved_rate",
                     "flop_share", "postmortem_coverage", "action_followthrough", "win_rate", "win_rate_partner",
                     "win_rate_no_partner", "partner_involvement_rate", "win_rate_before_joining",
                     "win_rate_after_joining"):
            assert same(out[name], rate_value(getattr(metrics_ref, name)(store, filt))), (name, filt)
        for name in ("win_rate", "win_rate_partner", "win_rate_no_partner"):
            assert out[f"{name}_n"] == plain(getattr(metrics_ref, name)(store, filt))[1]["denominator"]
        partner = rate_value(metrics_ref.win_rate_partner(store, filt))
        without = rate_value(metrics_ref.win_rate_no_partner(store, filt))
        expected_lift = None if partner is None or without is None else partner - without
        assert same(out["win_rate_lift"], expected_lift), filt
        assert out["funnel"] == metrics_ref.funnel(store, filt)
        assert out["overdue_postmortems"] == [plain(p)[1]["plan_id"] for p in metrics_ref.overdue_postmortems(store, filt)]
        assert {k: v for k, v in out["barrier_prevalence"].items()} == {
            code: rate_value(r) for code, r in metrics_ref.barrier_prevalence(store, filt).items()}
    store.close()
