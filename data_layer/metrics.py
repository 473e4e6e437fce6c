"""One function per metric of DOMAIN.md; pages and the CLI report both call these.

Each function takes the store and a Filter and reads with bound parameters only. SQL is
composed from the constant fragments of `filters.py` and this module, never from values.
Dates compare on the calendar day: an event "on or before `to`" has occurred_at's date <= to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from data_layer.filters import MEMBERS_CTE, Filter, in_scope
from data_layer.stats import DealRate, Rate
from data_layer.store import Store
from data_layer.vocabulary import PASSIVE_VERBS

_PASSIVE = "(" + ", ".join(f"'{v}'" for v in PASSIVE_VERBS) + ")"
# The member-event cohort rule, for a table alias with person_id and cohort_id columns.
def _member_rows(alias: str) -> str:
    return (f"{alias}.person_id IN (SELECT person_id FROM members) AND ({alias}.cohort_id IS NULL OR "
            f"len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], {alias}.cohort_id))")


def with_ctes(*ctes: str) -> str:
    """`WITH a AS (...), b AS (...)` from CTE fragments (our constant texts, never values)."""
    return "WITH " + ",\n".join(ctes)


def _rate_row(store: Store, sql: str, filt: Filter) -> tuple[int, int]:
    row = store.query_one(sql, filt.params())
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0)


# ---------------------------------------------------------------------------- adoption
def members(store: Store, filt: Filter) -> int:
    """`members` = |M|."""
    sql = with_ctes(MEMBERS_CTE) + " SELECT count(*) FROM members"
    return int(store.query_value(sql, filt.params()))


def assessed_rate(store: Store, filt: Filter) -> Rate:
    """`assessed_rate` = members with an assessment taken on or before `to`, / members."""
    sql = with_ctes(MEMBERS_CTE) + """
        SELECT count(*) FILTER (WHERE EXISTS (
                   -- seq 1 is a person's earliest assessment (assessment_facts, summaries.py)
                   SELECT 1 FROM assessment_facts a
                   WHERE a.person_id = members.person_id AND a.seq = 1 AND a.taken_on <= $date_to)),
               count(*)
        FROM members"""
    return Rate(*_rate_row(store, sql, filt))


def active_rate_28d(store: Store, filt: Filter) -> Rate:
    """`active_rate_28d` = members with a qualifying member event in the 28 days ending `to` (and in the window)."""
    # activity_days: one row per (day, person, cohort tag), `active` = an event of their own.
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT (SELECT count(DISTINCT a.person_id) FROM activity_days a
                WHERE a.active AND {_member_rows("a")}
                  AND a.day BETWEEN greatest($date_from, CAST($date_to - INTERVAL 27 DAY AS DATE)) AND $date_to),
               (SELECT count(*) FROM members)"""
    return Rate(*_rate_row(store, sql, filt))


FUNNEL_STAGES: tuple[str, ...] = (
    "enrolled", "assessed", "introduced", "engaged", "tool_adopted", "win_shared", "partner_win",
)


