"""Every metric and breakdown the dashboard shows, declared once (DOMAIN.md's names and definitions).

To add a number: declare it here (its fact in facts.py, or a new fact there), put it on its
page, and test it. Pages, the CLI report, the Overview's trends, the (?) help texts and
docs/metrics.md are derived from these declarations.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from data_layer.analytics.registry import (
    OverduePlan,
    Registry,
    SectionFreshness,
    TableDecoder,
    WeekActivity,
    frame_json,
    rate_sql,
    records,
)
from data_layer.analytics.units import (
    COUNT,
    DAYS,
    DEAL_RATE,
    HOURS,
    MONEY,
    PERCENT_POINTS,
    POINTS,
    RATE,
    SCORE,
    TABLE,
)
from data_layer.domain.stats import AROUND_JOINING_DAYS, DealRate, Rate

REGISTRY = Registry()  # the one registry: import it from here, so the declarations below are always loaded
declare = REGISTRY.declare

FUNNEL_STAGES: tuple[str, ...] = (
    "enrolled", "assessed", "introduced", "engaged", "tool_adopted", "win_shared", "partner_win",
)


def _rates(frame: pd.DataFrame, out: str, num: str, den: str, positive_only: bool = True) -> None:
    frame[out] = (frame[num] / frame[den]).where(frame[den] > 0) if positive_only else frame[num] / frame[den]


# ------------------------------------------------------------------------------ adoption
declare("members", "Members", """People with a membership in a selected cohort (any, if none is selected) that
        overlaps the window, matching the team, region and role filters.""",
        COUNT, fact="members", value="count(*)", pages=("adoption",), overview=True)

declare("assessed_rate", "Assessed", "Members with a readiness assessment taken on or before the end of the window, "
        "/ members.", RATE, fact="member_assessed", value=rate_sql("assessed"), overview=True, home="adoption")

declare("active_rate_28d", "Active in 28 days", """Members with at least one event of their own (not an invitation
        or outreach received) in the 28 days ending the window, and in the window, / members.""",
        RATE, fact="member_activity", value=rate_sql("active_28d"), pages=("adoption",), overview=True)

declare("outreach_within_24h_rate", "Outreach within 24 h", """Of the members' assessments taken in the window, the
        share whose first outreach from the partnership team (at or after the assessment, at any date) came at most
        24 hours later (exactly 24 h counts).""",
        RATE, fact="outreach", value=rate_sql("hours <= 24"), pages=("adoption",), overview=True)

declare("median_hours_to_outreach", "Median hours to outreach", """Median delay in hours from a member's assessment
        in the window to the first outreach after it, over the assessments whose first outreach came within 14
        days.""", HOURS, fact="outreach", value="median(hours) FILTER (WHERE hours <= 14 * 24)", pages=("adoption",))

# A goal's progress (data_layer/acting/goals.py) is per goal, not per filter: `report --json` lists it under `goals`.
GOAL_PROGRESS = " ".join("""A goal names one single number of this registry, a target value, "at least" or "at most",
    a day to reach it by, its cohorts (all, some, or a program's) and a window of days. Its value on a day is the
    number over the window ending that day, for those cohorts. Its path runs straight from the value on the day it
    was set (start) to the target on its day: expected(d) = start + (target - start) * min(1, days since set / days
    from set to due). On track: the value is at or beyond the path (at or above for "at least", at or below for "at
    most"); behind: not; no data: the number has none. Without a start value the path is flat at the target.
    progress = (value - start) / (target - start). The digest lists goals behind today that were not behind on its
    first day.""".split())

# The outreach queue (data_layer/acting/outreach.py): assessments sent in the product and still waiting.
_WAITING = ("taken_at <= as_of AND (first_outreach IS NULL OR first_outreach > as_of) "
            "AND (dismissed_at IS NULL OR dismissed_at > as_of)")
declare("outreach_queue", "Waiting for outreach", """Members' assessments sent in the product on or before the end of
        the window that, at its end (or now, if earlier), have no outreach at or after them and were not marked not
        needed (snoozed ones included).""", COUNT, fact="app_assessments",
        value=f"count(*) FILTER (WHERE {_WAITING})", home="adoption")
declare("outreach_breaches", "Waiting over 24 h", """Of the assessments waiting for outreach (outreach_queue), those sent
        more than 24 hours before the end of the window (or now, if earlier).""", COUNT, fact="app_assessments",
        value=f"count(*) FILTER (WHERE {_WAITING} AND taken_at + INTERVAL 24 HOUR < as_of)", home="adoption")
declare("hours_to_first_outreach_in_product", "Hours to outreach (in-product)", """Median delay in hours from a
        member's assessment sent in the product in the window to the first outreach at or after it, over those that
        have one.""", HOURS, fact="app_assessments",
        value="median(date_diff('second', taken_at, first_outreach) / 3600.0) "
              "FILTER (WHERE taken_on BETWEEN w_from AND w_to AND first_outreach IS NOT NULL)", home="adoption")


def _funnel(raw: dict[str, Any] | None) -> dict[str, int]:
    return {stage: int((raw or {}).get(stage) or 0) for stage in FUNNEL_STAGES}


declare("funnel", "Adoption funnel", """Members who reached each stage on or before the end of the window; a stage
        counts on its own. enrolled: all members; assessed: an assessment taken (or an `assessed` event);
        introduced; engaged: posted or replied; tool_adopted: used a tool; win_shared: shared a win; partner_win:
        owns a won deal with a partner closed between joining and the end of the window.""",
        TABLE, fact="member_stages",
        value="{'enrolled': count(*), " + ", ".join(f"'{s}': count(*) FILTER (WHERE {s})" for s in FUNNEL_STAGES[1:])
        + "}", decode=_funnel, pages=("adoption",), to_json=dict)

declare("weekly_active", "Weekly active members", """Per ISO week in the window: members with an event of their own
        that week / members.""", TABLE, fact="weekly_activity",
        value="list({'week': week, 'week_start': week_start, 'active': active, 'members': members} "
              "ORDER BY week_start)",
        decode=records(WeekActivity), pages=("adoption",),
        to_json=lambda weeks: [{"week": w.week, "week_start": w.week_start.isoformat(), "active": w.active,
                                "members": w.members, "rate": w.rate} for w in weeks])


def _cohort_rates(frame: pd.DataFrame) -> pd.DataFrame:
    _rates(frame, "assessed_rate", "assessed", "members", positive_only=False)
    _rates(frame, "active_rate_28d", "active_28d", "members", positive_only=False)
    _rates(frame, "win_rate", "won_deals", "closed_deals")
    return frame


declare("cohort_table", "By cohort", """One row per cohort: its members (as if only that cohort were selected),
        assessed, active in 28 days, shared a win in the window, and their closed and won deals.""",
        TABLE, fact="cohort_rows",
        value="list({'cohort_id': cohort_id, 'cohort': cohort, 'program': program, 'start_date': start_date, "
              "'members': members, 'assessed': assessed, 'active_28d': active_28d, 'shared_win': shared_win, "
              "'closed_deals': closed_deals, 'won_deals': won_deals} ORDER BY start_date DESC, cohort_id)",
        decode=TableDecoder({"cohort_id": "str", "cohort": "str", "program": "object", "start_date": "date",
                      "members": "int64", "assessed": "int64", "active_28d": "int64", "shared_win": "int64",
                      "closed_deals": "int64", "won_deals": "int64"}, then=_cohort_rates),
        pages=("adoption",), in_report=False)

declare("at_risk_members", "Members at risk", """Members with no event of their own in the 21 days ending the window
        (or none at all), quietest first.""", TABLE, fact="at_risk",
        value="list({'person_id': person_id, 'name': name, 'team': team, 'region': region, 'role': role, "
              "'joined_on': joined_on, 'last_active': last_active, 'days_quiet': days_quiet, 'cohorts': cohorts} "
              "ORDER BY last_active NULLS FIRST, name, person_id)",
        decode=TableDecoder({"person_id": "str", "name": "object", "team": "object", "region": "object", "role": "object",
                      "joined_on": "date", "last_active": "date", "days_quiet": "float64", "cohorts": "object"}),
        pages=("adoption",), in_report=False)

# ---------------------------------------------------------------- barriers and readiness
declare("barrier_prevalence", "Barrier prevalence", """Per barrier: members whose latest assessment (on or before the
        end of the window) cites it, / members with a latest assessment.""", TABLE, fact="prevalence",
        value="list({'code': code, 'citing': citing, 'with_latest': with_latest} ORDER BY code)",
        decode=lambda raw: {x["code"]: Rate(int(x["citing"]), int(x["with_latest"])) for x in raw or []},
        pages=("barriers",), to_json=lambda rates: {code: rate.value for code, rate in rates.items()})

declare("readiness", "Readiness", """Mean over members with a latest assessment of its mean dimension score
        (0-100).""", SCORE, fact="latest", value="avg(readiness)", pages=("barriers",))

declare("readiness_lift", "Readiness lift", """Mean change in readiness from a member's earliest baseline to their
        latest later follow-up, both on or before the end of the window.""",
        POINTS, fact="pairs", value="avg(rf - rb)", pages=("barriers",), overview=True)

declare("barriers_resolved_rate", "Barriers resolved", """Of the barriers those members cited at their baseline, the
        share not cited at their latest follow-up.""", RATE, fact="baseline_barriers", value=rate_sql("resolved"),
        pages=("barriers",))

declare("barrier_baseline_vs_follow_up", "Barriers at baseline and follow-up", """Per barrier: how many of the
        members with a baseline and a later follow-up cited it at each.""", TABLE, fact="barriers_before_after",
        value="list({'code': code, 'before': before, 'after': after} ORDER BY code)",
        decode=lambda raw: [(x["code"], int(x["before"]), int(x["after"])) for x in raw or []],
        pages=("barriers",), in_report=False)

declare("barrier_prevalence_by_cohort", "Barriers by cohort", """Per cohort and barrier: the share of the cohort's
        members with a latest assessment who cite it.""", TABLE, fact="cohort_prevalence",
        value="list({'cohort': cohort, 'code': code, 'barrier': barrier, 'citing': citing, 'assessed': assessed, "
              "'share': citing / assessed} ORDER BY start_date, cohort, code)",
        decode=TableDecoder({"cohort": "str", "code": "str", "barrier": "str", "citing": "int64", "assessed": "int64",
                      "share": "float64"}), pages=("barriers",), in_report=False)

declare("readiness_by_dimension", "Readiness by dimension", """Per dimension: the mean latest score, and the mean
        change from earliest baseline to latest follow-up.""", TABLE, fact="dimension_rows",
        value="list({'dimension': dimension, 'label': label, 'readiness': readiness, 'lift': lift} "
              "ORDER BY dimension)",
        decode=TableDecoder({"dimension": "str", "label": "str", "readiness": "float64", "lift": "float64"}),
        pages=("barriers",), in_report=False)

declare("barrier_notes", "In their words", """The notes members wrote with their latest assessment, newest first
        (at most 500).""", TABLE, fact="notes",
        value="list({'taken_at': taken_at, 'name': name, 'team': team, 'kind': kind, 'barriers': barriers, "
              "'note': note} ORDER BY taken_at DESC, assessment_id DESC)",
        decode=TableDecoder({"taken_at": "datetime", "name": "str", "team": "object", "kind": "str", "barriers": "str",
                      "note": "str"}), pages=("barriers", "voice"), in_report=False)

# ----------------------------------------------------------------------------- win rates
_WINS = "won"
declare("win_rate", "Win rate", "Won / closed (won or lost) deals owned by members, closed in the window.",
        DEAL_RATE, fact="closed", value=rate_sql(_WINS), pages=("win_rates",))
declare("win_rate_partner", "Win rate with partner", """Won / closed deals of members with a partner sourcing or
        influencing them, closed in the window. With the 95 % Wilson interval.""",
        DEAL_RATE, fact="closed", value=rate_sql(_WINS, "with_partner"), pages=("win_rates",), overview=True)
declare("win_rate_no_partner", "Win rate without partner", """Won / closed deals of members with no partner
        involvement, closed in the window.""",
        DEAL_RATE, fact="closed", value=rate_sql(_WINS, "NOT with_partner"), pages=("win_rates",), overview=True)


def _difference(with_partner: DealRate, without: DealRate) -> float | None:
    """the first rate minus the second; null when either is null"""
    a, b = with_partner.value, without.value
    return None if a is None or b is None else a - b


declare("win_rate_lift", "Partner lift", "Win rate with partner minus win rate without (null when either is).",
        PERCENT_POINTS, derived_from=("win_rate_partner", "win_rate_no_partner"), combine=_difference,
        pages=("win_rates",), note="a difference of rates; read it with the intervals beside it")
declare("partner_involvement_rate", "Deals with a partner", "Closed deals with a partner involved / closed deals.",
        DEAL_RATE, fact="closed", value=rate_sql("with_partner"), pages=("win_rates",))
declare("win_rate_sourced", "Win rate, partner sourced", "Won / closed deals a partner sourced.",
        DEAL_RATE, fact="closed", value=rate_sql(_WINS, "partner_involvement = 'sourced'"), pages=("win_rates",),
        in_report=False)
declare("win_rate_influenced", "Win rate, partner influenced", "Won / closed deals a partner influenced.",
        DEAL_RATE, fact="closed", value=rate_sql(_WINS, "partner_involvement = 'influenced'"), pages=("win_rates",),
        in_report=False)
declare("avg_won_amount_partner", "Avg won amount, partner", "Mean amount of won partner deals closed in the window.",
        MONEY, fact="closed", value="avg(amount) FILTER (WHERE won AND with_partner)", pages=("win_rates",))
declare("avg_won_amount_no_partner", "Avg won amount, no partner", """Mean amount of won deals without a partner
        closed in the window.""", MONEY, fact="closed", value="avg(amount) FILTER (WHERE won AND NOT with_partner)",
        pages=("win_rates",))
# A deal closed before it was created (CRM data entry) has no cycle: left out of the medians.
declare("median_cycle_days_partner", "Median cycle, partner", """Median days from created to closed over won partner
        deals closed in the window (deals closed before they were created are left out).""", DAYS, fact="closed",
        value="median(closed_on - created_on) FILTER (WHERE won AND with_partner AND closed_on >= created_on)",
        pages=("win_rates",))
declare("median_cycle_days_no_partner", "Median cycle, no partner", """Median days from created to closed over won
        deals without a partner closed in the window.""", DAYS, fact="closed",
        value="median(closed_on - created_on) FILTER (WHERE won AND NOT with_partner AND closed_on >= created_on)",
        pages=("win_rates",))
declare("win_rate_before_joining", f"{AROUND_JOINING_DAYS} days before joining", f"""Members' won / closed deals in
        the {AROUND_JOINING_DAYS} days before each joined (pooled; the window does not apply).""", DEAL_RATE, fact="deals_around_joining",
        value=rate_sql(_WINS, "NOT after_joining"), pages=("win_rates",))
declare("win_rate_after_joining", f"{AROUND_JOINING_DAYS} days after joining", f"""Members' won / closed deals in
        the {AROUND_JOINING_DAYS} days from joining (pooled; the window does not apply).""", DEAL_RATE, fact="deals_around_joining",
        value=rate_sql(_WINS, "after_joining"), pages=("win_rates",))


def _monthly(frame: pd.DataFrame) -> pd.DataFrame:
    frame["win_rate"] = frame["won"] / frame["closed"]
    return frame


declare("win_rate_by_month", "Monthly trend", "Per month of closing and partner group: closed, won and win rate.",
        TABLE, fact="closed_by_month",
        value="list({'month': month, 'grp': grp, 'closed': closed, 'won': won} ORDER BY month, grp)",
        decode=TableDecoder({"month": "date", "grp": "str", "closed": "int64", "won": "int64"}, then=_monthly),
        pages=("win_rates",), in_report=False)


def _cohort_win_rates(frame: pd.DataFrame) -> pd.DataFrame:
    _rates(frame, "win_rate_partner", "partner_won", "partner_closed")
    _rates(frame, "win_rate_no_partner", "no_partner_won", "no_partner_closed")
    return frame


declare("win_rate_by_cohort", "By cohort", "Per cohort: closed and won deals with and without a partner.",
        TABLE, fact="closed_by_cohort",
        value="list({'cohort': cohort, 'partner_closed': partner_closed, 'partner_won': partner_won, "
              "'no_partner_closed': no_partner_closed, 'no_partner_won': no_partner_won} "
              "ORDER BY start_date DESC, cohort)",
        decode=TableDecoder({"cohort": "str", "partner_closed": "int64", "partner_won": "int64",
                      "no_partner_closed": "int64", "no_partner_won": "int64"}, then=_cohort_win_rates),
        pages=("win_rates",), in_report=False)

# ------------------------------------------------------------------- tools and resources
def _object_rates(frame: pd.DataFrame) -> pd.DataFrame:
    _rates(frame, "repeat_share", "repeat_users", "users")
    return frame


declare("tool_adoption", "Tools, tutorials and resources", """One row per object members' events name (the
        `object` of tutorial_completed, tool_used, feedback_given, resource_subscribed ... events, named by
        objects.csv): every object members reached in the window, and every object objects.csv lists as launched
        on or before its end (or with no launch date). reached: members with an event on it in the window;
        tutorial_completions: members who completed its tutorial in the window; first_users: members whose first
        use of it (at any date) is in the window; users: members who used it in the window; repeat_users: of
        those, members who used it in two or more distinct ISO weeks of the window; median_days_to_use: over the
        first users whose first use came at or after their first tutorial completion, the median of the calendar
        days between the two; tutorial_without_use: members who completed its tutorial but have not used it (up
        to the window's end); feedback and frustrations: members' feedback_given and shared_frustration events on
        it in the window.""", TABLE, fact="object_rows",
        value="list({'object': object, 'kind': kind, 'name': name, 'launched_on': launched_on, 'reached': reached, "
              "'tutorial_completions': tutorial_completions, 'first_users': first_users, 'users': users, "
              "'repeat_users': repeat_users, 'median_days_to_use': median_days_to_use, "
              "'tutorial_without_use': tutorial_without_use, 'feedback': feedback, 'frustrations': frustrations} "
              "ORDER BY users DESC, reached DESC, object)",
        decode=TableDecoder({"object": "str", "kind": "object", "name": "str", "launched_on": "date", "reached": "int64",
                      "tutorial_completions": "int64", "first_users": "int64", "users": "int64",
                      "repeat_users": "int64", "median_days_to_use": "float64", "tutorial_without_use": "int64",
                      "feedback": "int64", "frustrations": "int64"}, then=_object_rates),
        pages=("tools",), to_json=lambda frame: frame_json(frame.drop(columns=["repeat_share"])))


def _curve(frame: pd.DataFrame) -> pd.DataFrame:
    _rates(frame, "share", "adopters", "members")
    return frame


declare("tool_adoption_curve", "Adoption since launch", """Per object used by members: for each week since its
        launch (objects.csv's launched_on, else the first member event on it), the members whose first use came by
        the end of that week (use before the launch counts in week 0), / members. Weeks run from 0 to the week holding the
        window's end (week 0 alone for a launch after it; at most 157 weeks).""", TABLE, fact="object_curves",
        value="list({'object': object, 'name': name, 'week': week, 'adopters': adopters, 'members': members} "
              "ORDER BY object, week)",
        decode=TableDecoder({"object": "str", "name": "str", "week": "int64", "adopters": "int64", "members": "int64"},
                     then=_curve), pages=("tools",), in_report=False)

declare("tool_adoption_by_cohort", "By cohort", """Per cohort and object: the cohort's members with an event on it
        in the window (their events tagged with that cohort or untagged), who completed its tutorial, used it, used
        it in two or more ISO weeks, and their feedback and frustrations about it.""", TABLE,
        fact="cohort_object_rows",
        value="list({'cohort': cohort, 'object': object, 'name': name, 'reached': reached, "
              "'tutorial_completions': tutorial_completions, 'users': users, 'repeat_users': repeat_users, "
              "'feedback': feedback, 'frustrations': frustrations} ORDER BY start_date DESC, cohort, users DESC, object)",
        decode=TableDecoder({"cohort": "str", "object": "str", "name": "str", "reached": "int64",
                      "tutorial_completions": "int64", "users": "int64", "repeat_users": "int64", "feedback": "int64",
                      "frustrations": "int64"}), pages=("tools",), in_report=False)

# ------------------------------------------------------------------------ the cohort's voice
declare("wins_shared", "Wins shared", "Members' shared_win events in the window.", COUNT, fact="voice_events",
        value="count(*) FILTER (WHERE verb = 'shared_win')", pages=("voice",))
declare("frustrations_shared", "Frustrations shared", "Members' shared_frustration events in the window.", COUNT,
        fact="voice_events", value="count(*) FILTER (WHERE verb = 'shared_frustration')", pages=("voice",))
declare("frustration_share", "Frustration share", """Of the wins and frustrations members shared in the window, the
        share that are frustrations.""", RATE, fact="voice_events",
        value=rate_sql("verb = 'shared_frustration'", "verb IN ('shared_win', 'shared_frustration')"),
        pages=("voice",))


def _voice(frame: pd.DataFrame) -> pd.DataFrame:
    frame["shared"] = frame["wins"] + frame["frustrations"]
    _rates(frame, "frustration_share", "frustrations", "shared")
    return frame


declare("voice_by_cohort", "Wins and frustrations by cohort", """Per cohort and month of the window: the wins and
        frustrations its members shared (events tagged with that cohort or untagged), and the frustration share.""",
        TABLE, fact="voice_by_cohort_month",
        value="list({'cohort': cohort, 'month': month, 'wins': wins, 'frustrations': frustrations} "
              "ORDER BY start_date DESC, cohort, month)",
        decode=TableDecoder({"cohort": "str", "month": "date", "wins": "int64", "frustrations": "int64"}, then=_voice),
        pages=("voice",), to_json=frame_json)

declare("voice_quotes", "In their words", """The words of members' wins, frustrations and feedback in the window
        (where the import brought them), newest first (at most 200).""", TABLE, fact="voice_quotes",
        value="list({'occurred_at': occurred_at, 'name': name, 'cohort': cohort, 'verb': verb, 'about': about, "
              "'text': text} ORDER BY occurred_at DESC, event_id DESC)",
        decode=TableDecoder({"occurred_at": "datetime", "name": "str", "cohort": "object", "verb": "str", "about": "object",
                      "text": "str"}), pages=("voice",), in_report=False)

# ----------------------------------------------------------------------- learning health
declare("lessons_published", "Lessons published", "Counted lessons published in the window.",
        COUNT, fact="published", value="count(*)", pages=("learning_health",), overview=True)
declare("flop_share", "Flops published", """Of the lessons published in the window, the share with outcome flopped (a
        healthy culture publishes its flops).""", RATE, fact="published", value=rate_sql("outcome = 'flopped'"),
        pages=("learning_health",))
declare("postmortem_coverage", "Post-mortem coverage", """Counted plans that ended in the window (up to today) with
        at least one published post-mortem, / those plans.""", RATE, fact="ended_plans", value=rate_sql("covered"),
        pages=("learning_health",), overview=True)
declare("overdue_postmortems", "Overdue post-mortems", """Counted plans that ended over 14 days before today, whatever
        the window, with no lesson at all.""", TABLE, fact="overdue",
        value="list({'plan_id': plan_id, 'name': name, 'section': section, 'ends_on': ends_on, "
              "'owner_id': owner_id, 'owner_name': owner_name} ORDER BY ends_on, plan_id)",
        decode=records(OverduePlan), pages=("learning_health",), to_json=lambda plans: [p.plan_id for p in plans])
declare("contributors", "Contributors", "Distinct authors of counted lessons created in the window.",
        COUNT, fact="scoped_lessons", value="count(DISTINCT author_id) FILTER (WHERE created_on BETWEEN w_from AND w_to)",
        pages=("learning_health",))
declare("action_followthrough", "Action follow-through", """Follow-up actions of counted lessons due in the window
        (up to today) that were done by their due date, / those actions.""", RATE, fact="due_actions",
        value=rate_sql("done_in_time"), pages=("learning_health",))


def _fresh(raw: Any) -> list[SectionFreshness]:
    return [SectionFreshness(**{**x, "days": None if x["days"] is None else int(x["days"])}) for x in raw or []]


declare("section_freshness", "Section freshness", """Per section of the Book: days from its latest published
        counted lesson to today, and its owner.""", TABLE, fact="freshness",
        value="list({'section_id': section_id, 'label': label, 'days': days, 'owner_id': owner_id, "
              "'owner_name': owner_name} ORDER BY section_id)",
        decode=_fresh, pages=("learning_health",),
        to_json=lambda rows: {s.section_id: {"label": s.label, "days": s.days, "owner_id": s.owner_id,
                                             "owner_name": s.owner_name} for s in rows})
declare("lessons_by_month", "Lessons by month", "Counted lessons published per month, by outcome.",
        TABLE, fact="lessons_by_month",
        value="list({'month': month, 'outcome': outcome, 'lessons': lessons} ORDER BY month, outcome)",
        decode=TableDecoder({"month": "date", "outcome": "str", "lessons": "int64"}), pages=("learning_health",),
        in_report=False)
declare("recent_flops", "Flops worth celebrating", "The latest five flops published in the window.",
        TABLE, fact="flops",
        value="list({'lesson_id': lesson_id, 'title': title, 'section': section, 'published_on': published_on, "
              "'author': author, 'lessons': lessons} ORDER BY published_at DESC, lesson_id DESC)",
        decode=TableDecoder({"lesson_id": "str", "title": "str", "section": "str", "published_on": "date",
                      "author": "object", "lessons": "str"}), pages=("learning_health",), in_report=False)
