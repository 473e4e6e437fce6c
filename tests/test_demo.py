"""Demo data: deterministic for a seed, and it tells the story of DOMAIN.md."""

from __future__ import annotations

import datetime as dt

import pytest

from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.demo.generator import DATA_TABLES, generate_demo
from data_layer.domain.errors import StoreError
from data_layer.domain.filters import Filter

from .conftest import metric

TODAY = dt.date(2026, 11, 22)


def _fingerprint(store: Store) -> dict[str, object]:
    return {t: store.query_value(f"SELECT md5(string_agg(CAST(x AS VARCHAR), '|' ORDER BY CAST(x AS VARCHAR))) FROM {t} x")  # noqa: S608
            for t in DATA_TABLES}


@pytest.fixture(scope="module")
def demo() -> Store:
    s = open_database(":memory:")
    generate_demo(s, seed=7, today=TODAY)
    return s


def test_the_same_seed_gives_the_same_database_and_another_seed_does_not(demo: Store) -> None:
    again = open_database(":memory:")
    generate_demo(again, seed=7, today=TODAY)
    other = open_database(":memory:")
    generate_demo(other, seed=8, today=TODAY)
    assert _fingerprint(again) == _fingerprint(demo)
    assert _fingerprint(other)["events"] != _fingerprint(demo)["events"]


def test_demo_scale_has_about_300_people_in_12_cohorts_over_18_months(demo: Store) -> None:
    assert demo.query_value("SELECT count(*) FROM people") == 300
    assert demo.query_value("SELECT count(*) FROM cohorts") == 12
    first, last = demo.query_one("SELECT min(occurred_at), max(occurred_at) FROM events")  # type: ignore[misc]
    assert (TODAY - first.date()).days >= 480
    assert last.date() <= TODAY
    sizes = [r[0] for r in demo.query("SELECT count(*) FROM memberships GROUP BY cohort_id")]
    assert min(sizes) >= 8 and max(sizes) <= 30
    assert demo.query_value("SELECT count(*) FROM (SELECT person_id FROM memberships GROUP BY 1 HAVING count(*) > 1)") > 0


def test_most_outreach_comes_within_a_day_and_some_waits_days(demo: Store) -> None:
    delays = [r[0] for r in demo.query("""
        SELECT min(date_diff('minute', a.taken_at, e.occurred_at)) / 60.0
        FROM assessments a JOIN events e
          ON e.person_id = a.person_id AND e.verb = 'outreach_received' AND e.occurred_at >= a.taken_at
        WHERE a.kind = 'baseline' GROUP BY a.assessment_id""")]
    within = sum(d <= 24 for d in delays) / len(delays)
    assert 0.6 < within < 0.9
    assert sum(d > 72 for d in delays) >= 10


def test_activity_rises_in_the_first_weeks_and_some_members_go_quiet(demo: Store) -> None:
    weekly = dict(demo.query("""
        SELECT date_diff('day', m.joined_on, CAST(e.occurred_at AS DATE)) // 7 AS week, count(*)
        FROM events e JOIN memberships m ON m.person_id = e.person_id AND m.cohort_id = e.cohort_id
        WHERE e.verb NOT IN ('invited', 'outreach_received', 'assessed', 'introduced')
        GROUP BY 1"""))
    assert weekly[0] < weekly[3]
    quiet = demo.query_value("""
        SELECT count(*) FROM memberships m JOIN cohorts c USING (cohort_id)
        WHERE c.end_date IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM events e WHERE e.person_id = m.person_id
              AND e.occurred_at >= CAST(c.end_date AS TIMESTAMP) - INTERVAL 30 DAY
              AND e.verb NOT IN ('invited', 'outreach_received'))""")
    assert quiet > 0


def test_barriers_shrink_between_baseline_and_follow_up(demo: Store) -> None:
    per_kind = dict(demo.query("SELECT kind, avg(len(barriers)) FROM assessments GROUP BY kind"))
    assert per_kind["follow_up"] < 0.7 * per_kind["baseline"]


