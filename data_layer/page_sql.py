"""One statement per page, sharing the CTEs each metric would rebuild.

The expressions are the metric and breakdown functions' own (metrics.py, breakdowns.py),
gathered over shared CTEs; a page's tables come back as lists of structs in the same row
and are turned into the DataFrames the breakdown functions return. The member's rows of
the big tables are read once per page instead of once per metric, and the page costs one
round of planning instead of several. The batch-equality test (tests/test_fast_paths.py)
checks every value against the metric and breakdown functions on random datasets and
filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import pandas as pd

from data_layer import breakdowns, metrics
from data_layer.batch import one_row
from data_layer.breakdowns import MEMBERS_BY_COHORT
from data_layer.filters import MEMBERS_CTE, NARROWED, Filter, in_scope
from data_layer.metrics import DEAL_GROUPS, with_ctes
from data_layer.stats import DealRate, Rate
from data_layer.store import Store

_AFTER = "d.closed_on >= m.joined_on AND d.closed_on < CAST(m.joined_on + INTERVAL 180 DAY AS DATE)"
_BEFORE = "d.closed_on >= CAST(m.joined_on - INTERVAL 180 DAY AS DATE) AND d.closed_on < m.joined_on"


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _frame(records: Sequence[dict[str, Any]] | None, columns: dict[str, str]) -> pd.DataFrame:
    """A list of structs as a DataFrame with these columns and the dtypes query_df gives them."""
    frame = pd.DataFrame.from_records(list(records or []), columns=list(columns))
    for column, dtype in columns.items():
        if dtype == "datetime":
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
        else:
            frame[column] = frame[column].astype(cast(Any, dtype))  # a dtype name
    return frame


def _rate_cols(group: str) -> str:
    return f"{{'won': count(*) FILTER (WHERE won AND {DEAL_GROUPS[group]}), 'closed': count(*) FILTER (WHERE {DEAL_GROUPS[group]})}}"


# ---------------------------------------------------------------------------- win rates
WIN_RATES_CTES = with_ctes(MEMBERS_CTE, MEMBERS_BY_COHORT, f"""
    member_deals AS MATERIALIZED (
        -- the members' won or lost deals (closed_deals, summaries.py): read once, used by every number below
        SELECT d.owner_id, d.created_on, d.closed_on, d.won, d.amount, d.partner_involvement, d.with_partner
        FROM closed_deals d
        WHERE d.owner_id IN (SELECT person_id FROM members)
    ),
    closed AS MATERIALIZED (SELECT * FROM member_deals WHERE closed_on BETWEEN $date_from AND $date_to),
    around AS (
        SELECT count(*) FILTER (WHERE d.won AND {_BEFORE}) AS before_won,
               count(*) FILTER (WHERE {_BEFORE}) AS before_n,
               count(*) FILTER (WHERE d.won AND {_AFTER}) AS after_won,
               count(*) FILTER (WHERE {_AFTER}) AS after_n
        FROM member_deals d JOIN members m ON m.person_id = d.owner_id
    ),
    by_month AS (
        SELECT date_trunc('month', closed_on)::DATE AS month,
               CASE WHEN partner_involvement = 'none' THEN 'without partner' ELSE 'with partner' END AS grp,
               count(*) AS closed, count(*) FILTER (WHERE won) AS won
        FROM closed GROUP BY ALL
    ),
    by_cohort AS (
        SELECT c.name AS cohort, c.start_date,
               count(*) FILTER (WHERE d.with_partner) AS partner_closed,
               count(*) FILTER (WHERE d.with_partner AND d.won) AS partner_won,
               count(*) FILTER (WHERE NOT d.with_partner) AS no_partner_closed,
               count(*) FILTER (WHERE NOT d.with_partner AND d.won) AS no_partner_won
        FROM (SELECT DISTINCT cohort_id, person_id FROM members_by_cohort) mc
        JOIN cohorts c USING (cohort_id) JOIN closed d ON d.owner_id = mc.person_id
        GROUP BY c.name, c.start_date
    )""")
WIN_RATES_PARTS = (
    f"""SELECT {{'all': {_rate_cols("all")}, 'partner': {_rate_cols("partner")},
                'no_partner': {_rate_cols("no_partner")}, 'sourced': {_rate_cols("sourced")},
                'influenced': {_rate_cols("influenced")},
                'involved': {{'won': count(*) FILTER (WHERE with_partner), 'closed': count(*)}},
                'avg_p': avg(amount) FILTER (WHERE won AND with_partner),
                'avg_np': avg(amount) FILTER (WHERE won AND NOT with_partner),
                'cycle_p': median(closed_on - created_on) FILTER (WHERE won AND with_partner
                                                                   AND closed_on >= created_on),
                'cycle_np': median(closed_on - created_on) FILTER (WHERE won AND NOT with_partner
                                                                    AND closed_on >= created_on)}}
        FROM closed""",
    "SELECT {'before_won': before_won, 'before_n': before_n, 'after_won': after_won, 'after_n': after_n} FROM around",
    "SELECT list({'month': month, 'grp': grp, 'closed': closed, 'won': won} ORDER BY month, grp) FROM by_month",
    """SELECT list({'cohort': cohort, 'partner_closed': partner_closed, 'partner_won': partner_won,
                    'no_partner_closed': no_partner_closed, 'no_partner_won': no_partner_won}
                   ORDER BY start_date DESC, cohort) FROM by_cohort""",
)


def _deal_rate(x: dict[str, Any]) -> DealRate:
    return DealRate(int(x["won"] or 0), int(x["closed"] or 0))


def win_rates(store: Store, filt: Filter) -> dict[str, Any]:
    """Everything the Win rates page shows, in one statement."""
    totals, around, by_month, by_cohort = one_row(
        store, WIN_RATES_CTES, WIN_RATES_PARTS, filt.params())
    out: dict[str, Any] = {
        "win_rate": _deal_rate(totals["all"]), "win_rate_partner": _deal_rate(totals["partner"]),
        "win_rate_no_partner": _deal_rate(totals["no_partner"]), "win_rate_sourced": _deal_rate(totals["sourced"]),
        "win_rate_influenced": _deal_rate(totals["influenced"]),
        "partner_involvement_rate": _deal_rate(totals["involved"]),
        "avg_won_amount_partner": _float(totals["avg_p"]), "avg_won_amount_no_partner": _float(totals["avg_np"]),
        "median_cycle_days_partner": _float(totals["cycle_p"]),
        "median_cycle_days_no_partner": _float(totals["cycle_np"]),
        "win_rate_before_joining": DealRate(int(around["before_won"] or 0), int(around["before_n"] or 0)),
        "win_rate_after_joining": DealRate(int(around["after_won"] or 0), int(around["after_n"] or 0)),
    }
    with_p, without = out["win_rate_partner"].value, out["win_rate_no_partner"].value
    out["win_rate_lift"] = None if with_p is None or without is None else with_p - without
    monthly = _frame(by_month, {"month": "datetime", "grp": "str", "closed": "int64", "won": "int64"})
    monthly["win_rate"] = monthly["won"] / monthly["closed"]
    out["win_rate_by_month"] = monthly
    cohorts = _frame(by_cohort, {"cohort": "str", "partner_closed": "int64", "partner_won": "int64",
                                 "no_partner_closed": "int64", "no_partner_won": "int64"})
    cohorts["win_rate_partner"] = (cohorts["partner_won"] / cohorts["partner_closed"]).where(
        cohorts["partner_closed"] > 0)
    cohorts["win_rate_no_partner"] = (cohorts["no_partner_won"] / cohorts["no_partner_closed"]).where(
        cohorts["no_partner_closed"] > 0)
    out["win_rate_by_cohort"] = cohorts
    return out


# ---------------------------------------------------------------------- learning health
_IN_WINDOW = "CAST(published_at AS DATE) BETWEEN $date_from AND $date_to"
_LESSON_SCOPE = in_scope("l.cohort_id", "l.author_id")
_PLAN_SCOPE = in_scope("p.cohort_id", "p.owner_id")
LEARNING_CTES = with_ctes(MEMBERS_CTE, f"""
    counted AS MATERIALIZED (
        -- the columns the numbers need (not the lessons' text: materialising that costs more than the rest)
        SELECT l.lesson_id, l.section, l.status, l.outcome, l.published_at, l.created_at, l.author_id
        FROM lessons l WHERE {_LESSON_SCOPE}
    ),
    published AS MATERIALIZED (SELECT * FROM counted WHERE status = 'published' AND {_IN_WINDOW}),
    counted_plans AS MATERIALIZED (
        SELECT p.plan_id, p.name, p.section, p.ends_on, p.owner_id FROM plans p WHERE {_PLAN_SCOPE}
    ),
    due_plans AS (SELECT * FROM counted_plans WHERE ends_on BETWEEN $date_from AND least($date_to, $today)),
    due_actions AS (
        SELECT a.* FROM actions a
        WHERE a.lesson_id IN (SELECT lesson_id FROM counted) AND a.due_on BETWEEN $date_from AND least($date_to, $today)
    ),
    by_month AS (
        SELECT date_trunc('month', published_at)::DATE AS month, coalesce(outcome, 'unknown') AS outcome,
               count(*) AS lessons
        FROM published GROUP BY ALL
    ),
    flops AS (
        SELECT l.lesson_id, t.title, l.section, CAST(l.published_at AS DATE) AS published_on, p.name AS author,
               t.lessons, l.published_at
        FROM (SELECT * FROM published WHERE outcome = 'flopped'
              ORDER BY published_at DESC, lesson_id DESC LIMIT $limit) l
        JOIN lessons t USING (lesson_id) LEFT JOIN people p ON p.person_id = l.author_id
    ),
    overdue AS (
        SELECT p.plan_id, p.name, p.section, p.ends_on, p.owner_id, o.name AS owner_name
        FROM counted_plans p LEFT JOIN people o ON o.person_id = p.owner_id
        WHERE p.ends_on < CAST($today - INTERVAL 14 DAY AS DATE)
          AND NOT EXISTS (SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id)
    ),
    last_published AS (
        SELECT section, max(CAST(published_at AS DATE)) AS last_day FROM counted
        WHERE status = 'published' AND CAST(published_at AS DATE) <= $today
        GROUP BY section
    )""")
LEARNING_PARTS = (
    """SELECT {'published': count(*), 'flopped': count(*) FILTER (WHERE outcome = 'flopped')} FROM published""",
    """SELECT {'covered': count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id AND x.status = 'published')),
               'due': count(*)} FROM due_plans p""",
    "SELECT count(DISTINCT author_id) FROM counted WHERE CAST(created_at AS DATE) BETWEEN $date_from AND $date_to",
    """SELECT {'done': count(*) FILTER (WHERE done_on IS NOT NULL AND done_on <= due_on), 'due': count(*)}
        FROM due_actions""",
    "SELECT list({'month': month, 'outcome': outcome, 'lessons': lessons} ORDER BY month, outcome) FROM by_month",
    """SELECT list({'lesson_id': lesson_id, 'title': title, 'section': section, 'published_on': published_on,
                    'author': author, 'lessons': lessons} ORDER BY published_at DESC, lesson_id DESC) FROM flops""",
    """SELECT list({'plan_id': plan_id, 'name': name, 'section': section, 'ends_on': ends_on, 'owner_id': owner_id,
                    'owner_name': owner_name} ORDER BY ends_on, plan_id) FROM overdue""",
    """SELECT list({'section_id': s.section_id, 'label': s.label, 'days': $today - x.last_day,
                    'owner_id': s.owner_id, 'owner_name': o.name} ORDER BY s.section_id)
        FROM sections s LEFT JOIN last_published x ON x.section = s.section_id
        LEFT JOIN people o ON o.person_id = s.owner_id""",
)


def learning_health(store: Store, filt: Filter, flops_limit: int = 5) -> dict[str, Any]:
    """Everything the Learning health page shows, in one statement."""
    pub, coverage, contributors, actions, by_month, flops, overdue, fresh = one_row(
        store, LEARNING_CTES, LEARNING_PARTS, {**filt.params(), "limit": flops_limit})
    return {
        "lessons_published": int(pub["published"]), "flop_share": Rate(int(pub["flopped"]), int(pub["published"])),
        "postmortem_coverage": Rate(int(coverage["covered"]), int(coverage["due"])),
        "contributors": int(contributors), "action_followthrough": Rate(int(actions["done"]), int(actions["due"])),
        "lessons_by_month": _frame(by_month, {"month": "datetime", "outcome": "str", "lessons": "int64"}),
        "recent_flops": _frame(flops, {"lesson_id": "str", "title": "str", "section": "str",
                                       "published_on": "datetime", "author": "str", "lessons": "str"}),
        "overdue_postmortems": [metrics.OverduePlan(**x) for x in overdue or []],
        "section_freshness": [metrics.SectionFreshness(**{**x, "days": None if x["days"] is None else int(x["days"])})
                              for x in fresh or []],
    }


# ----------------------------------------------------------------------------- barriers
BARRIERS_CTES = with_ctes(MEMBERS_CTE, MEMBERS_BY_COHORT, """
    mf AS MATERIALIZED (
        -- the members' assessments on or before `to`: read once, used by every number below
        SELECT f.* FROM assessment_facts f
        WHERE f.person_id IN (SELECT person_id FROM members) AND f.taken_on <= $date_to
    ),
    latest AS MATERIALIZED (
        SELECT mf.* FROM mf JOIN (SELECT person_id, max(seq) AS seq FROM mf GROUP BY person_id) x
          USING (person_id, seq)
    ),
    baseline AS (
        SELECT mf.* FROM mf
        JOIN (SELECT person_id, min(seq) AS seq FROM mf WHERE kind = 'baseline' GROUP BY person_id) x
          USING (person_id, seq)
    ),
    follow AS (
        SELECT mf.* FROM mf
        JOIN (SELECT a.person_id, max(a.seq) AS seq
              FROM mf a JOIN baseline b ON b.person_id = a.person_id AND a.taken_at > b.taken_at
              WHERE a.kind = 'follow_up' GROUP BY a.person_id) x USING (person_id, seq)
    ),
    pairs AS MATERIALIZED (
        SELECT b.person_id, b.barriers AS before, f.barriers AS after, b.readiness AS rb, f.readiness AS rf,
               b.scores AS sb, f.scores AS sf
        FROM baseline b JOIN follow f USING (person_id)
    ),
    prevalence AS (
        SELECT b.code, count(l.person_id) FILTER (WHERE list_contains(l.barriers, b.code)) AS citing
        FROM barrier_codes b LEFT JOIN latest l ON TRUE GROUP BY b.code
    ),
    before_after AS (
        SELECT c.code, count(p.before) FILTER (WHERE list_contains(p.before, c.code)) AS before,
               count(p.after) FILTER (WHERE list_contains(p.after, c.code)) AS after
        FROM barrier_codes c LEFT JOIN pairs p ON TRUE GROUP BY c.code
    ),
    by_cohort AS (
        SELECT c.name AS cohort, c.start_date, b.code, b.label AS barrier,
               count(*) FILTER (WHERE list_contains(l.barriers, b.code)) AS citing, count(*) AS assessed
        FROM (SELECT DISTINCT cohort_id, person_id FROM members_by_cohort) mc
        JOIN latest l USING (person_id) JOIN cohorts c USING (cohort_id), barrier_codes b
        GROUP BY c.name, c.start_date, b.code, b.label
    ),
    latest_scores AS (
        SELECT s.dimension, avg(s.score) AS readiness FROM (SELECT unnest(scores) AS s FROM latest) GROUP BY 1
    ),
    lifts AS (
        SELECT f.dimension, avg(f.score - b.score) AS lift
        FROM (SELECT person_id, unnest(sf, recursive := true) FROM pairs) f
        JOIN (SELECT person_id, unnest(sb, recursive := true) FROM pairs) b USING (person_id, dimension)
        GROUP BY f.dimension
    ),
    notes AS (
        SELECT a.taken_at, p.name, p.team, a.kind, a.barriers, a.barrier_notes AS note, a.assessment_id
        FROM latest l JOIN assessments a USING (assessment_id) JOIN people p ON p.person_id = a.person_id
        WHERE a.barrier_notes IS NOT NULL
        ORDER BY a.taken_at DESC, a.assessment_id DESC LIMIT $limit
    )""")
BARRIERS_PARTS = (
    "SELECT list({'code': code, 'citing': citing} ORDER BY code) FROM prevalence",
    "SELECT {'with_latest': count(*), 'readiness': avg(readiness)} FROM latest",
    "SELECT avg(rf - rb) FROM pairs",
    """SELECT {'resolved': count(*) FILTER (WHERE NOT list_contains(after, code)), 'cited': count(*)}
        FROM pairs, unnest(before) AS t(code)""",
    "SELECT list({'code': code, 'before': before, 'after': after} ORDER BY code) FROM before_after",
    """SELECT list({'cohort': cohort, 'code': code, 'barrier': barrier, 'citing': citing, 'assessed': assessed,
                    'share': citing / assessed} ORDER BY start_date, cohort, code) FROM by_cohort""",
    """SELECT list({'dimension': d.dimension, 'label': d.label, 'readiness': x.readiness, 'lift': y.lift}
                   ORDER BY d.dimension)
        FROM dimensions d LEFT JOIN latest_scores x USING (dimension) LEFT JOIN lifts y USING (dimension)""",
    """SELECT list({'taken_at': taken_at, 'name': name, 'team': team, 'kind': kind, 'barriers': barriers,
                    'note': note} ORDER BY taken_at DESC, assessment_id DESC) FROM notes""",
)


def barriers(store: Store, filt: Filter, notes_limit: int = 500) -> dict[str, Any]:
    """Everything the Barriers page shows, in one statement."""
    prevalence, latest, lift, resolved, before_after, by_cohort, dims, notes = one_row(
        store, BARRIERS_CTES, BARRIERS_PARTS, {**filt.params(), "limit": notes_limit})
    with_latest = int(latest["with_latest"])
    return {
        "barrier_prevalence": {x["code"]: Rate(int(x["citing"]), with_latest) for x in prevalence or []},
        "readiness": _float(latest["readiness"]),
        "readiness_lift": _float(lift),
        "barriers_resolved_rate": Rate(int(resolved["resolved"]), int(resolved["cited"])),
        "barrier_baseline_vs_follow_up": [(x["code"], int(x["before"]), int(x["after"])) for x in before_after or []],
        "barrier_prevalence_by_cohort": _frame(by_cohort, {
            "cohort": "str", "code": "str", "barrier": "str", "citing": "int64", "assessed": "int64",
            "share": "float64"}),
        "readiness_by_dimension": _frame(dims, {
            "dimension": "str", "label": "str", "readiness": "float64", "lift": "float64"}),
        "barrier_notes": breakdowns.with_barrier_labels(store, _frame(notes, {
            "taken_at": "datetime", "name": "str", "team": "str", "kind": "str", "barriers": "object",
            "note": "str"})),
    }


# Page -> the statement function and the names it answers (the whole page, for these three).
PAGE_STATEMENTS: dict[str, tuple[Callable[[Store, Filter], dict[str, Any]], frozenset[str]]] = {
    "win_rates": (win_rates, frozenset({
        "win_rate", "win_rate_partner", "win_rate_no_partner", "win_rate_sourced", "win_rate_influenced",
        "partner_involvement_rate", "avg_won_amount_partner", "avg_won_amount_no_partner",
        "median_cycle_days_partner", "median_cycle_days_no_partner", "win_rate_before_joining",
        "win_rate_after_joining", "win_rate_lift", "win_rate_by_month", "win_rate_by_cohort"})),
    "barriers": (barriers, frozenset({
        "barrier_prevalence", "readiness", "readiness_lift", "barriers_resolved_rate", "barrier_baseline_vs_follow_up",
        "barrier_prevalence_by_cohort", "readiness_by_dimension", "barrier_notes"})),
    "learning_health": (learning_health, frozenset({
        "lessons_published", "flop_share", "postmortem_coverage", "contributors", "action_followthrough",
        "lessons_by_month", "recent_flops", "overdue_postmortems", "section_freshness"})),
}


# ----------------------------------------------------------------------------- overview
# The Overview's nine KPIs over its six consecutive windows of equal length, in one statement.
# Window k (0 = oldest) runs from $start0 + k * $length for $length days; the last is the
# filter's own. Each window has its own member set (members_w); a dated row belongs to the
# window (day - $start0) // $length, so no row is joined to more than one window.
_WINDOWS = """
windows AS (
    SELECT CAST(k AS INTEGER) AS k, $start0 + CAST(k * $length AS INTEGER) AS w_from,
           $start0 + CAST((k + 1) * $length - 1 AS INTEGER) AS w_to
    FROM range(CAST($nwin AS BIGINT)) t(k)
)"""
_MEMBERS_W = """
members_w AS MATERIALIZED (
    SELECT w.k, m.person_id, min(m.joined_on) AS joined_on
    FROM memberships m
    JOIN windows w ON m.joined_on <= w.w_to AND (m.left_on IS NULL OR m.left_on >= w.w_from)
    WHERE (len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], m.cohort_id))
      AND (len($teams::VARCHAR[]) + len($regions::VARCHAR[]) + len($roles::VARCHAR[]) = 0
           OR m.person_id IN (SELECT p.person_id FROM people p
                              WHERE (len($teams::VARCHAR[]) = 0 OR list_contains($teams::VARCHAR[], p.team))
                                AND (len($regions::VARCHAR[]) = 0 OR list_contains($regions::VARCHAR[], p.region))
                                AND (len($roles::VARCHAR[]) = 0 OR list_contains($roles::VARCHAR[], p.role))))
    GROUP BY w.k, m.person_id
)"""
_TAG_RULE = "({a}.cohort_id IS NULL OR len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], {a}.cohort_id))"


def _window_of(day: str) -> str:
    return f"CAST(({day} - $start0) // $length AS INTEGER)"


def _scoped(cohort_col: str, person_col: str) -> str:
    """filters.in_scope with window k's members."""
    return (f"(NOT {NARROWED} OR list_contains($cohorts::VARCHAR[], {cohort_col}) OR EXISTS ("
            f"SELECT 1 FROM members_w mw WHERE mw.k = w.k AND mw.person_id = {person_col}))")


