"""The facts numbers are computed from: named CTEs, each written once, each keyed by window `k`.

A metric (catalog.py) names the one fact it aggregates; the engine gathers the facts a
statement needs (with what they read in turn) in the order they are declared here. A fact
read by two or more parts of a statement is materialised, so it is computed once.
The summary tables they read (activity_days, assessment_facts, closed_deals, event_firsts,
outreach_events) are described in data_layer/db/summaries.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_layer.analytics.sql import (
    in_scope,
    overlaps_window,
    people_match,
    selected,
    tagged_for_selection,
    window_member,
    window_of,
)
from data_layer.domain.stats import AROUND_JOINING_DAYS


@dataclass(frozen=True)
class Fact:
    """A CTE: its name, its SELECT, and the facts that SELECT reads."""

    name: str
    sql: str
    needs: tuple[str, ...] = ()
    always_materialized: bool = False


_FACTS: list[Fact] = []


def fact(name: str, sql: str, needs: tuple[str, ...] = (), always_materialized: bool = False) -> None:
    _FACTS.append(Fact(name, sql, needs, always_materialized))


# ------------------------------------------------------------------ windows and members
fact("windows", """
    SELECT CAST(k AS INTEGER) AS k, $start0 + CAST(k * $length AS INTEGER) AS w_from,
           $start0 + CAST((k + 1) * $length - 1 AS INTEGER) AS w_to
    FROM range(CAST($nwin AS BIGINT)) t(k)""")

# Memberships that put a person in M for window k: in a selected cohort (any, if none),
# overlapping the window, the person matching team/region/role.
fact("cohort_memberships", f"""
    SELECT w.k, m.cohort_id, m.person_id, m.joined_on
    FROM memberships m JOIN windows w ON {overlaps_window("m", "w")}
    WHERE {selected("cohorts", "m.cohort_id")} AND {people_match("m.person_id")}""", ("windows",))

# M: the members of window k, with joined_on their earliest such membership.
fact("members", """
    SELECT k, person_id, min(joined_on) AS joined_on FROM cohort_memberships GROUP BY k, person_id""",
     ("cohort_memberships",), always_materialized=True)

fact("member_windows", """
    SELECT m.k, m.person_id, m.joined_on, w.w_from, w.w_to FROM members m JOIN windows w USING (k)""",
     ("members", "windows"))

# Members per cohort: M as it would be with only that cohort selected (within the selection).
fact("cohort_members", "SELECT DISTINCT k, cohort_id, person_id FROM cohort_memberships", ("cohort_memberships",))

fact("member_counts", """
    SELECT w.k, count(m.person_id) AS members FROM windows w LEFT JOIN members m USING (k) GROUP BY w.k""",
     ("windows", "members"))

# ------------------------------------------------------------------------------ adoption
# seq 1 is a person's earliest assessment (assessment_facts, summaries.py).
_ASSESSED_BY = """EXISTS (SELECT 1 FROM assessment_facts a
                          WHERE a.person_id = mw.person_id AND a.seq = 1 AND a.taken_on <= mw.w_to)"""

fact("member_assessed", f"SELECT mw.k, {_ASSESSED_BY} AS assessed FROM member_windows mw", ("member_windows",))

# Members' own activity (activity_days.active: an event that is not passive), per window.
fact("member_active_days", f"""
    SELECT mw.k, a.person_id, a.day, a.shared_win
    FROM activity_days a JOIN members mw ON mw.person_id = a.person_id AND mw.k = {window_of("a.day")}
    WHERE a.active AND a.day BETWEEN $start0 AND $date_to AND {tagged_for_selection("a")}""",
     ("members",))

fact("member_activity", """
    SELECT mw.k, mw.person_id, x.person_id IS NOT NULL AS active_28d
    FROM member_windows mw
    LEFT JOIN (SELECT DISTINCT a.k, a.person_id FROM member_active_days a JOIN windows w USING (k)
               WHERE a.day >= greatest(w.w_from, CAST(w.w_to - INTERVAL 27 DAY AS DATE))) x USING (k, person_id)""",
     ("member_windows", "member_active_days", "windows"))

# The first time each member did each thing (event_firsts), on or before the window's end.
fact("member_stages", f"""
    SELECT mw.k, mw.person_id,
           {_ASSESSED_BY} OR coalesce(r.assessed, FALSE) AS assessed,
           coalesce(r.introduced, FALSE) AS introduced, coalesce(r.engaged, FALSE) AS engaged,
           coalesce(r.tool_adopted, FALSE) AS tool_adopted, coalesce(r.win_shared, FALSE) AS win_shared,
           EXISTS (SELECT 1 FROM closed_deals d
                   WHERE d.owner_id = mw.person_id AND d.won AND d.with_partner
                     AND d.closed_on BETWEEN mw.joined_on AND mw.w_to) AS partner_win
    FROM member_windows mw
    LEFT JOIN (
        SELECT mw.k, f.person_id,
               bool_or(f.verb = 'assessed') AS assessed, bool_or(f.verb = 'introduced') AS introduced,
               bool_or(f.verb IN ('posted', 'replied')) AS engaged, bool_or(f.verb = 'tool_used') AS tool_adopted,
               bool_or(f.verb = 'shared_win') AS win_shared
        FROM event_firsts f JOIN member_windows mw ON mw.person_id = f.person_id
        WHERE {tagged_for_selection("f")} AND CAST(f.first_at AS DATE) <= mw.w_to
          AND f.first_at < CAST($date_to AS TIMESTAMP) + INTERVAL 1 DAY  -- implied; a bound for the scan
        GROUP BY mw.k, f.person_id
    ) r USING (k, person_id)""", ("member_windows",))

# First outreach at or after each member assessment taken in the window (outreach_events holds
# only outreach: far fewer rows than all events); hours is NULL when none came.
fact("outreach", f"""
    SELECT wa.k, wa.assessment_id, date_diff('second', wa.taken_at, min(o.occurred_at)) / 3600.0 AS hours
    FROM (SELECT mw.k, a.assessment_id, a.person_id, a.taken_at
          FROM assessment_facts a JOIN members mw ON mw.person_id = a.person_id AND mw.k = {window_of("a.taken_on")}
          WHERE a.taken_on BETWEEN $start0 AND $date_to) wa
    LEFT JOIN outreach_events o
      ON o.person_id = wa.person_id AND o.occurred_at >= wa.taken_at AND {tagged_for_selection("o")}
    GROUP BY wa.k, wa.assessment_id, wa.taken_at""", ("members",))

# Members' assessments sent in the product (each opens a task on the outreach queue: data_layer/acting/),
# with the first outreach at or after each and when its task was marked "not needed". `as_of` is the end
# of the window's last day, or now if that is earlier: the current window's queue is the live one.
fact("app_assessments", f"""
    SELECT mw.k, a.assessment_id, a.taken_at, a.taken_on, mw.w_from, mw.w_to,
           least(CAST(mw.w_to AS TIMESTAMP) + INTERVAL 1 DAY, CAST(timezone('UTC', now()) AS TIMESTAMP)) AS as_of,
           CASE WHEN t.status = 'not_needed' THEN t.closed_at END AS dismissed_at, min(o.occurred_at) AS first_outreach
    FROM outreach_tasks t JOIN assessment_facts a ON a.assessment_id = t.assessment_id
    JOIN member_windows mw ON mw.person_id = a.person_id AND a.taken_on <= mw.w_to
    LEFT JOIN outreach_events o
      ON o.person_id = a.person_id AND o.occurred_at >= a.taken_at AND {tagged_for_selection("o")}
    GROUP BY ALL""", ("member_windows",))

fact("weeks", """
    SELECT DISTINCT w.k, date_trunc('week', d)::DATE AS week_start
    FROM windows w, unnest(generate_series(CAST(w.w_from AS TIMESTAMP), CAST(w.w_to AS TIMESTAMP),
                                           INTERVAL 1 DAY)) t(d)""", ("windows",))

fact("weekly_activity", """
    SELECT wk.k, wk.week_start, strftime(wk.week_start, '%G-W%V') AS week, coalesce(a.active, 0) AS active,
           c.members
    FROM weeks wk JOIN member_counts c USING (k)
    LEFT JOIN (SELECT k, date_trunc('week', day)::DATE AS week_start, count(DISTINCT person_id) AS active
               FROM member_active_days GROUP BY ALL) a USING (k, week_start)""",
     ("weeks", "member_counts", "member_active_days"))

fact("at_risk", f"""
    SELECT mw.k, p.person_id, p.name, p.team, p.region, p.role, mw.joined_on, l.last_active,
           mw.w_to - l.last_active AS days_quiet,
           (SELECT string_agg(c.name, ', ' ORDER BY c.name) FROM memberships ms JOIN cohorts c USING (cohort_id)
             WHERE ms.person_id = p.person_id AND {selected("cohorts", "ms.cohort_id")}) AS cohorts
    FROM member_windows mw JOIN people p USING (person_id)
    LEFT JOIN (SELECT mw.k, a.person_id, max(a.day) AS last_active
               FROM activity_days a JOIN member_windows mw ON mw.person_id = a.person_id
               WHERE a.active AND a.day <= mw.w_to AND {tagged_for_selection("a")}
                 AND a.day <= $date_to  -- implied; stated so the day-ordered scan can stop early
               GROUP BY mw.k, a.person_id) l USING (k, person_id)
    WHERE l.last_active IS NULL
       OR l.last_active < CAST(mw.w_to - to_days(CAST($quiet AS INTEGER) - 1) AS DATE)""",
     ("member_windows",))

fact("cohort_rows", """
    SELECT s.k, c.cohort_id, c.name AS cohort, c.program, c.start_date, s.members,
           coalesce(x.assessed, 0) AS assessed, coalesce(a.active_28d, 0) AS active_28d,
           coalesce(a.shared_win, 0) AS shared_win, coalesce(d.closed_deals, 0) AS closed_deals,
           coalesce(d.won_deals, 0) AS won_deals
    FROM (SELECT k, cohort_id, count(*) AS members FROM cohort_members GROUP BY ALL) s
    JOIN cohorts c USING (cohort_id)
    LEFT JOIN (SELECT mc.k, mc.cohort_id, count(*) AS assessed
               FROM cohort_members mc JOIN windows w USING (k)
               WHERE EXISTS (SELECT 1 FROM assessment_facts f
                             WHERE f.person_id = mc.person_id AND f.seq = 1 AND f.taken_on <= w.w_to)
               GROUP BY ALL) x USING (k, cohort_id)
    LEFT JOIN (
        -- a row of activity counts for a cohort when untagged or tagged with that cohort
        SELECT mc.k, mc.cohort_id,
               count(DISTINCT a.person_id) FILTER (WHERE a.active AND a.day BETWEEN
                   greatest(w.w_from, CAST(w.w_to - INTERVAL 27 DAY AS DATE)) AND w.w_to) AS active_28d,
               count(DISTINCT a.person_id) FILTER (WHERE a.shared_win AND a.day BETWEEN w.w_from AND w.w_to)
                   AS shared_win
        FROM cohort_members mc JOIN windows w USING (k)
        JOIN activity_days a ON a.person_id = mc.person_id AND (a.cohort_id IS NULL OR a.cohort_id = mc.cohort_id)
        WHERE a.day BETWEEN least(w.w_from, CAST(w.w_to - INTERVAL 27 DAY AS DATE)) AND w.w_to
          -- implied by the line above; stated so the day-ordered scan reads only these days
          AND a.day BETWEEN least($start0, CAST($start0 + CAST($length - 1 AS INTEGER) - INTERVAL 27 DAY AS DATE))
                        AND $date_to
        GROUP BY ALL) a USING (k, cohort_id)
    LEFT JOIN (SELECT mc.k, mc.cohort_id, count(*) AS closed_deals, count(*) FILTER (WHERE d.won) AS won_deals
               FROM cohort_members mc JOIN windows w USING (k)
               JOIN closed_deals d ON d.owner_id = mc.person_id AND d.closed_on BETWEEN w.w_from AND w.w_to
               WHERE d.closed_on BETWEEN $start0 AND $date_to  -- implied; lets the scan skip
               GROUP BY ALL) d USING (k, cohort_id)""", ("cohort_members", "windows"))

# ---------------------------------------------------------------- barriers and readiness
# Each member's assessments on or before the last window's end: read once, whatever the number
# of windows. assessment_facts numbers a person's assessments by (taken_at, assessment_id) in
# `seq`: "latest" is the largest seq.
fact("member_assessments", """
    SELECT f.* FROM assessment_facts f
    WHERE f.person_id IN (SELECT person_id FROM members) AND f.taken_on <= $date_to""", ("members",))

# A member's latest assessment on or before the window's end, with its readiness (mean score).
fact("latest", """
    SELECT x.k, f.person_id, f.assessment_id, f.barriers, f.readiness, f.scores
    FROM (SELECT mw.k, mw.person_id, max(a.seq) AS seq
          FROM member_windows mw JOIN member_assessments a ON a.person_id = mw.person_id AND a.taken_on <= mw.w_to
          GROUP BY mw.k, mw.person_id) x
    JOIN member_assessments f USING (person_id, seq)""", ("member_windows", "member_assessments"))

# Members with a baseline and a later follow-up, both on or before the window's end: their
# earliest baseline (on or before the window's end iff their earliest one overall is) and
# their latest later follow-up.
fact("pairs", """
    SELECT x.k, x.person_id, b.barriers AS before, f.barriers AS after, b.readiness AS rb, f.readiness AS rf,
           b.scores AS sb, f.scores AS sf
    FROM (SELECT mw.k, mw.person_id, b.seq AS base_seq, max(a.seq) AS seq
          FROM member_windows mw
          JOIN (SELECT a.person_id, a.seq, a.taken_at, a.taken_on FROM member_assessments a
                JOIN (SELECT person_id, min(seq) AS seq FROM member_assessments WHERE kind = 'baseline'
                      GROUP BY person_id) e USING (person_id, seq)) b
            ON b.person_id = mw.person_id AND b.taken_on <= mw.w_to
          JOIN member_assessments a ON a.person_id = mw.person_id AND a.kind = 'follow_up'
                                   AND a.taken_at > b.taken_at AND a.taken_on <= mw.w_to
          GROUP BY mw.k, mw.person_id, b.seq) x
    JOIN member_assessments b ON b.person_id = x.person_id AND b.seq = x.base_seq
    JOIN member_assessments f ON f.person_id = x.person_id AND f.seq = x.seq""",
     ("member_windows", "member_assessments"))

fact("baseline_barriers", """
    SELECT k, NOT list_contains(after, code) AS resolved FROM pairs, unnest(before) AS t(code)""", ("pairs",))

fact("prevalence", """
    SELECT w.k, b.code, count(l.person_id) FILTER (WHERE list_contains(l.barriers, b.code)) AS citing,
           count(l.person_id) AS with_latest
    FROM windows w CROSS JOIN barrier_codes b LEFT JOIN latest l ON l.k = w.k
    GROUP BY w.k, b.code""", ("windows", "latest"))

fact("barriers_before_after", """
    SELECT w.k, c.code, count(p.before) FILTER (WHERE list_contains(p.before, c.code)) AS before,
           count(p.after) FILTER (WHERE list_contains(p.after, c.code)) AS after
    FROM windows w CROSS JOIN barrier_codes c LEFT JOIN pairs p ON p.k = w.k
    GROUP BY w.k, c.code""", ("windows", "pairs"))

fact("cohort_prevalence", """
    SELECT l.k, c.name AS cohort, c.start_date, b.code, b.label AS barrier,
           count(*) FILTER (WHERE list_contains(l.barriers, b.code)) AS citing, count(*) AS assessed
    FROM cohort_members mc JOIN latest l USING (k, person_id) JOIN cohorts c USING (cohort_id), barrier_codes b
    GROUP BY l.k, c.name, c.start_date, b.code, b.label""", ("cohort_members", "latest"))

fact("dimension_rows", """
    SELECT w.k, d.dimension, d.label, x.readiness, y.lift
    FROM windows w CROSS JOIN dimensions d
    LEFT JOIN (SELECT k, s.dimension, avg(s.score) AS readiness FROM (SELECT k, unnest(scores) AS s FROM latest)
               GROUP BY ALL) x ON x.k = w.k AND x.dimension = d.dimension
    LEFT JOIN (SELECT f.k, f.dimension, avg(f.score - b.score) AS lift
               FROM (SELECT k, person_id, unnest(sf, recursive := true) FROM pairs) f
               JOIN (SELECT k, person_id, unnest(sb, recursive := true) FROM pairs) b
                 USING (k, person_id, dimension)
               GROUP BY ALL) y ON y.k = w.k AND y.dimension = d.dimension""", ("windows", "latest", "pairs"))

# The notes of members' latest assessments, newest first, with the barriers as their labels.
fact("notes", """
    SELECT l.k, a.assessment_id, a.taken_at, p.name, p.team, a.kind, a.barrier_notes AS note,
           array_to_string(list_transform(a.barriers, lambda c: coalesce(labels.by_code[c], c)), ', ') AS barriers
    FROM latest l JOIN assessments a USING (assessment_id) JOIN people p ON p.person_id = a.person_id,
         (SELECT map(list(code), list(label)) AS by_code FROM barrier_codes) labels
    WHERE a.barrier_notes IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY l.k ORDER BY a.taken_at DESC, a.assessment_id DESC) <= $notes_limit""",
     ("latest",))

# ----------------------------------------------------------------------------- win rates
# Members' won or lost deals (closed_deals, summaries.py) closed in the window.
fact("closed", f"""
    SELECT mw.k, d.owner_id, d.created_on, d.closed_on, d.won, d.amount, d.partner_involvement, d.with_partner
    FROM closed_deals d JOIN members mw ON mw.person_id = d.owner_id AND mw.k = {window_of("d.closed_on")}
    WHERE d.closed_on BETWEEN $start0 AND $date_to""", ("members",))

# Members' won or lost deals closed in the AROUND_JOINING_DAYS (180) before joining or from it
# (around each member's own joined_on: the window's dates do not apply).
fact("deals_around_joining", f"""
    SELECT mw.k, d.won, d.closed_on >= mw.joined_on AS after_joining
    FROM members mw JOIN closed_deals d ON d.owner_id = mw.person_id
    WHERE d.closed_on >= CAST(mw.joined_on - INTERVAL {AROUND_JOINING_DAYS:d} DAY AS DATE)
      AND d.closed_on < CAST(mw.joined_on + INTERVAL {AROUND_JOINING_DAYS:d} DAY AS DATE)""", ("members",))

fact("closed_by_month", """
    SELECT k, date_trunc('month', closed_on)::DATE AS month,
           CASE WHEN with_partner THEN 'with partner' ELSE 'without partner' END AS grp,
           count(*) AS closed, count(*) FILTER (WHERE won) AS won
    FROM closed GROUP BY ALL""", ("closed",))

fact("closed_by_cohort", """
    SELECT mc.k, c.name AS cohort, c.start_date,
           count(*) FILTER (WHERE d.with_partner) AS partner_closed,
           count(*) FILTER (WHERE d.with_partner AND d.won) AS partner_won,
           count(*) FILTER (WHERE NOT d.with_partner) AS no_partner_closed,
           count(*) FILTER (WHERE NOT d.with_partner AND d.won) AS no_partner_won
    FROM cohort_members mc JOIN cohorts c USING (cohort_id)
    JOIN closed d ON d.k = mc.k AND d.owner_id = mc.person_id
    GROUP BY mc.k, c.name, c.start_date""", ("cohort_members", "closed"))

# ------------------------------------------------------------------- tools and resources
# Members' events that name an object (a tool, tutorial, resource or post), any verb, in the
# windows (cohort-tag rule), with their window. The events are in time order: only these days are read.
fact("object_events", f"""
    SELECT mw.k, e.person_id, e.verb, e.object, e.cohort_id, CAST(e.occurred_at AS DATE) AS day
    FROM events e JOIN members mw ON mw.person_id = e.person_id AND mw.k = {window_of("CAST(e.occurred_at AS DATE)")}
    WHERE e.object IS NOT NULL
      AND e.occurred_at >= CAST($start0 AS TIMESTAMP) AND e.occurred_at < CAST($date_to AS TIMESTAMP) + INTERVAL 1 DAY
      AND {tagged_for_selection("e")}""", ("members",))

# Each member's first event on each object (any verb), first tutorial and first use, at any date
# on or before the window's end (object_firsts, summaries.py: the history is not read again).
fact("object_firsts_by_member", f"""
    SELECT mw.k, f.person_id, f.object, CAST(min(f.first_at) AS DATE) AS first_day,
           min(f.first_at) FILTER (WHERE f.verb = 'tutorial_completed') AS first_tutorial,
           min(f.first_at) FILTER (WHERE f.verb = 'tool_used') AS first_use
    FROM object_firsts f JOIN member_windows mw ON mw.person_id = f.person_id
    WHERE {tagged_for_selection("f")} AND CAST(f.first_at AS DATE) <= mw.w_to
    GROUP BY mw.k, f.person_id, f.object""", ("member_windows",))

# What each member did with each object in window k, per cohort tag of the events: aggregated
# once, before any join (millions of events become one row per person, tag and object).
fact("object_activity", """
    SELECT k, person_id, cohort_id, object, bool_or(verb = 'tutorial_completed') AS tutorial_done,
           min(date_trunc('week', day)) FILTER (WHERE verb = 'tool_used') AS first_use_week,
           max(date_trunc('week', day)) FILTER (WHERE verb = 'tool_used') AS last_use_week,
           count(*) FILTER (WHERE verb = 'feedback_given') AS feedback,
           count(*) FILTER (WHERE verb = 'shared_frustration') AS frustrations
    FROM object_events GROUP BY k, person_id, cohort_id, object""", ("object_events",))

# One row per member of window k and object they have an event on (up to the window's end):
# what they did with it in the window (use_weeks: 0, 1, or 2 for "two or more" ISO weeks: the
# first and last week of use differ), and their first tutorial and first use at any date.
fact("member_objects", """
    SELECT w.k, w.w_from, w.w_to, f.person_id, f.object, f.first_day, f.first_tutorial, f.first_use,
           x.person_id IS NOT NULL AS reached, coalesce(x.tutorial_done, FALSE) AS tutorial_done,
           CASE WHEN x.first_use_week IS NULL THEN 0 WHEN x.first_use_week = x.last_use_week THEN 1 ELSE 2 END
               AS use_weeks,
           coalesce(x.feedback, 0) AS feedback, coalesce(x.frustrations, 0) AS frustrations
    FROM object_firsts_by_member f JOIN windows w USING (k)
    LEFT JOIN (SELECT k, person_id, object, bool_or(tutorial_done) AS tutorial_done,
                      min(first_use_week) AS first_use_week, max(last_use_week) AS last_use_week,
                      sum(feedback) AS feedback, sum(frustrations) AS frustrations
               FROM object_activity GROUP BY k, person_id, object) x USING (k, person_id, object)""",
     ("object_firsts_by_member", "windows", "object_activity"))

# The objects of window k: those members reached in it, and those objects.csv lists as launched
# on or before its end (or with no launch date), so a tool nobody has touched yet shows as zero.
fact("object_rows", """
    SELECT ids.k, ids.object, o.kind, coalesce(o.name, ids.object) AS name, o.launched_on,
           coalesce(a.reached, 0) AS reached, coalesce(a.tutorial_completions, 0) AS tutorial_completions,
           coalesce(a.first_users, 0) AS first_users, coalesce(a.users, 0) AS users,
           coalesce(a.repeat_users, 0) AS repeat_users, a.median_days_to_use,
           coalesce(a.tutorial_without_use, 0) AS tutorial_without_use,
           coalesce(a.feedback, 0) AS feedback, coalesce(a.frustrations, 0) AS frustrations
    FROM (SELECT k, object FROM member_objects WHERE reached
          UNION SELECT w.k, o.object_id FROM windows w JOIN objects o
                ON o.launched_on IS NULL OR o.launched_on <= w.w_to) ids
    LEFT JOIN objects o ON o.object_id = ids.object
    LEFT JOIN (
        SELECT k, object, count(*) FILTER (WHERE reached) AS reached,
               count(*) FILTER (WHERE tutorial_done) AS tutorial_completions,
               count(*) FILTER (WHERE CAST(first_use AS DATE) BETWEEN w_from AND w_to) AS first_users,
               count(*) FILTER (WHERE use_weeks >= 1) AS users, count(*) FILTER (WHERE use_weeks >= 2) AS repeat_users,
               median(CAST(first_use AS DATE) - CAST(first_tutorial AS DATE))
                   FILTER (WHERE CAST(first_use AS DATE) BETWEEN w_from AND w_to AND first_use >= first_tutorial)
                   AS median_days_to_use,
               count(*) FILTER (WHERE first_tutorial IS NOT NULL AND first_use IS NULL) AS tutorial_without_use,
               sum(feedback) AS feedback, sum(frustrations) AS frustrations
        FROM member_objects GROUP BY k, object) a USING (k, object)""",
     ("member_objects", "windows"))

# Adoption by week since launch (objects.csv's launched_on, else the first member event on it):
# members whose first use came by the end of each week (use before launch counts in week 0).
# Weeks run from 0 to the week holding the window's end (week 0 at least, 157 at most).
fact("object_launches", """
    SELECT o.k, o.object, o.name, coalesce(o.launched_on, f.first_day) AS launch,
           least(greatest(CAST(floor((w.w_to - coalesce(o.launched_on, f.first_day)) / 7) AS BIGINT), 0), 156)
               AS last_week
    FROM object_rows o JOIN windows w USING (k)
    LEFT JOIN (SELECT k, object, min(first_day) AS first_day FROM member_objects GROUP BY ALL) f USING (k, object)
    WHERE o.users > 0 OR o.first_users > 0""", ("object_rows", "windows", "member_objects"))

# Each first use counted once, in its week since launch; the curve is the running total.
fact("object_curves", """
    SELECT l.k, l.object, l.name, t.week, l.launch,
           coalesce(sum(h.n) OVER (PARTITION BY l.k, l.object ORDER BY t.week), 0) AS adopters, c.members
    FROM object_launches l JOIN member_counts c USING (k)
    CROSS JOIN LATERAL (SELECT unnest(range(0, l.last_week + 1)) AS week) t
    LEFT JOIN (SELECT x.k, x.object,
                      greatest(CAST(floor((CAST(x.first_use AS DATE) - l.launch) / 7) AS BIGINT), 0) AS week,
                      count(*) AS n
               FROM member_objects x JOIN object_launches l USING (k, object)
               WHERE x.first_use IS NOT NULL GROUP BY ALL) h
      ON h.k = l.k AND h.object = l.object AND h.week = t.week""",
     ("object_launches", "member_counts", "member_objects"))

# Per cohort (its members, its events or untagged ones) and object: what happened in the window.
fact("cohort_object_rows", """
    SELECT x.k, c.name AS cohort, c.start_date, x.object, coalesce(o.name, x.object) AS name,
           count(*) AS reached, count(*) FILTER (WHERE x.tutorial) AS tutorial_completions,
           count(*) FILTER (WHERE x.first_week IS NOT NULL) AS users,
           count(*) FILTER (WHERE x.first_week <> x.last_week) AS repeat_users,
           sum(x.feedback) AS feedback, sum(x.frustrations) AS frustrations
    FROM (SELECT mc.k, mc.cohort_id, a.object, a.person_id, bool_or(a.tutorial_done) AS tutorial,
                 min(a.first_use_week) AS first_week, max(a.last_use_week) AS last_week,
                 sum(a.feedback) AS feedback, sum(a.frustrations) AS frustrations
          FROM cohort_members mc
          JOIN object_activity a ON a.k = mc.k AND a.person_id = mc.person_id
                                AND (a.cohort_id IS NULL OR a.cohort_id = mc.cohort_id)
          GROUP BY ALL) x
    JOIN cohorts c USING (cohort_id) LEFT JOIN objects o ON o.object_id = x.object
    GROUP BY ALL""", ("cohort_members", "object_activity"))

# ------------------------------------------------------------------------ the cohort's voice
# Members' wins, frustrations and feedback in the windows (cohort-tag rule), with their window.
fact("voice_events", f"""
    SELECT mw.k, e.event_id, e.person_id, e.verb, e.object, e.cohort_id, e.occurred_at,
           CAST(e.occurred_at AS DATE) AS day
    FROM events e JOIN members mw ON mw.person_id = e.person_id AND mw.k = {window_of("CAST(e.occurred_at AS DATE)")}
    WHERE e.verb IN ('shared_win', 'shared_frustration', 'feedback_given')
      AND e.occurred_at >= CAST($start0 AS TIMESTAMP) AND e.occurred_at < CAST($date_to AS TIMESTAMP) + INTERVAL 1 DAY
      AND {tagged_for_selection("e")}""", ("members",))

fact("voice_by_cohort_month", """
    SELECT mc.k, c.name AS cohort, c.start_date, date_trunc('month', v.day)::DATE AS month,
           count(*) FILTER (WHERE v.verb = 'shared_win') AS wins,
           count(*) FILTER (WHERE v.verb = 'shared_frustration') AS frustrations
    FROM cohort_members mc JOIN voice_events v ON v.k = mc.k AND v.person_id = mc.person_id
                                              AND (v.cohort_id IS NULL OR v.cohort_id = mc.cohort_id)
    JOIN cohorts c ON c.cohort_id = mc.cohort_id
    WHERE v.verb IN ('shared_win', 'shared_frustration')
    GROUP BY ALL""", ("cohort_members", "voice_events"))

# The words of members' wins, frustrations and feedback (where imported), newest first.
# (max_by keeps the newest few per window as it goes: no sort of every event with words)
fact("voice_quotes", """
    SELECT q.k, q.e.event_id, q.e.occurred_at, p.name, c.name AS cohort, q.e.verb,
           coalesce(o.name, q.e.object) AS about, t.text
    FROM (SELECT k, unnest(max_by({'event_id': v.event_id, 'occurred_at': v.occurred_at, 'verb': v.verb,
                                   'object': v.object, 'cohort_id': v.cohort_id, 'person_id': v.person_id},
                                  {'at': v.occurred_at, 'id': v.event_id}, CAST($quotes_limit AS BIGINT))) AS e
          FROM voice_events v SEMI JOIN event_texts t USING (event_id) GROUP BY k) q
    JOIN event_texts t ON t.event_id = q.e.event_id JOIN people p ON p.person_id = q.e.person_id
    LEFT JOIN cohorts c ON c.cohort_id = q.e.cohort_id LEFT JOIN objects o ON o.object_id = q.e.object""",
     ("voice_events",))

# ----------------------------------------------------------------------- learning health
# Lessons and plans counted in window k (sql.in_scope), with the days the numbers compare.
fact("scoped_lessons", f"""
    SELECT w.k, w.w_from, w.w_to, l.lesson_id, l.section, l.status, l.outcome, l.published_at,
           CAST(l.published_at AS DATE) AS published_on, CAST(l.created_at AS DATE) AS created_on, l.author_id
    FROM lessons l CROSS JOIN windows w {window_member("author", "l.author_id")}
    WHERE {in_scope("l.cohort_id", "author")}""", ("windows", "members"))

fact("published", """
    SELECT * FROM scoped_lessons WHERE status = 'published' AND published_on BETWEEN w_from AND w_to""",
     ("scoped_lessons",))

fact("scoped_plans", f"""
    SELECT w.k, w.w_from, w.w_to, p.plan_id, p.name, p.section, p.ends_on, p.owner_id
    FROM plans p CROSS JOIN windows w {window_member("owner", "p.owner_id")}
    WHERE {in_scope("p.cohort_id", "owner")}""", ("windows", "members"))

# Plans that ended in the window, up to today, and whether one of their lessons is published.
fact("ended_plans", """
    SELECT p.k, EXISTS (SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id AND x.status = 'published') AS covered
    FROM scoped_plans p WHERE p.ends_on BETWEEN p.w_from AND least(p.w_to, $today)""", ("scoped_plans",))

# Follow-up actions of counted lessons due in the window, up to today.
fact("due_actions", """
    SELECT l.k, a.done_on IS NOT NULL AND a.done_on <= a.due_on AS done_in_time
    FROM actions a JOIN scoped_lessons l USING (lesson_id)
    WHERE a.due_on BETWEEN l.w_from AND least(l.w_to, $today)
      AND a.due_on BETWEEN $start0 AND least($date_to, $today)  -- the same, as bounds the scan can use""",
     ("scoped_lessons",))

fact("lessons_by_month", """
    SELECT k, date_trunc('month', published_at)::DATE AS month, coalesce(outcome, 'unknown') AS outcome,
           count(*) AS lessons
    FROM published GROUP BY ALL""", ("published",))

fact("flops", """
    SELECT l.k, l.lesson_id, t.title, l.section, l.published_on, p.name AS author, t.lessons, l.published_at
    FROM (SELECT * FROM published WHERE outcome = 'flopped'  -- the newest few first, then their text
          QUALIFY row_number() OVER (PARTITION BY k ORDER BY published_at DESC, lesson_id DESC) <= $flops_limit) l
    JOIN lessons t USING (lesson_id) LEFT JOIN people p ON p.person_id = l.author_id""",
     ("published",))

# Plans that ended over 14 days ago with no lesson at all.
fact("overdue", """
    SELECT p.k, p.plan_id, p.name, p.section, p.ends_on, p.owner_id, o.name AS owner_name
    FROM scoped_plans p LEFT JOIN people o ON o.person_id = p.owner_id
    WHERE p.ends_on < CAST($today - INTERVAL 14 DAY AS DATE)
      AND NOT EXISTS (SELECT 1 FROM lessons x WHERE x.plan_id = p.plan_id)""", ("scoped_plans",))

fact("freshness", """
    SELECT w.k, s.section_id, s.label, $today - x.last_day AS days, s.owner_id, o.name AS owner_name
    FROM windows w CROSS JOIN sections s
    LEFT JOIN (SELECT k, section, max(published_on) AS last_day FROM scoped_lessons
               WHERE status = 'published' AND published_on <= $today GROUP BY ALL) x
      ON x.k = w.k AND x.section = s.section_id
    LEFT JOIN people o ON o.person_id = s.owner_id""", ("windows", "scoped_lessons"))


FACTS: dict[str, Fact] = {f.name: f for f in _FACTS}
ORDER: dict[str, int] = {f.name: i for i, f in enumerate(_FACTS)}