def test_partner_deals_win_more_often_and_close_faster(demo: Store) -> None:
    everything = Filter(date_from=TODAY - dt.timedelta(days=700), date_to=TODAY, today=TODAY)
    with_partner = metric("win_rate_partner", demo, everything)
    without = metric("win_rate_no_partner", demo, everything)
    assert with_partner.value is not None and without.value is not None
    assert with_partner.value > without.value + 0.05
    cycle = dict(demo.query("""
        SELECT partner_involvement <> 'none', median(closed_on - created_on)
        FROM deals WHERE status = 'won' GROUP BY 1"""))
    assert cycle[True] < cycle[False]


def test_the_book_of_learning_has_flops_missing_post_mortems_and_overdue_actions(demo: Store) -> None:
    assert demo.query_value("SELECT count(*) FROM lessons WHERE status = 'published' AND outcome = 'flopped'") >= 3
    assert demo.query_value("""
        SELECT count(*) FROM plans p WHERE ends_on < $cutoff
          AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.plan_id = p.plan_id)""",
        {"cutoff": TODAY - dt.timedelta(days=14)}) >= 2
    assert demo.query_value("SELECT count(*) FROM actions WHERE done_on IS NULL AND due_on < $t",
                            {"t": TODAY}) >= 3
    assert demo.query_value("SELECT count(*) FROM sections WHERE owner_id IS NOT NULL") == 9


def test_demo_refuses_to_overwrite_data_unless_asked(demo: Store) -> None:
    with pytest.raises(StoreError, match="--replace"):
        generate_demo(demo, seed=7, today=TODAY)


def test_every_row_references_known_people_and_cohorts(demo: Store) -> None:
    assert demo.query_value("""
        SELECT count(*) FROM events e WHERE e.person_id NOT IN (SELECT person_id FROM people)
           OR (e.cohort_id IS NOT NULL AND e.cohort_id NOT IN (SELECT cohort_id FROM cohorts))""") == 0
    assert demo.query_value("SELECT count(*) FROM deals WHERE owner_id NOT IN (SELECT person_id FROM people)") == 0
    assert demo.query_value("""
        SELECT count(*) FROM lessons WHERE plan_id IS NOT NULL AND plan_id NOT IN (SELECT plan_id FROM plans)""") == 0
    assert demo.query_value("SELECT count(*) FROM actions WHERE lesson_id NOT IN (SELECT lesson_id FROM lessons)") == 0
    assert demo.query_value("SELECT count(*) FROM deals WHERE closed_on < created_on OR (status <> 'open') <> (closed_on IS NOT NULL)") == 0


def test_the_demo_is_split_into_modules_of_at_most_600_lines() -> None:
    from pathlib import Path

    folder = Path(__file__).parent.parent / "data_layer" / "demo"
    sizes = {p.name: len(p.read_text().splitlines()) for p in folder.glob("*.py")}
    assert {"generator.py", "draws.py", "writing.py", "showcase.py", "text.py"} <= set(sizes)
    assert max(sizes.values()) <= 600, sizes


def test_the_demo_states_tests_and_notes_and_refuses_a_span_it_cannot_make(demo: Store) -> None:
    from data_layer.book import experiments

    # no outbox given: tests and notes, but no alerts and no digest schedule
    assert sorted(t.outcome for t in experiments.results(demo)) == ["flopped", "inconclusive", "no results", "worked"]
    assert demo.query_value("SELECT count(*) FROM annotations") == 3
    assert demo.query_value("SELECT count(*) FROM alerts") == 0
    # every protocol was stated before its plan started
    assert demo.query_value("""SELECT count(*) FROM test_protocols t JOIN plans p USING (plan_id)
                               WHERE CAST(t.saved_at AS DATE) >= p.starts_on""") == 0
    with pytest.raises(ValueError, match="months must be 6 to 60"):
        generate_demo(open_database(":memory:"), today=TODAY, months=61)
