# Frozen copy of the straightforward SQL (before the speed work of issue 7): the oracle that
# tests/test_fast_paths.py compares the optimised functions against on random datasets.
"""One function per metric of DOMAIN.md; pages and the CLI report both call these.

Each function takes the store and a Filter and reads with bound parameters only. SQL is
composed from the constant fragments of `filters.py` and this module, never from values.
Dates compare on the calendar day: an event "on or before `to`" has occurred_at's date <= to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

# Nothing of the production code is imported: every piece of SQL, every rule and the value
# types below are written here again from DOMAIN.md, so a mistake in the production code (a
# member-set boundary, a verb list, a rate's denominator) cannot hide in the oracle as well.
Store = Any  # the database handed in (anything with query / query_one / query_value)
Filter = Any  # the filter handed in: date_from, date_to, today, cohorts, teams, regions, roles


@dataclass(frozen=True)
class Rate:
    """numerator / denominator; None when the denominator is zero ("no data", never 0)."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator


@dataclass(frozen=True)
class DealRate(Rate):
    """A rate over deals (its n is the denominator)."""

# DOMAIN.md: "Members M = distinct people with a membership in a selected cohort (any cohort when
# none is selected) where joined_on <= to and (left_on is null or left_on >= from), who also match
# the team / region / role filters"; their joined_on is the earliest such membership's.
MEMBERS_CTE = """
members AS (
    SELECT ms.person_id, min(ms.joined_on) AS joined_on
    FROM memberships ms
    JOIN people pp ON pp.person_id = ms.person_id
    WHERE (len($cohorts::VARCHAR[]) = 0 OR list_contains($cohorts::VARCHAR[], ms.cohort_id))
      AND ms.joined_on <= $date_to
      AND (ms.left_on IS NULL OR ms.left_on >= $date_from)
      AND (len($teams::VARCHAR[]) = 0 OR list_contains($teams::VARCHAR[], pp.team))
      AND (len($regions::VARCHAR[]) = 0 OR list_contains($regions::VARCHAR[], pp.region))
      AND (len($roles::VARCHAR[]) = 0 OR list_contains($roles::VARCHAR[], pp.role))
    GROUP BY ms.person_id
)
"""
# DOMAIN.md: passive verbs (received, not done) do not make a member active.
PASSIVE_VERBS = ("invited", "outreach_received")


def in_scope(cohort_col: str, person_col: str) -> str:
    """Lessons and plans counted: all without a cohort/team/region/role filter; else those tagged
    with a selected cohort or written/owned by a member (DOMAIN.md)."""
    narrowed = ("(len($cohorts::VARCHAR[]) + len($teams::VARCHAR[]) + len($regions::VARCHAR[]) "
                "+ len($roles::VARCHAR[]) > 0)")
    return (f"(NOT {narrowed} OR list_contains($cohorts::VARCHAR[], {cohort_col}) "
            f"OR {person_col} IN (SELECT person_id FROM members))")


def bound(filt: Filter, **extra: Any) -> dict[str, Any]:
    """The filter's values as the named parameters of the SQL above."""
    return {"date_from": filt.date_from, "date_to": filt.date_to, "today": filt.today,
            "cohorts": list(filt.cohorts), "teams": list(filt.teams), "regions": list(filt.regions),
            "roles": list(filt.roles), **extra}

# Events of members whose cohort tag is empty or a selected cohort (any, with none selected).
MEMBER_EVENTS_CTE = """
member_events AS (
    SELECT e.person_id, e.occurred_at, CAST(e.occurred_at AS DATE) AS day, e.verb
    FROM events e
    WHERE e.person_id IN (SELECT person_id FROM members)
      AND (e.cohort_id IS NULL OR len($cohorts::VARCHAR[]) = 0
           OR list_contains($cohorts::VARCHAR[], e.cohort_id))
)
"""
_PASSIVE = "(" + ", ".join(f"'{v}'" for v in PASSIVE_VERBS) + ")"


def _with(*ctes: str) -> str:
    return "WITH " + ",\n".join(ctes)