OVERVIEW_CTES = with_ctes(_WINDOWS, _MEMBERS_W, f"""
    mfw AS MATERIALIZED (
        SELECT f.person_id, f.seq, f.kind, f.taken_at, f.taken_on, f.readiness FROM assessment_facts f
        WHERE f.person_id IN (SELECT person_id FROM members_w) AND f.taken_on <= $date_to
    ),
    base AS (
        -- a person's earliest baseline; it is on or before window k's end iff any baseline is
        SELECT f.person_id, f.taken_at, f.taken_on, f.readiness FROM mfw f
        JOIN (SELECT person_id, min(seq) AS seq FROM mfw WHERE kind = 'baseline' GROUP BY person_id) x
          USING (person_id, seq)
    ),
    follow_w AS (
        SELECT mw.k, mw.person_id, max(a.seq) AS seq
        FROM members_w mw JOIN windows w USING (k)
        JOIN base b ON b.person_id = mw.person_id AND b.taken_on <= w.w_to
        JOIN mfw a ON a.person_id = mw.person_id AND a.kind = 'follow_up' AND a.taken_at > b.taken_at
                  AND a.taken_on <= w.w_to
        GROUP BY mw.k, mw.person_id
    ),
    window_assessments AS (
        SELECT w.k, a.assessment_id, a.person_id, a.taken_at
        FROM assessment_facts a JOIN windows w ON w.k = {_window_of("a.taken_on")}
        SEMI JOIN members_w mw ON mw.k = w.k AND mw.person_id = a.person_id
        WHERE a.taken_on BETWEEN $start0 AND $date_to
    ),
    outreach AS (
        SELECT wa.k, wa.assessment_id, date_diff('second', wa.taken_at, min(o.occurred_at)) / 3600.0 AS hours
        FROM window_assessments wa
        LEFT JOIN outreach_events o
          ON o.person_id = wa.person_id AND o.occurred_at >= wa.taken_at AND {_TAG_RULE.format(a="o")}
        GROUP BY wa.k, wa.assessment_id, wa.taken_at
    ),
    window_deals AS (
        SELECT w.k, d.won, d.with_partner
        FROM closed_deals d JOIN windows w ON w.k = {_window_of("d.closed_on")}
        SEMI JOIN members_w mw ON mw.k = w.k AND mw.person_id = d.owner_id
        WHERE d.closed_on BETWEEN $start0 AND $date_to
    )""")


