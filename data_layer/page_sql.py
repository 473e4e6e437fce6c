"""One statement per page for its single-row numbers, sharing the CTEs each metric would rebuild.

The expressions are the metric functions' own (metrics.py), gathered over shared CTEs; the
batch-equality test (tests/test_fast_paths.py) checks every value against the metric
functions on random datasets and filters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from data_layer.filters import MEMBERS_CTE, Filter, in_scope, specialise
from data_layer.metrics import _CLOSED_CTE, _GROUPS, _with
from data_layer.stats import DealRate, Rate
from data_layer.store import Store

_AFTER = "d.closed_on >= m.joined_on AND d.closed_on < CAST(m.joined_on + INTERVAL 180 DAY AS DATE)"
_BEFORE = "d.closed_on >= CAST(m.joined_on - INTERVAL 180 DAY AS DATE) AND d.closed_on < m.joined_on"


def _rate_cols(group: str) -> str:
    return f"count(*) FILTER (WHERE status = 'won' AND {_GROUPS[group]}), count(*) FILTER (WHERE {_GROUPS[group]})"


WIN_RATES_SQL = _with(MEMBERS_CTE, _CLOSED_CTE, f"""
    around AS (
        SELECT count(*) FILTER (WHERE d.status = 'won' AND {_BEFORE}) AS before_won,
               count(*) FILTER (WHERE {_BEFORE}) AS before_n,
               count(*) FILTER (WHERE d.status = 'won' AND {_AFTER}) AS after_won,
               count(*) FILTER (WHERE {_AFTER}) AS after_n
        FROM deals d JOIN members m ON m.person_id = d.owner_id
        WHERE d.status IN ('won', 'lost')
    )""") + f"""
    SELECT {_rate_cols("all")}, {_rate_cols("partner")}, {_rate_cols("no_partner")}, {_rate_cols("sourced")},
           {_rate_cols("influenced")},
           count(*) FILTER (WHERE with_partner), count(*),
           avg(amount) FILTER (WHERE status = 'won' AND with_partner = TRUE),
           avg(amount) FILTER (WHERE status = 'won' AND with_partner = FALSE),
           median(closed_on - created_on) FILTER (WHERE status = 'won' AND with_partner = TRUE),
           median(closed_on - created_on) FILTER (WHERE status = 'won' AND with_partner = FALSE),
           (SELECT before_won FROM around), (SELECT before_n FROM around),
           (SELECT after_won FROM around), (SELECT after_n FROM around)
    FROM closed"""


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def win_rates(store: Store, filt: Filter) -> dict[str, Any]:
    """Every single-row number of the Win rates page in one statement."""
    r = store.query_one(specialise(WIN_RATES_SQL, filt), filt.params())
    assert r is not None
    n = [int(x or 0) if i < 12 or i >= 16 else x for i, x in enumerate(r)]
    out: dict[str, Any] = {
        "win_rate": DealRate(n[0], n[1]), "win_rate_partner": DealRate(n[2], n[3]),
        "win_rate_no_partner": DealRate(n[4], n[5]), "win_rate_sourced": DealRate(n[6], n[7]),
        "win_rate_influenced": DealRate(n[8], n[9]), "partner_involvement_rate": DealRate(n[10], n[11]),
        "avg_won_amount_partner": _float(r[12]), "avg_won_amount_no_partner": _float(r[13]),
        "median_cycle_days_partner": _float(r[14]), "median_cycle_days_no_partner": _float(r[15]),
        "win_rate_before_joining": DealRate(n[16], n[17]), "win_rate_after_joining": DealRate(n[18], n[19]),
    }
    with_p, without = out["win_rate_partner"].value, out["win_rate_no_partner"].value
    out["win_rate_lift"] = None if with_p is None or without is None else with_p - without
    return out


_LESSONS = "lessons l WHERE " + in_scope("l.cohort_id", "l.author_id")
LEARNING_SQL = _with(MEMBERS_CTE, f"""
    counted AS (SELECT l.* FROM {_LESSONS}),
    published AS (
        SELECT * FROM counted
        WHERE status = 'published' AND CAST(published_at AS DATE) BETWEEN $date_from AND $date_to
    )""") + f"""
    SELECT (SELECT count(*) FROM published),
           (SELECT count(*) FILTER (WHERE outcome = 'flopped') FROM published),
           (SELECT count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id AND x.status = 'published')) FROM plans p
             WHERE {in_scope("p.cohort_id", "p.owner_id")} AND p.ends_on BETWEEN $date_from AND least($date_to, $today)),
           (SELECT count(*) FROM plans p
             WHERE {in_scope("p.cohort_id", "p.owner_id")} AND p.ends_on BETWEEN $date_from AND least($date_to, $today)),
           (SELECT count(DISTINCT author_id) FROM counted
             WHERE CAST(created_at AS DATE) BETWEEN $date_from AND $date_to),
           (SELECT count(*) FILTER (WHERE a.done_on IS NOT NULL AND a.done_on <= a.due_on) FROM actions a
             WHERE a.lesson_id IN (SELECT lesson_id FROM counted)
               AND a.due_on BETWEEN $date_from AND least($date_to, $today)),
           (SELECT count(*) FROM actions a
             WHERE a.lesson_id IN (SELECT lesson_id FROM counted)
               AND a.due_on BETWEEN $date_from AND least($date_to, $today))"""


def learning_health(store: Store, filt: Filter) -> dict[str, Any]:
    """The Learning health page's single-row numbers in one statement."""
    r = store.query_one(specialise(LEARNING_SQL, filt), filt.params())
    assert r is not None
    n = [int(x or 0) for x in r]
    return {"lessons_published": n[0], "flop_share": Rate(n[1], n[0]), "postmortem_coverage": Rate(n[2], n[3]),
            "contributors": n[4], "action_followthrough": Rate(n[5], n[6])}


# Page -> the statement function and the names it answers.
PAGE_STATEMENTS: dict[str, tuple[Callable[[Store, Filter], dict[str, Any]], frozenset[str]]] = {
    "win_rates": (win_rates, frozenset({
        "win_rate", "win_rate_partner", "win_rate_no_partner", "win_rate_sourced", "win_rate_influenced",
        "partner_involvement_rate", "avg_won_amount_partner", "avg_won_amount_no_partner",
        "median_cycle_days_partner", "median_cycle_days_no_partner", "win_rate_before_joining",
        "win_rate_after_joining", "win_rate_lift"})),
    "learning_health": (learning_health, frozenset({
        "lessons_published", "flop_share", "postmortem_coverage", "contributors", "action_followthrough"})),
}