def _params(filt: Filter, **extra: Any) -> dict[str, Any]:
    return bound(filt, **extra)


def _rate_row(store: Store, sql: str, filt: Filter) -> tuple[int, int]:
    row = store.query_one(sql, bound(filt))
    assert row is not None
    return int(row[0] or 0), int(row[1] or 0)


# ---------------------------------------------------------------------------- adoption
def members(store: Store, filt: Filter) -> int:
    """`members` = |M|."""
    sql = _with(MEMBERS_CTE) + " SELECT count(*) FROM members"
    return int(store.query_value(sql, bound(filt)))


def assessed_rate(store: Store, filt: Filter) -> Rate:
    """`assessed_rate` = members with an assessment taken on or before `to`, / members."""
    sql = _with(MEMBERS_CTE) + """
        SELECT count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM assessments a
                   WHERE a.person_id = members.person_id AND CAST(a.taken_at AS DATE) <= $date_to)),
               count(*)
        FROM members"""
    return Rate(*_rate_row(store, sql, filt))


def active_rate_28d(store: Store, filt: Filter) -> Rate:
    """`active_rate_28d` = members with a qualifying member event in the 28 days ending `to` (and in the window)."""
    sql = _with(MEMBERS_CTE, MEMBER_EVENTS_CTE) + f"""
        SELECT (SELECT count(DISTINCT person_id) FROM member_events
                WHERE verb NOT IN {_PASSIVE}
                  AND day BETWEEN greatest($date_from, CAST($date_to - INTERVAL 27 DAY AS DATE)) AND $date_to),
               (SELECT count(*) FROM members)"""
    return Rate(*_rate_row(store, sql, filt))


FUNNEL_STAGES: tuple[str, ...] = (
    "enrolled", "assessed", "introduced", "engaged", "tool_adopted", "win_shared", "partner_win",
)


def funnel(store: Store, filt: Filter) -> dict[str, int]:
    """`funnel` = members who reached each stage on or before `to`; stages count independently."""
    sql = _with(MEMBERS_CTE, MEMBER_EVENTS_CTE, """
        reached AS (
            SELECT person_id,
                   bool_or(verb = 'assessed') AS assessed,
                   bool_or(verb = 'introduced') AS introduced,
                   bool_or(verb IN ('posted', 'replied')) AS engaged,
                   bool_or(verb = 'tool_used') AS tool_adopted,
                   bool_or(verb = 'shared_win') AS win_shared
            FROM member_events WHERE day <= $date_to GROUP BY person_id
        )""") + """
        SELECT (SELECT count(*) FROM members),
               (SELECT count(*) FROM members m WHERE EXISTS (
                    SELECT 1 FROM assessments a
                    WHERE a.person_id = m.person_id AND CAST(a.taken_at AS DATE) <= $date_to)
                  OR EXISTS (SELECT 1 FROM member_events e
                             WHERE e.person_id = m.person_id AND e.verb = 'assessed' AND e.day <= $date_to)),
               count(*) FILTER (WHERE introduced),
               count(*) FILTER (WHERE engaged), count(*) FILTER (WHERE tool_adopted),
               count(*) FILTER (WHERE win_shared),
               (SELECT count(*) FROM members m WHERE EXISTS (
                    SELECT 1 FROM deals d
                    WHERE d.owner_id = m.person_id AND d.status = 'won' AND d.partner_involvement <> 'none'
                      AND d.closed_on BETWEEN m.joined_on AND $date_to))
        FROM reached"""
    row = store.query_one(sql, bound(filt))
    assert row is not None
    return {stage: int(value or 0) for stage, value in zip(FUNNEL_STAGES, row, strict=True)}


