# Frozen copy of the straightforward SQL (before the speed work of issue 7): the oracle that
# tests/test_fast_paths.py compares the optimised functions against on random datasets.
"""Breakdowns the pages show beside the headline metrics: per cohort, per month, per member.

Each follows the definitions of DOMAIN.md (a per-cohort row equals the metric with only
that cohort selected; tests check this) and returns a pandas DataFrame for a table or chart.
"""

from __future__ import annotations

import pandas as pd

from tests.oracle.metrics_reference import (
    _LATEST_CTE,
    _PAIRS_CTE,
    MEMBERS_CTE,
    Filter,
    Store,
    _with,
    bound,
    in_scope,
)

# Members per cohort: M as it would be with only that cohort selected (within the selection).
_MEMBERS_BY_COHORT = """
members_by_cohort AS (
    SELECT m.cohort_id, m.person_id, m.joined_on
    FROM memberships m JOIN people p ON p.person_id = m.person_id
    WHERE (len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], m.cohort_id))
      AND m.joined_on <= $date_to AND (m.left_on IS NULL OR m.left_on >= $date_from)
      AND (len($teams::VARCHAR[]) = 0 OR list_contains($teams::VARCHAR[], p.team))
      AND (len($regions::VARCHAR[]) = 0 OR list_contains($regions::VARCHAR[], p.region))
      AND (len($roles::VARCHAR[]) = 0 OR list_contains($roles::VARCHAR[], p.role))
),
cohort_events AS (
    SELECT mc.cohort_id, e.person_id, CAST(e.occurred_at AS DATE) AS day, e.verb
    FROM members_by_cohort mc JOIN events e ON e.person_id = mc.person_id
    WHERE e.cohort_id IS NULL OR e.cohort_id = mc.cohort_id
)
"""


def cohort_table(store: Store, filt: Filter) -> pd.DataFrame:
    """One row per cohort: members, assessed, active in 28 days, shared a win, deals and win rate."""
    sql = _with(_MEMBERS_BY_COHORT) + """
        SELECT c.cohort_id, c.name AS cohort, c.program, c.start_date,
               count(DISTINCT mc.person_id) AS members,
               count(DISTINCT mc.person_id) FILTER (WHERE EXISTS (
                   SELECT 1 FROM assessments a WHERE a.person_id = mc.person_id
                     AND CAST(a.taken_at AS DATE) <= $date_to)) AS assessed,
               (SELECT count(DISTINCT ce.person_id) FROM cohort_events ce
                 WHERE ce.cohort_id = c.cohort_id AND ce.verb NOT IN ('invited', 'outreach_received')
                   AND ce.day BETWEEN greatest($date_from, CAST($date_to - INTERVAL 27 DAY AS DATE))
                   AND $date_to) AS active_28d,
               (SELECT count(DISTINCT ce.person_id) FROM cohort_events ce
                 WHERE ce.cohort_id = c.cohort_id AND ce.verb = 'shared_win'
                   AND ce.day BETWEEN $date_from AND $date_to) AS shared_win,
               (SELECT count(*) FROM deals d WHERE d.status IN ('won', 'lost')
                   AND d.closed_on BETWEEN $date_from AND $date_to
                   AND d.owner_id IN (SELECT person_id FROM members_by_cohort x WHERE x.cohort_id = c.cohort_id)
               ) AS closed_deals,
               (SELECT count(*) FROM deals d WHERE d.status = 'won'
                   AND d.closed_on BETWEEN $date_from AND $date_to
                   AND d.owner_id IN (SELECT person_id FROM members_by_cohort x WHERE x.cohort_id = c.cohort_id)
               ) AS won_deals
        FROM cohorts c JOIN members_by_cohort mc ON mc.cohort_id = c.cohort_id
        GROUP BY c.cohort_id, c.name, c.program, c.start_date
        ORDER BY c.start_date DESC, c.cohort_id"""
    frame = store.query_df(sql, bound(filt))
    frame["assessed_rate"] = frame["assessed"] / frame["members"]
    frame["active_rate_28d"] = frame["active_28d"] / frame["members"]
    frame["win_rate"] = (frame["won_deals"] / frame["closed_deals"]).where(frame["closed_deals"] > 0)
    return frame