def funnel(store: Store, filt: Filter) -> dict[str, int]:
    """`funnel` = members who reached each stage on or before `to`; stages count independently."""
    # event_firsts: the first time each (person, cohort tag, verb) happened.
    sql = with_ctes(MEMBERS_CTE, f"""
        reached AS (
            SELECT f.person_id,
                   bool_or(f.verb = 'assessed') AS assessed,
                   bool_or(f.verb = 'introduced') AS introduced,
                   bool_or(f.verb IN ('posted', 'replied')) AS engaged,
                   bool_or(f.verb = 'tool_used') AS tool_adopted,
                   bool_or(f.verb = 'shared_win') AS win_shared
            FROM event_firsts f
            WHERE {_member_rows("f")} AND CAST(f.first_at AS DATE) <= $date_to
            GROUP BY f.person_id
        )""") + """
        SELECT (SELECT count(*) FROM members),
               -- assessed: an assessment taken on or before `to` (as assessed_rate; seq 1 is a person's
               -- earliest, see summaries.py) or an `assessed` member event: survey tools send no events
               (SELECT count(*) FROM members m WHERE EXISTS (
                    SELECT 1 FROM assessment_facts a
                    WHERE a.person_id = m.person_id AND a.seq = 1 AND a.taken_on <= $date_to)
                  OR EXISTS (SELECT 1 FROM reached r WHERE r.person_id = m.person_id AND r.assessed)),
               count(*) FILTER (WHERE introduced),
               count(*) FILTER (WHERE engaged), count(*) FILTER (WHERE tool_adopted),
               count(*) FILTER (WHERE win_shared),
               (SELECT count(*) FROM members m WHERE EXISTS (
                    SELECT 1 FROM deals d
                    WHERE d.owner_id = m.person_id AND d.status = 'won' AND d.partner_involvement <> 'none'
                      AND d.closed_on BETWEEN m.joined_on AND $date_to))
        FROM reached"""
    row = store.query_one(sql, filt.params())
    assert row is not None
    return {stage: int(value or 0) for stage, value in zip(FUNNEL_STAGES, row, strict=True)}


# First outreach at or after each assessment of a member taken within the window.
_OUTREACH_CTE = """
window_assessments AS (
    SELECT a.assessment_id, a.person_id, a.taken_at
    FROM assessments a
    WHERE a.person_id IN (SELECT person_id FROM members)
      AND a.taken_at >= CAST($date_from AS TIMESTAMP) AND a.taken_at < CAST($date_to AS TIMESTAMP) + INTERVAL 1 DAY
),
outreach AS (
    -- outreach_events holds only the outreach events: far fewer rows than all events.
    SELECT w.assessment_id, w.taken_at, min(o.occurred_at) AS first_at
    FROM window_assessments w
    LEFT JOIN outreach_events o
      ON o.person_id = w.person_id AND o.occurred_at >= w.taken_at
     AND (o.cohort_id IS NULL OR len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], o.cohort_id))
    GROUP BY w.assessment_id, w.taken_at
),
delays AS (
    SELECT assessment_id, date_diff('second', taken_at, first_at) / 3600.0 AS hours FROM outreach
)
"""


def outreach_within_24h_rate(store: Store, filt: Filter) -> Rate:
    """`outreach_within_24h_rate` = assessments in the window whose first outreach came within 24 h (inclusive)."""
    sql = with_ctes(MEMBERS_CTE, _OUTREACH_CTE) + """
        SELECT count(*) FILTER (WHERE hours <= 24), count(*) FROM delays"""
    return Rate(*_rate_row(store, sql, filt))


def median_hours_to_outreach(store: Store, filt: Filter) -> float | None:
    """`median_hours_to_outreach` = median delay in hours, over first outreaches within 14 days."""
    sql = with_ctes(MEMBERS_CTE, _OUTREACH_CTE) + """
        SELECT median(hours) FROM delays WHERE hours <= 14 * 24"""
    value = store.query_value(sql, filt.params())
    return None if value is None else float(value)


@dataclass(frozen=True)
class WeekActivity:
    """One ISO week of the window: members active that week out of all members."""

    week: str          # ISO week label, e.g. 2026-W10
    week_start: dt.date
    active: int
    members: int

    @property
    def rate(self) -> float | None:
        return None if self.members == 0 else self.active / self.members


def weekly_active(store: Store, filt: Filter) -> list[WeekActivity]:
    """`weekly_active` = per ISO week in the window, members with a qualifying event that week / members."""
    sql = with_ctes(MEMBERS_CTE, f"""
        weeks AS (
            SELECT DISTINCT date_trunc('week', d)::DATE AS week_start
            FROM range(CAST($date_from AS TIMESTAMP), CAST($date_to AS TIMESTAMP) + INTERVAL 1 DAY,
                       INTERVAL 1 DAY) t(d)
        ),
        active AS (
            SELECT date_trunc('week', a.day)::DATE AS week_start, count(DISTINCT a.person_id) AS n
            FROM activity_days a
            WHERE a.active AND {_member_rows("a")} AND a.day BETWEEN $date_from AND $date_to
            GROUP BY 1
        )""") + """
        SELECT w.week_start, strftime(w.week_start, '%G-W%V'), coalesce(a.n, 0), (SELECT count(*) FROM members)
        FROM weeks w LEFT JOIN active a USING (week_start) ORDER BY w.week_start"""
    return [WeekActivity(week=r[1], week_start=r[0], active=int(r[2]), members=int(r[3]))
            for r in store.query(sql, filt.params())]