# First outreach at or after each assessment of a member taken within the window.
_OUTREACH_CTE = """
outreach AS (
    SELECT a.assessment_id,
           (SELECT min(me.occurred_at) FROM member_events me
             WHERE me.person_id = a.person_id AND me.verb = 'outreach_received'
               AND me.occurred_at >= a.taken_at) AS first_at,
           a.taken_at
    FROM assessments a
    WHERE a.person_id IN (SELECT person_id FROM members)
      AND CAST(a.taken_at AS DATE) BETWEEN $date_from AND $date_to
),
delays AS (
    SELECT assessment_id, date_diff('second', taken_at, first_at) / 3600.0 AS hours FROM outreach
)
"""


def outreach_within_24h_rate(store: Store, filt: Filter) -> Rate:
    """`outreach_within_24h_rate` = assessments in the window whose first outreach came within 24 h (inclusive)."""
    sql = _with(MEMBERS_CTE, MEMBER_EVENTS_CTE, _OUTREACH_CTE) + """
        SELECT count(*) FILTER (WHERE hours <= 24), count(*) FROM delays"""
    return Rate(*_rate_row(store, sql, filt))


def median_hours_to_outreach(store: Store, filt: Filter) -> float | None:
    """`median_hours_to_outreach` = median delay in hours, over first outreaches within 14 days."""
    sql = _with(MEMBERS_CTE, MEMBER_EVENTS_CTE, _OUTREACH_CTE) + """
        SELECT median(hours) FROM delays WHERE hours <= 14 * 24"""
    value = store.query_value(sql, bound(filt))
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
    sql = _with(MEMBERS_CTE, MEMBER_EVENTS_CTE, """
        weeks AS (
            SELECT DISTINCT date_trunc('week', d)::DATE AS week_start
            FROM range(CAST($date_from AS TIMESTAMP), CAST($date_to AS TIMESTAMP) + INTERVAL 1 DAY,
                       INTERVAL 1 DAY) t(d)
        ),
        active AS (
            SELECT date_trunc('week', day)::DATE AS week_start, count(DISTINCT person_id) AS n
            FROM member_events
            WHERE verb NOT IN ('invited', 'outreach_received') AND day BETWEEN $date_from AND $date_to
            GROUP BY 1
        )""") + """
        SELECT w.week_start, strftime(w.week_start, '%G-W%V'), coalesce(a.n, 0), (SELECT count(*) FROM members)
        FROM weeks w LEFT JOIN active a USING (week_start) ORDER BY w.week_start"""
    return [WeekActivity(week=r[1], week_start=r[0], active=int(r[2]), members=int(r[3]))
            for r in store.query(sql, bound(filt))]


# ---------------------------------------------------------------- barriers and readiness
# A member's latest assessment on or before `to`, and its readiness (mean of its scores).
_LATEST_CTE = """
latest AS (
    SELECT a.person_id, a.assessment_id, a.barriers
    FROM assessments a
    WHERE a.person_id IN (SELECT person_id FROM members) AND CAST(a.taken_at AS DATE) <= $date_to
    QUALIFY row_number() OVER (PARTITION BY a.person_id ORDER BY a.taken_at DESC, a.assessment_id DESC) = 1
),
readiness_of AS (
    SELECT assessment_id, avg(score) AS readiness FROM assessment_scores GROUP BY assessment_id
)
"""


def barrier_prevalence(store: Store, filt: Filter) -> dict[str, Rate]:
    """`barrier_prevalence` = per code: members whose latest assessment cites it / members with one."""
    sql = _with(MEMBERS_CTE, _LATEST_CTE) + """
        SELECT b.code,
               (SELECT count(*) FROM latest WHERE list_contains(latest.barriers, b.code)),
               (SELECT count(*) FROM latest)
        FROM barrier_codes b ORDER BY b.code"""
    return {r[0]: Rate(int(r[1]), int(r[2])) for r in store.query(sql, bound(filt))}


def readiness(store: Store, filt: Filter) -> float | None:
    """`readiness` = mean over members with a latest assessment of its mean dimension score."""
    sql = _with(MEMBERS_CTE, _LATEST_CTE) + """
        SELECT avg(r.readiness) FROM latest l JOIN readiness_of r USING (assessment_id)"""
    value = store.query_value(sql, bound(filt))
    return None if value is None else float(value)


