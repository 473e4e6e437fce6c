"""Breakdowns the pages show beside the headline metrics: per cohort, per month, per member.

Each follows the definitions of DOMAIN.md (a per-cohort row equals the metric with only
that cohort selected; tests check this) and returns a pandas DataFrame for a table or chart.
"""

from __future__ import annotations

import pandas as pd

from data_layer.filters import MEMBERS_CTE, Filter, in_scope
from data_layer.metrics import LATEST_CTE, PAIRS_CTE, with_ctes
from data_layer.store import Store

# Members per cohort: M as it would be with only that cohort selected (within the selection).
MEMBERS_BY_COHORT = """
members_by_cohort AS (
    SELECT m.cohort_id, m.person_id, m.joined_on
    FROM memberships m
    WHERE (len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], m.cohort_id))
      AND m.joined_on <= $date_to AND (m.left_on IS NULL OR m.left_on >= $date_from)
      AND (len($teams::VARCHAR[]) + len($regions::VARCHAR[]) + len($roles::VARCHAR[]) = 0
           OR m.person_id IN (SELECT p.person_id FROM people p
                              WHERE (len($teams::VARCHAR[]) = 0 OR list_contains($teams::VARCHAR[], p.team))
                                AND (len($regions::VARCHAR[]) = 0 OR list_contains($regions::VARCHAR[], p.region))
                                AND (len($roles::VARCHAR[]) = 0 OR list_contains($roles::VARCHAR[], p.role))))
)
"""
# (Like filters.MEMBERS_CTE: one text for every filter; people are read only under a team,
# region or role filter.)



def cohort_table(store: Store, filt: Filter) -> pd.DataFrame:
    """One row per cohort: members, assessed, active in 28 days, shared a win, deals and win rate."""
    # Aggregate per cohort with joins (not a subquery per cohort): activity from activity_days,
    # whose rows count for a cohort when untagged or tagged with that cohort.
    sql = with_ctes(MEMBERS_BY_COHORT, """
        activity AS (
            SELECT mc.cohort_id,
                   count(DISTINCT a.person_id) FILTER (WHERE a.active AND a.day BETWEEN
                       greatest($date_from, CAST($date_to - INTERVAL 27 DAY AS DATE)) AND $date_to) AS active_28d,
                   count(DISTINCT a.person_id) FILTER (WHERE a.shared_win AND a.day BETWEEN $date_from AND $date_to)
                       AS shared_win
            FROM members_by_cohort mc JOIN activity_days a
              ON a.person_id = mc.person_id AND (a.cohort_id IS NULL OR a.cohort_id = mc.cohort_id)
            WHERE a.day BETWEEN least($date_from, CAST($date_to - INTERVAL 27 DAY AS DATE)) AND $date_to
            GROUP BY mc.cohort_id
        ),
        assessed AS (
            SELECT mc.cohort_id, count(DISTINCT mc.person_id) AS assessed
            FROM members_by_cohort mc
            WHERE mc.person_id IN (SELECT person_id FROM assessment_facts WHERE seq = 1 AND taken_on <= $date_to)
            GROUP BY mc.cohort_id
        ),
        deals_by_cohort AS (
            SELECT mc.cohort_id, count(*) AS closed_deals, count(*) FILTER (WHERE d.status = 'won') AS won_deals
            FROM (SELECT DISTINCT cohort_id, person_id FROM members_by_cohort) mc
            JOIN deals d ON d.owner_id = mc.person_id
            WHERE d.status IN ('won', 'lost') AND d.closed_on BETWEEN $date_from AND $date_to
            GROUP BY mc.cohort_id
        ),
        sizes AS (SELECT cohort_id, count(DISTINCT person_id) AS members FROM members_by_cohort GROUP BY cohort_id)
        """) + """
        SELECT c.cohort_id, c.name AS cohort, c.program, c.start_date, s.members,
               coalesce(x.assessed, 0) AS assessed, coalesce(a.active_28d, 0) AS active_28d,
               coalesce(a.shared_win, 0) AS shared_win, coalesce(d.closed_deals, 0) AS closed_deals,
               coalesce(d.won_deals, 0) AS won_deals
        FROM sizes s JOIN cohorts c USING (cohort_id)
        LEFT JOIN assessed x USING (cohort_id) LEFT JOIN activity a USING (cohort_id)
        LEFT JOIN deals_by_cohort d USING (cohort_id)
        ORDER BY c.start_date DESC, c.cohort_id"""
    frame = store.query_df(sql, filt.params())
    for col in ("members", "assessed", "active_28d", "shared_win", "closed_deals", "won_deals"):
        frame[col] = frame[col].astype("int64")
    frame["assessed_rate"] = frame["assessed"] / frame["members"]
    frame["active_rate_28d"] = frame["active_28d"] / frame["members"]
    frame["win_rate"] = (frame["won_deals"] / frame["closed_deals"]).where(frame["closed_deals"] > 0)
    return frame