# ---------------------------------------------------------------- barriers and readiness
# A member's latest assessment on or before `to`, with its readiness (mean of its scores).
# assessment_facts numbers each person's assessments by (taken_at, assessment_id) in `seq`,
# so "latest" is the largest seq on or before `to` (summaries.py).
LATEST_CTE = """
latest AS (
    SELECT f.person_id, f.assessment_id, f.barriers, f.readiness
    FROM assessment_facts f
    JOIN (SELECT person_id, max(seq) AS seq FROM assessment_facts
          WHERE person_id IN (SELECT person_id FROM members) AND taken_on <= $date_to
          GROUP BY person_id) x USING (person_id, seq)
)
"""


def barrier_prevalence(store: Store, filt: Filter) -> dict[str, Rate]:
    """`barrier_prevalence` = per code: members whose latest assessment cites it / members with one."""
    sql = with_ctes(MEMBERS_CTE, LATEST_CTE) + """
        SELECT b.code, count(l.person_id) FILTER (WHERE list_contains(l.barriers, b.code)),
               (SELECT count(*) FROM latest)
        FROM barrier_codes b LEFT JOIN latest l ON TRUE
        GROUP BY b.code ORDER BY b.code"""
    return {r[0]: Rate(int(r[1]), int(r[2])) for r in store.query(sql, filt.params())}


def readiness(store: Store, filt: Filter) -> float | None:
    """`readiness` = mean over members with a latest assessment of its mean dimension score."""
    sql = with_ctes(MEMBERS_CTE, LATEST_CTE) + """
        SELECT avg(readiness) FROM latest"""
    value = store.query_value(sql, filt.params())
    return None if value is None else float(value)


# Members with a baseline and a later follow-up (both on or before `to`):
# their earliest baseline and their latest follow-up (by seq, see LATEST_CTE).
PAIRS_CTE = """
baseline AS (
    SELECT f.person_id, f.assessment_id, f.taken_at, f.barriers, f.readiness
    FROM assessment_facts f
    JOIN (SELECT person_id, min(seq) AS seq FROM assessment_facts
          WHERE kind = 'baseline' AND person_id IN (SELECT person_id FROM members) AND taken_on <= $date_to
          GROUP BY person_id) x USING (person_id, seq)
),
follow AS (
    SELECT f.person_id, f.assessment_id, f.barriers, f.readiness
    FROM assessment_facts f
    JOIN (SELECT a.person_id, max(a.seq) AS seq
          FROM assessment_facts a JOIN baseline b ON b.person_id = a.person_id AND a.taken_at > b.taken_at
          WHERE a.kind = 'follow_up' AND a.taken_on <= $date_to
          GROUP BY a.person_id) x USING (person_id, seq)
)
"""


def readiness_lift(store: Store, filt: Filter) -> float | None:
    """`readiness_lift` = mean of (latest follow-up readiness - earliest baseline readiness)."""
    sql = with_ctes(MEMBERS_CTE, PAIRS_CTE) + """
        SELECT avg(f.readiness - b.readiness) FROM follow f JOIN baseline b USING (person_id)"""
    value = store.query_value(sql, filt.params())
    return None if value is None else float(value)


def barriers_resolved_rate(store: Store, filt: Filter) -> Rate:
    """`barriers_resolved_rate` = baseline barriers of those members not cited in their latest follow-up."""
    sql = with_ctes(MEMBERS_CTE, PAIRS_CTE) + """
        SELECT count(*) FILTER (WHERE NOT list_contains(f.barriers, code)), count(*)
        FROM follow f JOIN baseline b USING (person_id), unnest(b.barriers) AS t(code)"""
    return Rate(*_rate_row(store, sql, filt))