# Members with a baseline and a later follow-up (both on or before `to`):
# their earliest baseline and their latest follow-up.
_PAIRS_CTE = """
baseline AS (
    SELECT a.person_id, a.assessment_id, a.taken_at, a.barriers
    FROM assessments a
    WHERE a.kind = 'baseline' AND a.person_id IN (SELECT person_id FROM members)
      AND CAST(a.taken_at AS DATE) <= $date_to
    QUALIFY row_number() OVER (PARTITION BY a.person_id ORDER BY a.taken_at, a.assessment_id) = 1
),
follow AS (
    SELECT a.person_id, a.assessment_id, a.barriers
    FROM assessments a JOIN baseline b ON b.person_id = a.person_id AND a.taken_at > b.taken_at
    WHERE a.kind = 'follow_up' AND CAST(a.taken_at AS DATE) <= $date_to
    QUALIFY row_number() OVER (PARTITION BY a.person_id ORDER BY a.taken_at DESC, a.assessment_id DESC) = 1
),
readiness_of AS (
    SELECT assessment_id, avg(score) AS readiness FROM assessment_scores GROUP BY assessment_id
)
"""


def readiness_lift(store: Store, filt: Filter) -> float | None:
    """`readiness_lift` = mean of (latest follow-up readiness - earliest baseline readiness)."""
    sql = _with(MEMBERS_CTE, _PAIRS_CTE) + """
        SELECT avg(rf.readiness - rb.readiness)
        FROM follow f JOIN baseline b USING (person_id)
        JOIN readiness_of rf ON rf.assessment_id = f.assessment_id
        JOIN readiness_of rb ON rb.assessment_id = b.assessment_id"""
    value = store.query_value(sql, bound(filt))
    return None if value is None else float(value)


def barriers_resolved_rate(store: Store, filt: Filter) -> Rate:
    """`barriers_resolved_rate` = baseline barriers of those members not cited in their latest follow-up."""
    sql = _with(MEMBERS_CTE, _PAIRS_CTE) + """
        SELECT count(*) FILTER (WHERE NOT list_contains(f.barriers, code)), count(*)
        FROM follow f JOIN baseline b USING (person_id), unnest(b.barriers) AS t(code)"""
    return Rate(*_rate_row(store, sql, filt))


def barrier_baseline_vs_follow_up(store: Store, filt: Filter) -> list[tuple[str, int, int]]:
    """Per barrier code: how many of those members cited it at baseline and at their latest follow-up."""
    sql = _with(MEMBERS_CTE, _PAIRS_CTE) + """
        SELECT c.code,
               (SELECT count(*) FROM baseline b JOIN follow f USING (person_id) WHERE list_contains(b.barriers, c.code)),
               (SELECT count(*) FROM follow f WHERE list_contains(f.barriers, c.code))
        FROM barrier_codes c ORDER BY c.code"""
    return [(r[0], int(r[1]), int(r[2])) for r in store.query(sql, bound(filt))]


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
_GROUPS = {
    "all": "TRUE",
    "partner": "with_partner",
    "no_partner": "NOT with_partner",
    "sourced": "partner_involvement = 'sourced'",
    "influenced": "partner_involvement = 'influenced'",
}


def _deal_rate(store: Store, filt: Filter, group: str) -> DealRate:
    sql = _with(MEMBERS_CTE, _CLOSED_CTE) + f"""
        SELECT count(*) FILTER (WHERE status = 'won'), count(*) FROM closed WHERE {_GROUPS[group]}"""
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
    sql = _with(MEMBERS_CTE, _CLOSED_CTE) + " SELECT count(*) FILTER (WHERE with_partner), count(*) FROM closed"
    return DealRate(*_rate_row(store, sql, filt))


def _won_stat(store: Store, filt: Filter, expression: str, partner: bool) -> float | None:
    sql = _with(MEMBERS_CTE, _CLOSED_CTE) + f"""
        SELECT {expression} FROM closed WHERE status = 'won' AND with_partner = $partner"""
    value = store.query_value(sql, _params(filt, partner=partner))
    return None if value is None else float(value)