def at_risk_members(store: Store, filt: Filter, quiet_days: int = 21) -> pd.DataFrame:
    """Members with no qualifying member event in the `quiet_days` days ending `to`, quietest first."""
    sql = with_ctes(MEMBERS_CTE) + """,
        last_seen AS (
            SELECT a.person_id, max(a.day) AS last_active
            FROM activity_days a
            WHERE a.person_id IN (SELECT person_id FROM members)
              AND (a.cohort_id IS NULL OR len($cohorts::VARCHAR[]) = 0
                   OR list_contains($cohorts::VARCHAR[], a.cohort_id))
              AND a.active AND a.day <= $date_to
            GROUP BY a.person_id
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
    return store.query_df(sql, {**filt.params(), "quiet": quiet_days})


def barrier_prevalence_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    """Per cohort and barrier: share of the cohort's members (latest assessment) citing it."""
    sql = with_ctes(MEMBERS_BY_COHORT, """
        latest_seq AS (
            SELECT person_id, max(seq) AS seq FROM assessment_facts
            WHERE person_id IN (SELECT person_id FROM members_by_cohort) AND taken_on <= $date_to
            GROUP BY person_id
        ),
        latest AS (
            -- each member's latest assessment, once per cohort they are counted in
            SELECT mc.cohort_id, f.person_id, f.barriers
            FROM (SELECT DISTINCT cohort_id, person_id FROM members_by_cohort) mc
            JOIN latest_seq x ON x.person_id = mc.person_id
            JOIN assessment_facts f ON f.person_id = x.person_id AND f.seq = x.seq
        )""") + """
        SELECT c.name AS cohort, b.code, b.label AS barrier,
               count(*) FILTER (WHERE list_contains(l.barriers, b.code)) AS citing,
               count(*) AS assessed,
               count(*) FILTER (WHERE list_contains(l.barriers, b.code)) / count(*) AS share
        FROM latest l JOIN cohorts c USING (cohort_id), barrier_codes b
        GROUP BY c.name, c.start_date, b.code, b.label
        ORDER BY c.start_date, c.name, b.code"""
    return store.query_df(sql, filt.params())


def barrier_notes(store: Store, filt: Filter, limit: int = 500) -> pd.DataFrame:
    """The free-text notes of members' latest assessments, newest first."""
    sql = with_ctes(MEMBERS_CTE, LATEST_CTE) + """
        SELECT a.taken_at, p.name, p.team, a.kind, a.barriers, a.barrier_notes AS note
        FROM latest l JOIN assessments a USING (assessment_id) JOIN people p ON p.person_id = a.person_id
        WHERE a.barrier_notes IS NOT NULL
        ORDER BY a.taken_at DESC, a.assessment_id DESC LIMIT $limit"""
    frame = store.query_df(sql, {**filt.params(), "limit": limit})
    return with_barrier_labels(store, frame)