def barrier_baseline_vs_follow_up(store: Store, filt: Filter) -> list[tuple[str, int, int]]:
    """Per barrier code: how many of those members cited it at baseline and at their latest follow-up."""
    sql = with_ctes(MEMBERS_CTE, PAIRS_CTE, """
        pairs AS (SELECT b.barriers AS before, f.barriers AS after FROM baseline b JOIN follow f USING (person_id))""") + """
        SELECT c.code, count(p.before) FILTER (WHERE list_contains(p.before, c.code)),
               count(p.after) FILTER (WHERE list_contains(p.after, c.code))
        FROM barrier_codes c LEFT JOIN pairs p ON TRUE
        GROUP BY c.code ORDER BY c.code"""
    return [(r[0], int(r[1]), int(r[2])) for r in store.query(sql, filt.params())]


# -------------------------------------------------------------------------- win rates
_CLOSED_CTE = """
closed AS (
    SELECT d.*, d.partner_involvement <> 'none' AS with_partner
    FROM deals d
    WHERE d.owner_id IN (SELECT person_id FROM members)
      AND d.status IN ('won', 'lost')
      AND d.closed_on BETWEEN $date_from AND $date_to
)
"""

# Predicates over `closed`, by the metric they define (constants; never user input).
DEAL_GROUPS = {
    "all": "TRUE",
    "partner": "with_partner",
    "no_partner": "NOT with_partner",
    "sourced": "partner_involvement = 'sourced'",
    "influenced": "partner_involvement = 'influenced'",
}


def _deal_rate(store: Store, filt: Filter, group: str) -> DealRate:
    sql = with_ctes(MEMBERS_CTE, _CLOSED_CTE) + f"""
        SELECT count(*) FILTER (WHERE status = 'won'), count(*) FROM closed WHERE {DEAL_GROUPS[group]}"""
    return DealRate(*_rate_row(store, sql, filt))


def win_rate(store: Store, filt: Filter) -> DealRate:
    """`win_rate` = won / closed deals owned by members, closed in the window."""
    return _deal_rate(store, filt, "all")


def win_rate_partner(store: Store, filt: Filter) -> DealRate:
    """`win_rate_partner` = win rate over closed deals with partner_involvement sourced or influenced."""
    return _deal_rate(store, filt, "partner")


def win_rate_no_partner(store: Store, filt: Filter) -> DealRate:
    """`win_rate_no_partner` = win rate over closed deals with partner_involvement none."""
    return _deal_rate(store, filt, "no_partner")


def win_rate_sourced(store: Store, filt: Filter) -> DealRate:
    """Win rate over closed deals a partner sourced (page detail, not a DOMAIN key)."""
    return _deal_rate(store, filt, "sourced")


def win_rate_influenced(store: Store, filt: Filter) -> DealRate:
    """Win rate over closed deals a partner influenced (page detail, not a DOMAIN key)."""
    return _deal_rate(store, filt, "influenced")


def win_rate_lift(store: Store, filt: Filter) -> float | None:
    """`win_rate_lift` = win_rate_partner - win_rate_no_partner (null when either is null)."""
    with_p, without = win_rate_partner(store, filt).value, win_rate_no_partner(store, filt).value
    return None if with_p is None or without is None else with_p - without


def partner_involvement_rate(store: Store, filt: Filter) -> DealRate:
    """`partner_involvement_rate` = closed deals with a partner / closed deals."""
    sql = with_ctes(MEMBERS_CTE, _CLOSED_CTE) + " SELECT count(*) FILTER (WHERE with_partner), count(*) FROM closed"
    return DealRate(*_rate_row(store, sql, filt))