def avg_won_amount_partner(store: Store, filt: Filter) -> float | None:
    """`avg_won_amount_partner` = mean amount of won partner deals closed in the window."""
    return _won_stat(store, filt, "avg(amount)", True)


def avg_won_amount_no_partner(store: Store, filt: Filter) -> float | None:
    """`avg_won_amount_no_partner` = mean amount of won deals without a partner closed in the window."""
    return _won_stat(store, filt, "avg(amount)", False)


def median_cycle_days_partner(store: Store, filt: Filter) -> float | None:
    """`median_cycle_days_partner` = median (closed_on - created_on) days over won partner deals."""
    return _won_stat(store, filt, "median(closed_on - created_on) FILTER (WHERE closed_on >= created_on)", True)


def median_cycle_days_no_partner(store: Store, filt: Filter) -> float | None:
    """`median_cycle_days_no_partner` = median (closed_on - created_on) days over won deals without a partner."""
    return _won_stat(store, filt, "median(closed_on - created_on) FILTER (WHERE closed_on >= created_on)", False)


def _joining_rate(store: Store, filt: Filter, after: bool) -> DealRate:
    # Pooled over members, relative to each member's joined_on; the window does not apply.
    span = ("d.closed_on >= m.joined_on AND d.closed_on < CAST(m.joined_on + INTERVAL 180 DAY AS DATE)" if after
            else "d.closed_on >= CAST(m.joined_on - INTERVAL 180 DAY AS DATE) AND d.closed_on < m.joined_on")
    sql = _with(MEMBERS_CTE) + f"""
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
    sql = _with(MEMBERS_CTE) + f"""
        SELECT count(*) FROM {_COUNTED_LESSONS}
          AND l.status = 'published' AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to"""
    return int(store.query_value(sql, bound(filt)))


def flop_share(store: Store, filt: Filter) -> Rate:
    """`flop_share` = of the lessons published in the window, the share with outcome flopped."""
    sql = _with(MEMBERS_CTE) + f"""
        SELECT count(*) FILTER (WHERE l.outcome = 'flopped'), count(*) FROM {_COUNTED_LESSONS}
          AND l.status = 'published' AND CAST(l.published_at AS DATE) BETWEEN $date_from AND $date_to"""
    return Rate(*_rate_row(store, sql, filt))


def postmortem_coverage(store: Store, filt: Filter) -> Rate:
    """`postmortem_coverage` = counted plans ending in [from, min(to, today)] with a published lesson."""
    sql = _with(MEMBERS_CTE) + f"""
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
    sql = _with(MEMBERS_CTE) + f"""
        SELECT p.plan_id, p.name, p.section, p.ends_on, p.owner_id, o.name
        FROM plans p LEFT JOIN people o ON o.person_id = p.owner_id
        WHERE {in_scope("p.cohort_id", "p.owner_id")}
          AND p.ends_on < CAST($today - INTERVAL 14 DAY AS DATE)
          AND NOT EXISTS (SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id)
        ORDER BY p.ends_on, p.plan_id"""
    return [OverduePlan(r[0], r[1], r[2], r[3], r[4], r[5]) for r in store.query(sql, bound(filt))]


def contributors(store: Store, filt: Filter) -> int:
    """`contributors` = distinct authors of counted lessons created in the window."""
    sql = _with(MEMBERS_CTE) + f"""
        SELECT count(DISTINCT l.author_id) FROM {_COUNTED_LESSONS}
          AND CAST(l.created_at AS DATE) BETWEEN $date_from AND $date_to"""
    return int(store.query_value(sql, bound(filt)))


def action_followthrough(store: Store, filt: Filter) -> Rate:
    """`action_followthrough` = actions of counted lessons due in [from, min(to, today)] done by their due date."""
    sql = _with(MEMBERS_CTE) + f"""
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
    sql = _with(MEMBERS_CTE, f"""
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
            for r in store.query(sql, bound(filt))]