def at_risk_members(store: Store, filt: Filter, quiet_days: int = 21) -> pd.DataFrame:
    """Members with no qualifying member event in the `quiet_days` days ending `to`, quietest first."""
    sql = _with(MEMBERS_CTE) + """,
        last_seen AS (
            SELECT e.person_id, max(CAST(e.occurred_at AS DATE)) AS last_active
            FROM events e
            WHERE e.person_id IN (SELECT person_id FROM members)
              AND (e.cohort_id IS NULL OR len($cohorts::VARCHAR[]) = 0
                   OR list_contains($cohorts::VARCHAR[], e.cohort_id))
              AND e.verb NOT IN ('invited', 'outreach_received')
              AND CAST(e.occurred_at AS DATE) <= $date_to
            GROUP BY e.person_id
        )
        SELECT p.person_id, p.name, p.team, p.region, p.role, m.joined_on, l.last_active,
               $date_to - l.last_active AS days_quiet,
               (SELECT string_agg(c.name, ', ' ORDER BY c.name) FROM memberships ms
                  JOIN cohorts c USING (cohort_id)
                 WHERE ms.person_id = p.person_id
                   AND (len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], ms.cohort_id))
              ) AS cohorts
        FROM members m JOIN people p USING (person_id)
        LEFT JOIN last_seen l USING (person_id)
        WHERE l.last_active IS NULL OR l.last_active < CAST($date_to - to_days(CAST($quiet AS INTEGER) - 1) AS DATE)
        ORDER BY l.last_active NULLS FIRST, p.name"""
    return store.query_df(sql, {**bound(filt), "quiet": quiet_days})


def barrier_prevalence_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    """Per cohort and barrier: share of the cohort's members (latest assessment) citing it."""
    sql = _with(_MEMBERS_BY_COHORT, """
        latest AS (
            SELECT mc.cohort_id, a.person_id, a.barriers
            FROM members_by_cohort mc JOIN assessments a ON a.person_id = mc.person_id
            WHERE CAST(a.taken_at AS DATE) <= $date_to
            QUALIFY row_number() OVER (PARTITION BY mc.cohort_id, a.person_id
                                       ORDER BY a.taken_at DESC, a.assessment_id DESC) = 1
        )""") + """
        SELECT c.name AS cohort, b.code, b.label AS barrier,
               count(*) FILTER (WHERE list_contains(l.barriers, b.code)) AS citing,
               count(*) AS assessed,
               count(*) FILTER (WHERE list_contains(l.barriers, b.code)) / count(*) AS share
        FROM latest l JOIN cohorts c USING (cohort_id), barrier_codes b
        GROUP BY c.name, c.start_date, b.code, b.label
        ORDER BY c.start_date, c.name, b.code"""  # (c.name: a fixed order for ties)
    return store.query_df(sql, bound(filt))


def barrier_notes(store: Store, filt: Filter, limit: int = 500) -> pd.DataFrame:
    """The free-text notes of members' latest assessments, newest first."""
    sql = _with(MEMBERS_CTE, _LATEST_CTE) + """
        SELECT a.taken_at, p.name, p.team, a.kind, a.barriers, a.barrier_notes AS note
        FROM latest l JOIN assessments a USING (assessment_id) JOIN people p ON p.person_id = a.person_id
        WHERE a.barrier_notes IS NOT NULL
        ORDER BY a.taken_at DESC, a.assessment_id DESC LIMIT $limit"""  # (assessment_id: a fixed order for ties)
    frame = store.query_df(sql, {**bound(filt), "limit": limit})
    labels = dict(store.query("SELECT code, label FROM barrier_codes"))
    frame["barriers"] = frame["barriers"].map(
        lambda codes: ", ".join(labels.get(c, c) for c in codes) if codes is not None else "")
    return frame


def readiness_by_dimension(store: Store, filt: Filter) -> pd.DataFrame:
    """Per dimension: mean latest score, and the mean lift from earliest baseline to latest follow-up."""
    sql = _with(MEMBERS_CTE, _LATEST_CTE, _PAIRS_CTE.replace("readiness_of AS", "readiness_of2 AS")) + """
        SELECT d.dimension, d.label,
               (SELECT avg(s.score) FROM latest l JOIN assessment_scores s USING (assessment_id)
                 WHERE s.dimension = d.dimension) AS readiness,
               (SELECT avg(sf.score - sb.score) FROM follow f JOIN baseline b USING (person_id)
                  JOIN assessment_scores sf ON sf.assessment_id = f.assessment_id AND sf.dimension = d.dimension
                  JOIN assessment_scores sb ON sb.assessment_id = b.assessment_id AND sb.dimension = d.dimension
               ) AS lift
        FROM dimensions d ORDER BY d.dimension"""
    return store.query_df(sql, bound(filt))