def _won_stat(store: Store, filt: Filter, expression: str, partner: bool) -> float | None:
    # The partner flag is one of two constants (not user input): inlined, so this query can be
    # combined with others that bind the same parameter names (see batch.py).
    sql = with_ctes(MEMBERS_CTE, _CLOSED_CTE) + f"""
        SELECT {expression} FROM closed WHERE status = 'won' AND with_partner = {'TRUE' if partner else 'FALSE'}"""
    value = store.query_value(sql, filt.params())
    return None if value is None else float(value)


def avg_won_amount_partner(store: Store, filt: Filter) -> float | None:
    """`avg_won_amount_partner` = mean amount of won partner deals closed in the window."""
    return _won_stat(store, filt, "avg(amount)", True)


def avg_won_amount_no_partner(store: Store, filt: Filter) -> float | None:
    """`avg_won_amount_no_partner` = mean amount of won deals without a partner closed in the window."""
    return _won_stat(store, filt, "avg(amount)", False)


# A deal closed before it was created (CRM data entry) has no cycle: left out of the medians.
_CYCLE = "median(closed_on - created_on) FILTER (WHERE closed_on >= created_on)"


def median_cycle_days_partner(store: Store, filt: Filter) -> float | None:
    """`median_cycle_days_partner` = median (closed_on - created_on) days over won partner deals."""
    return _won_stat(store, filt, _CYCLE, True)


def median_cycle_days_no_partner(store: Store, filt: Filter) -> float | None:
    """`median_cycle_days_no_partner` = median (closed_on - created_on) days over won deals without a partner."""
    return _won_stat(store, filt, _CYCLE, False)


def _joining_rate(store: Store, filt: Filter, after: bool) -> DealRate:
    # Pooled over members, relative to each member's joined_on; the window does not apply.
    span = ("d.closed_on >= m.joined_on AND d.closed_on < CAST(m.joined_on + INTERVAL 180 DAY AS DATE)" if after
            else "d.closed_on >= CAST(m.joined_on - INTERVAL 180 DAY AS DATE) AND d.closed_on < m.joined_on")
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT count(*) FILTER (WHERE d.status = 'won'), count(*)
        FROM deals d JOIN members m ON m.person_id = d.owner_id
        WHERE d.status IN ('won', 'lost') AND {span}"""
    return DealRate(*_rate_row(store, sql, filt))


def win_rate_before_joining(store: Store, filt: Filter) -> DealRate:
    """`win_rate_before_joining` = members' won/lost deals closed in the 180 days before joining."""
    return _joining_rate(store, filt, after=False)


def win_rate_after_joining(store: Store, filt: Filter) -> DealRate:
    """`win_rate_after_joining` = members' won/lost deals closed in the 180 days from joining."""
    return _joining_rate(store, filt, after=True)


# -------------------------------------------------------------------- learning health
_COUNTED_LESSONS = "lessons l WHERE " + in_scope("l.cohort_id", "l.author_id")
_COUNTED_PLANS = "plans p WHERE " + in_scope("p.cohort_id", "p.owner_id")


def lessons_published(store: Store, filt: Filter) -> int:
    """`lessons_published` = counted lessons published with published_at in the window."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT count(*) FROM {_COUNTED_LESSONS}
          AND l.status = 'published' AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to"""
    return int(store.query_value(sql, filt.params()))


def flop_share(store: Store, filt: Filter) -> Rate:
    """`flop_share` = of the lessons published in the window, the share with outcome flopped."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT count(*) FILTER (WHERE l.outcome = 'flopped'), count(*) FROM {_COUNTED_LESSONS}
          AND l.status = 'published' AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to"""
    return Rate(*_rate_row(store, sql, filt))


def postmortem_coverage(store: Store, filt: Filter) -> Rate:
    """`postmortem_coverage` = counted plans ending in [from, min(to, today)] with a published lesson."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id AND x.status = 'published')),
               count(*)
        FROM {_COUNTED_PLANS} AND p.ends_on BETWEEN $date_from AND least($date_to, $today)"""
    return Rate(*_rate_row(store, sql, filt))


@dataclass(frozen=True)
class OverduePlan:
    """A plan that ended over 14 days ago with no lesson at all."""

    plan_id: str
    name: str
    section: str
    ends_on: dt.date
    owner_id: str
    owner_name: str | None