def _per_window(select: str) -> str:
    return f"SELECT list(x ORDER BY x.k) FROM ({select}) x"


OVERVIEW_PARTS = (
    _per_window("SELECT k, count(*) AS n FROM members_w GROUP BY k"),
    _per_window("""SELECT mw.k, count(*) AS n FROM members_w mw JOIN windows w USING (k)
                   JOIN assessment_facts a ON a.person_id = mw.person_id AND a.seq = 1
                   WHERE a.taken_on <= w.w_to GROUP BY mw.k"""),
    _per_window(f"""SELECT w.k, count(DISTINCT a.person_id) AS n
                    FROM activity_days a JOIN windows w ON w.k = {_window_of("a.day")}
                    SEMI JOIN members_w mw ON mw.k = w.k AND mw.person_id = a.person_id
                    WHERE a.active AND a.day BETWEEN $start0 AND $date_to AND {_TAG_RULE.format(a="a")}
                      AND a.day >= greatest(w.w_from, CAST(w.w_to - INTERVAL 27 DAY AS DATE))
                    GROUP BY w.k"""),
    _per_window("SELECT k, count(*) FILTER (WHERE hours <= 24) AS within, count(*) AS n FROM outreach GROUP BY k"),
    _per_window("""SELECT fw.k, avg(f.readiness - b.readiness) AS lift
                   FROM follow_w fw JOIN mfw f ON f.person_id = fw.person_id AND f.seq = fw.seq
                   JOIN base b ON b.person_id = fw.person_id GROUP BY fw.k"""),
    _per_window(f"""SELECT w.k, count(*) FILTER (WHERE EXISTS (
                        SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id AND x.status = 'published')) AS covered,
                        count(*) AS due
                    FROM plans p JOIN windows w ON w.k = {_window_of("p.ends_on")}
                    WHERE p.ends_on BETWEEN $start0 AND least($date_to, $today)
                      AND {_scoped("p.cohort_id", "p.owner_id")}
                    GROUP BY w.k"""),
    _per_window("""SELECT k, count(*) FILTER (WHERE with_partner AND won) AS partner_won,
                          count(*) FILTER (WHERE with_partner) AS partner_closed,
                          count(*) FILTER (WHERE NOT with_partner AND won) AS none_won,
                          count(*) FILTER (WHERE NOT with_partner) AS none_closed
                   FROM window_deals GROUP BY k"""),
    _per_window(f"""SELECT w.k, count(*) AS n
                    FROM lessons l JOIN windows w ON w.k = {_window_of("CAST(l.published_at AS DATE)")}
                    WHERE l.status = 'published' AND CAST(l.published_at AS DATE) BETWEEN $start0 AND $date_to
                      AND {_scoped("l.cohort_id", "l.author_id")}
                    GROUP BY w.k"""),
)