def with_barrier_labels(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """The `barriers` column's codes as their labels, comma-separated (for people to read)."""
    labels = dict(store.query("SELECT code, label FROM barrier_codes"))
    frame["barriers"] = frame["barriers"].map(
        lambda codes: ", ".join(labels.get(c, c) for c in codes) if codes is not None else "")
    return frame


def readiness_by_dimension(store: Store, filt: Filter) -> pd.DataFrame:
    """Per dimension: mean latest score, and the mean lift from earliest baseline to latest follow-up."""
    # Grouped joins, one pass each (not a subquery per dimension).
    sql = with_ctes(MEMBERS_CTE, LATEST_CTE, PAIRS_CTE, """
        latest_scores AS (
            SELECT s.dimension, avg(s.score) AS readiness
            FROM latest l JOIN assessment_scores s USING (assessment_id) GROUP BY s.dimension
        ),
        lifts AS (
            SELECT sf.dimension, avg(sf.score - sb.score) AS lift
            FROM follow f JOIN baseline b USING (person_id)
            JOIN assessment_scores sf ON sf.assessment_id = f.assessment_id
            JOIN assessment_scores sb ON sb.assessment_id = b.assessment_id AND sb.dimension = sf.dimension
            GROUP BY sf.dimension
        )""") + """
        SELECT d.dimension, d.label, x.readiness, y.lift
        FROM dimensions d LEFT JOIN latest_scores x USING (dimension) LEFT JOIN lifts y USING (dimension)
        ORDER BY d.dimension"""
    return store.query_df(sql, filt.params())


def win_rate_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    """Per cohort: closed deals, won, and win rate with and without a partner."""
    sql = with_ctes(MEMBERS_BY_COHORT) + """
        SELECT c.name AS cohort,
               count(*) FILTER (WHERE d.partner_involvement <> 'none') AS partner_closed,
               count(*) FILTER (WHERE d.partner_involvement <> 'none' AND d.status = 'won') AS partner_won,
               count(*) FILTER (WHERE d.partner_involvement = 'none') AS no_partner_closed,
               count(*) FILTER (WHERE d.partner_involvement = 'none' AND d.status = 'won') AS no_partner_won
        FROM (SELECT DISTINCT cohort_id, person_id FROM members_by_cohort) mc
        JOIN cohorts c USING (cohort_id)
        JOIN deals d ON d.owner_id = mc.person_id
        WHERE d.status IN ('won', 'lost') AND d.closed_on BETWEEN $date_from AND $date_to
        GROUP BY c.name, c.start_date ORDER BY c.start_date DESC, c.name"""
    frame = store.query_df(sql, filt.params())
    frame["win_rate_partner"] = (frame["partner_won"] / frame["partner_closed"]).where(frame["partner_closed"] > 0)
    frame["win_rate_no_partner"] = (frame["no_partner_won"] / frame["no_partner_closed"]).where(
        frame["no_partner_closed"] > 0)
    return frame


def win_rate_by_month(store: Store, filt: Filter) -> pd.DataFrame:
    """Per month of closing and partner group: closed, won and win rate (deals of members)."""
    sql = with_ctes(MEMBERS_CTE) + """
        SELECT date_trunc('month', d.closed_on)::DATE AS month,
               CASE WHEN d.partner_involvement = 'none' THEN 'without partner' ELSE 'with partner' END AS grp,
               count(*) AS closed, count(*) FILTER (WHERE d.status = 'won') AS won
        FROM deals d
        WHERE d.owner_id IN (SELECT person_id FROM members) AND d.status IN ('won', 'lost')
          AND d.closed_on BETWEEN $date_from AND $date_to
        GROUP BY ALL ORDER BY month, grp"""
    frame = store.query_df(sql, filt.params())
    frame["win_rate"] = frame["won"] / frame["closed"]
    return frame


def lessons_by_month(store: Store, filt: Filter) -> pd.DataFrame:
    """Counted lessons published per month of publication, by outcome."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT date_trunc('month', l.published_at)::DATE AS month, coalesce(l.outcome, 'unknown') AS outcome,
               count(*) AS lessons
        FROM lessons l
        WHERE {in_scope("l.cohort_id", "l.author_id")} AND l.status = 'published'
          AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to
        GROUP BY ALL ORDER BY month, outcome"""
    return store.query_df(sql, filt.params())


def recent_flops(store: Store, filt: Filter, limit: int = 5) -> pd.DataFrame:
    """The latest published flops in the window: the lessons worth celebrating."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT l.lesson_id, l.title, l.section, CAST(l.published_at AS DATE) AS published_on, p.name AS author,
               l.lessons
        FROM lessons l LEFT JOIN people p ON p.person_id = l.author_id
        WHERE {in_scope("l.cohort_id", "l.author_id")} AND l.status = 'published' AND l.outcome = 'flopped'
          AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to
        ORDER BY l.published_at DESC, l.lesson_id DESC LIMIT $limit"""
    return store.query_df(sql, {**filt.params(), "limit": limit})


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