def overdue_postmortems(store: Store, filt: Filter) -> list[OverduePlan]:
    """`overdue_postmortems` = counted plans with ends_on < today - 14 days and no lesson in any status."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT p.plan_id, p.name, p.section, p.ends_on, p.owner_id, o.name
        FROM plans p LEFT JOIN people o ON o.person_id = p.owner_id
        WHERE {in_scope("p.cohort_id", "p.owner_id")}
          AND p.ends_on < CAST($today - INTERVAL 14 DAY AS DATE)
          AND NOT EXISTS (SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id)
        ORDER BY p.ends_on, p.plan_id"""
    return [OverduePlan(r[0], r[1], r[2], r[3], r[4], r[5]) for r in store.query(sql, filt.params())]


def contributors(store: Store, filt: Filter) -> int:
    """`contributors` = distinct authors of counted lessons created in the window."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT count(DISTINCT l.author_id) FROM {_COUNTED_LESSONS}
          AND CAST(l.created_at AS DATE) BETWEEN $date_from AND $date_to"""
    return int(store.query_value(sql, filt.params()))


def action_followthrough(store: Store, filt: Filter) -> Rate:
    """`action_followthrough` = actions of counted lessons due in [from, min(to, today)] done by their due date."""
    sql = with_ctes(MEMBERS_CTE) + f"""
        SELECT count(*) FILTER (WHERE a.done_on IS NOT NULL AND a.done_on <= a.due_on), count(*)
        FROM actions a
        WHERE a.lesson_id IN (SELECT l.lesson_id FROM {_COUNTED_LESSONS})
          AND a.due_on BETWEEN $date_from AND least($date_to, $today)"""
    return Rate(*_rate_row(store, sql, filt))


@dataclass(frozen=True)
class SectionFreshness:
    """A section of the Book of Learning: days since its latest published lesson, and its learner."""

    section_id: str
    label: str
    days: int | None
    owner_id: str | None
    owner_name: str | None


def section_freshness(store: Store, filt: Filter) -> list[SectionFreshness]:
    """`section_freshness` = per section, days from its latest published (counted) lesson to today, and owner."""
    sql = with_ctes(MEMBERS_CTE, f"""
        latest AS (
            SELECT l.section, max(CAST(l.published_at AS DATE)) AS last_day FROM {_COUNTED_LESSONS}
              AND l.status = 'published' AND CAST(l.published_at AS DATE) <= $today
            GROUP BY l.section
        )""") + """
        SELECT s.section_id, s.label, $today - x.last_day, s.owner_id, o.name
        FROM sections s LEFT JOIN latest x ON x.section = s.section_id
        LEFT JOIN people o ON o.person_id = s.owner_id
        ORDER BY s.section_id"""
    return [SectionFreshness(r[0], r[1], None if r[2] is None else int(r[2]), r[3], r[4])
            for r in store.query(sql, filt.params())]


# ------------------------------------------------------------------------ many at once
OVERVIEW_KEYS: tuple[str, ...] = (
    "members", "assessed_rate", "active_rate_28d", "outreach_within_24h_rate", "readiness_lift",
    "postmortem_coverage", "win_rate_partner", "win_rate_no_partner", "lessons_published",
)


def trend_windows(filt: Filter, windows: int = 6) -> list[Filter]:
    """`filt` and the windows of equal length before it, oldest first."""
    from data_layer.filters import previous_window

    out = [filt]
    for _ in range(windows - 1):
        out.append(previous_window(out[-1]))
    return out[::-1]


def overview_grid(store: Store, filt: Filter, windows: int = 6) -> dict[str, list[Any]]:
    """Each Overview KPI (OVERVIEW_KEYS) over `windows` consecutive windows ending with `filt`'s, oldest first.

    One multi-window statement (page_sql.overview); tests/test_fast_paths.py checks it against
    each metric function window by window.
    """
    from data_layer.page_sql import overview

    return overview(store, filt, windows)