def overview(store: Store, filt: Filter, windows: int = 6) -> dict[str, list[Any]]:
    """The Overview's KPIs (metrics.OVERVIEW_KEYS) over `windows` windows ending with `filt`'s, oldest first."""
    length = (filt.date_to - filt.date_from).days + 1
    start0 = metrics.trend_windows(filt, windows)[0].date_from  # the same windows as previous_window's
    parts = one_row(store, OVERVIEW_CTES, OVERVIEW_PARTS,
                     {**filt.params(), "start0": start0, "length": length, "nwin": windows})
    members, assessed, active, outreach, lift, coverage, deals, published = (
        {x["k"]: x for x in part or []} for part in parts)

    def n(table: dict[int, dict[str, Any]], k: int, field: str = "n") -> int:
        return int(table[k][field]) if k in table else 0

    grid: dict[str, list[Any]] = {key: [] for key in metrics.OVERVIEW_KEYS}
    for k in range(windows):
        size = n(members, k)
        grid["members"].append(size)
        grid["assessed_rate"].append(Rate(n(assessed, k), size))
        grid["active_rate_28d"].append(Rate(n(active, k), size))
        grid["outreach_within_24h_rate"].append(Rate(n(outreach, k, "within"), n(outreach, k)))
        grid["readiness_lift"].append(_float(lift[k]["lift"]) if k in lift else None)
        grid["postmortem_coverage"].append(Rate(n(coverage, k, "covered"), n(coverage, k, "due")))
        grid["win_rate_partner"].append(DealRate(n(deals, k, "partner_won"), n(deals, k, "partner_closed")))
        grid["win_rate_no_partner"].append(DealRate(n(deals, k, "none_won"), n(deals, k, "none_closed")))
        grid["lessons_published"].append(n(published, k))
    return grid