def win_rate_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    """Per cohort: closed deals, won, and win rate with and without a partner."""
    sql = _with(_MEMBERS_BY_COHORT) + """
        SELECT c.name AS cohort,
               count(*) FILTER (WHERE d.partner_involvement <> 'none') AS partner_closed,
               count(*) FILTER (WHERE d.partner_involvement <> 'none' AND d.status = 'won') AS partner_won,
               count(*) FILTER (WHERE d.partner_involvement = 'none') AS no_partner_closed,
               count(*) FILTER (WHERE d.partner_involvement = 'none' AND d.status = 'won') AS no_partner_won
        FROM (SELECT DISTINCT cohort_id, person_id FROM members_by_cohort) mc
        JOIN cohorts c USING (cohort_id)
        JOIN deals d ON d.owner_id = mc.person_id
        WHERE d.status IN ('won', 'lost') AND d.closed_on BETWEEN $date_from AND $date_to
        GROUP BY c.name, c.start_date ORDER BY c.start_date DESC, c.name"""  # (c.name: a fixed order for ties)
    frame = store.query_df(sql, bound(filt))
    frame["win_rate_partner"] = (frame["partner_won"] / frame["partner_closed"]).where(frame["partner_closed"] > 0)
    frame["win_rate_no_partner"] = (frame["no_partner_won"] / frame["no_partner_closed"]).where(
        frame["no_partner_closed"] > 0)
    return frame


def win_rate_by_month(store: Store, filt: Filter) -> pd.DataFrame:
    """Per month of closing and partner group: closed, won and win rate (deals of members)."""
    sql = _with(MEMBERS_CTE) + """
        SELECT date_trunc('month', d.closed_on)::DATE AS month,
               CASE WHEN d.partner_involvement = 'none' THEN 'without partner' ELSE 'with partner' END AS grp,
               count(*) AS closed, count(*) FILTER (WHERE d.status = 'won') AS won
        FROM deals d
        WHERE d.owner_id IN (SELECT person_id FROM members) AND d.status IN ('won', 'lost')
          AND d.closed_on BETWEEN $date_from AND $date_to
        GROUP BY ALL ORDER BY month, grp"""
    frame = store.query_df(sql, bound(filt))
    frame["win_rate"] = frame["won"] / frame["closed"]
    return frame


def lessons_by_month(store: Store, filt: Filter) -> pd.DataFrame:
    """Counted lessons published per month of publication, by outcome."""
    sql = _with(MEMBERS_CTE) + f"""
        SELECT date_trunc('month', l.published_at)::DATE AS month, coalesce(l.outcome, 'unknown') AS outcome,
               count(*) AS lessons
        FROM lessons l
        WHERE {in_scope("l.cohort_id", "l.author_id")} AND l.status = 'published'
          AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to
        GROUP BY ALL ORDER BY month, outcome"""
    return store.query_df(sql, bound(filt))


def recent_flops(store: Store, filt: Filter, limit: int = 5) -> pd.DataFrame:
    """The latest published flops in the window: the lessons worth celebrating."""
    sql = _with(MEMBERS_CTE) + f"""
        SELECT l.lesson_id, l.title, l.section, CAST(l.published_at AS DATE) AS published_on, p.name AS author,
               l.lessons
        FROM lessons l LEFT JOIN people p ON p.person_id = l.author_id
        WHERE {in_scope("l.cohort_id", "l.author_id")} AND l.status = 'published' AND l.outcome = 'flopped'
          AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to
        ORDER BY l.published_at DESC, l.lesson_id DESC LIMIT $limit"""  # (lesson_id: a fixed order for ties)
    return store.query_df(sql, {**bound(filt), "limit": limit})


def filter_options(store: Store) -> dict[str, list[str]]:
    """Values the sidebar offers: teams, regions and roles of people who have been in a cohort."""
    out: dict[str, list[str]] = {}
    for column in ("team", "region", "role"):
        rows = store.query(
            f"SELECT DISTINCT p.{column} FROM people p WHERE p.{column} IS NOT NULL "
            f"AND p.person_id IN (SELECT person_id FROM memberships) ORDER BY 1")
        out[column] = [r[0] for r in rows]
    return out


def cohort_choices(store: Store) -> pd.DataFrame:
    """Every cohort for the sidebar: id, name, program and start date, newest first."""
    return store.query_df(
        "SELECT cohort_id, name, program, start_date, end_date FROM cohorts ORDER BY start_date DESC, cohort_id")


def program_start(store: Store, cohorts: tuple[str, ...]) -> object:
    """The earliest start date of the selected cohorts (all cohorts when none is selected)."""
    return store.query_value(
        "SELECT min(start_date) FROM cohorts WHERE len($c::VARCHAR[]) = 0 OR list_contains($c::VARCHAR[], cohort_id)",
        {"c": list(cohorts)})
