"""A person's learning record (for reviews and one-to-ones), and who may read it.

Who sees whose record is decided here, in the data layer, for every caller (page, export,
API): a person their own record (their account's email is their people row's email), a
manager the records of everyone whose `manager_id` chain leads to them (direct reports and
further down), editors and admins everyone. Anyone else, signed out included, gets
NotPermitted, with the same sentence whether or not the person exists.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data_layer.access.auth import Actor, NotPermitted
from data_layer.analytics.units import DEAL_RATE
from data_layer.book.library import escape_markdown
from data_layer.db.store import Store
from data_layer.domain.stats import AROUND_JOINING_DAYS, DealRate
from data_layer.domain.vocabulary import ASSESSMENT_KIND_LABELS, BARRIERS, DEFAULT_SECTIONS, DIMENSIONS

# Everyone below a person ($me) in the manager chain: `below` (UNION, not UNION ALL: a cycle in
# imported data ends the walk instead of looping). Written out in both statements, whole.
_MAY_VIEW = """
    WITH RECURSIVE below(person_id) AS (
        SELECT person_id FROM people WHERE manager_id = $me
        UNION
        SELECT p.person_id FROM people p JOIN below b ON p.manager_id = b.person_id
    )
    SELECT 1 FROM below WHERE person_id = $them"""
# The people $me may read: themselves first, then direct reports, then the rest below them.
_VISIBLE = """
    WITH RECURSIVE below(person_id) AS (
        SELECT person_id FROM people WHERE manager_id = $me
        UNION
        SELECT p.person_id FROM people p JOIN below b ON p.manager_id = b.person_id
    )
    SELECT p.person_id, p.name, p.team,
           CASE WHEN p.person_id = $me THEN 'you' WHEN p.manager_id = $me THEN 'reports to you'
                ELSE 'in your organisation' END AS relation
    FROM people p
    WHERE p.person_id = $me OR p.person_id IN (SELECT person_id FROM below)
    ORDER BY p.person_id <> $me, p.manager_id <> $me, p.name, p.person_id"""


def person_of(store: Store, actor: Actor | None) -> str | None:
    """The people row an account stands for, linked by email (case-insensitive); None when none is."""
    if actor is None or "@" not in actor.email:
        return None
    rows = store.query("SELECT person_id FROM people WHERE lower(email) = lower(?) ORDER BY person_id LIMIT 1",
                       [actor.email])
    return str(rows[0][0]) if rows else None


def sees_everyone(actor: Actor | None) -> bool:
    return actor is not None and actor.can("editor")


def visible_people(store: Store, actor: Actor | None) -> pd.DataFrame:
    """The people whose records `actor` may read (person_id, name, team, relation), themselves first."""
    if actor is None:
        return pd.DataFrame(columns=["person_id", "name", "team", "relation"])
    me = person_of(store, actor)
    if sees_everyone(actor):
        return store.query_df("""
            SELECT person_id, name, team, CASE WHEN person_id = $me THEN 'you' ELSE 'everyone (your role)' END
                   AS relation
            FROM people ORDER BY person_id <> coalesce($me, ''), name, person_id""", {"me": me})
    if me is None:
        return pd.DataFrame(columns=["person_id", "name", "team", "relation"])
    return store.query_df(_VISIBLE, {"me": me})


def may_view(store: Store, actor: Actor | None, person_id: str) -> bool:
    """True when `actor` may read `person_id`'s record."""
    if actor is None:
        return False
    if sees_everyone(actor):
        return True
    me = person_of(store, actor)
    if me is None:
        return False
    if me == person_id:
        return True
    return bool(store.query(_MAY_VIEW, {"me": me, "them": person_id}))


@dataclass(frozen=True)
class LearningRecord:
    """Everything a review needs about one person's learning."""

    person: dict[str, Any]
    as_of: dt.date
    cohorts: pd.DataFrame          # cohort, program, joined_on, left_on
    readiness: pd.DataFrame        # taken_at, kind, dimension, label, score
    barriers_baseline: list[str]   # labels, at their earliest baseline
    barriers_now: list[str]        # labels, at their latest assessment
    activity: pd.DataFrame         # month, verb, events
    wins: pd.DataFrame             # occurred_at, cohort, text (blank when not imported)
    tools: pd.DataFrame            # object, name, first_used, weeks_used, uses
    joined_on: dt.date | None
    deals_before: DealRate
    deals_after: DealRate
    lessons_written: pd.DataFrame  # lesson_id, title, section, status, outcome, published_at
    lessons_applied: pd.DataFrame  # lesson_id, title, applied_at
    actions: pd.DataFrame          # action_id, description, lesson, due_on, done_on, state


def learning_record(store: Store, actor: Actor | None, person_id: str, today: dt.date) -> LearningRecord:
    """One person's record as of `today`; NotPermitted unless `actor` may read it (see the module)."""
    if not may_view(store, actor, person_id):
        raise NotPermitted("You may read your own learning record and those of people who report to you.")
    rows = store.query_df("""
        SELECT p.person_id, p.name, p.email, p.role, p.team, p.region, p.manager_id, m.name AS manager
        FROM people p LEFT JOIN people m ON m.person_id = p.manager_id WHERE p.person_id = ?""", [person_id])
    if rows.empty:  # an editor asking for an id nobody has
        raise NotPermitted("No such person.")
    person = {str(k): (None if pd.isna(v) else v) for k, v in rows.iloc[0].to_dict().items()}
    p = {"p": person_id, "today": today}
    cohorts = store.query_df("""
        SELECT c.cohort_id, c.name AS cohort, c.program, m.joined_on, m.left_on
        FROM memberships m JOIN cohorts c USING (cohort_id)
        WHERE m.person_id = $p AND m.joined_on <= $today ORDER BY m.joined_on, c.cohort_id""", p)
    readiness = store.query_df("""
        SELECT a.taken_at, a.kind, s.dimension, s.score
        FROM assessments a JOIN assessment_scores s USING (assessment_id)
        WHERE a.person_id = $p AND CAST(a.taken_at AS DATE) <= $today
        ORDER BY a.taken_at, a.assessment_id, s.dimension""", p)
    readiness["label"] = readiness["dimension"].map(lambda d: DIMENSIONS.get(d, d))
    assessed = store.query("""
        SELECT kind, barriers FROM assessments WHERE person_id = $p AND CAST(taken_at AS DATE) <= $today
        ORDER BY taken_at, assessment_id""", p)
    baseline = next((list(b) for k, b in assessed if k == "baseline"), [])
    now = list(assessed[-1][1]) if assessed else []
    activity = store.query_df("""
        SELECT date_trunc('month', occurred_at)::DATE AS month, verb, count(*) AS events
        FROM events WHERE person_id = $p AND CAST(occurred_at AS DATE) <= $today
        GROUP BY ALL ORDER BY month, verb""", p)
    wins = store.query_df("""
        SELECT e.occurred_at, c.name AS cohort, t.text
        FROM events e LEFT JOIN cohorts c USING (cohort_id) LEFT JOIN event_texts t USING (event_id)
        WHERE e.person_id = $p AND e.verb = 'shared_win' AND CAST(e.occurred_at AS DATE) <= $today
        ORDER BY e.occurred_at DESC, e.event_id DESC""", p)
    tools = store.query_df("""
        SELECT e.object, coalesce(o.name, e.object) AS name, CAST(min(e.occurred_at) AS DATE) AS first_used,
               count(DISTINCT date_trunc('week', e.occurred_at)) AS weeks_used, count(*) AS uses
        FROM events e LEFT JOIN objects o ON o.object_id = e.object
        WHERE e.person_id = $p AND e.verb = 'tool_used' AND e.object IS NOT NULL
          AND CAST(e.occurred_at AS DATE) <= $today
        GROUP BY ALL ORDER BY first_used, e.object""", p)
    joined = cohorts["joined_on"].min() if not cohorts.empty else None
    joined_on = None if joined is None or pd.isna(joined) else pd.Timestamp(joined).date()
    before, after = DealRate(0, 0), DealRate(0, 0)
    if joined_on is not None:
        counts = store.query("""
            SELECT count(*) FILTER (WHERE closed_on < $j AND status = 'won'), count(*) FILTER (WHERE closed_on < $j),
                   count(*) FILTER (WHERE closed_on >= $j AND status = 'won'), count(*) FILTER (WHERE closed_on >= $j)
            FROM deals
            WHERE owner_id = $p AND status IN ('won', 'lost') AND closed_on <= $today
              AND closed_on >= CAST($j - to_days(CAST($d AS INTEGER)) AS DATE)
              AND closed_on < CAST($j + to_days(CAST($d AS INTEGER)) AS DATE)""",
                             {**p, "j": joined_on, "d": AROUND_JOINING_DAYS})[0]
        before, after = DealRate(int(counts[0]), int(counts[1])), DealRate(int(counts[2]), int(counts[3]))
    lessons = store.query_df("""
        SELECT l.lesson_id, l.title, l.section, l.status, l.outcome, l.published_at
        FROM lessons l WHERE l.author_id = $p ORDER BY l.created_at DESC, l.lesson_id""", p)
    lessons["section"] = lessons["section"].map(lambda s: DEFAULT_SECTIONS.get(s, s))
    applied = store.query_df("""
        SELECT l.lesson_id, l.title, a.applied_at
        FROM lesson_applications a JOIN lessons l USING (lesson_id)
        WHERE lower(a.email) = lower($email) ORDER BY a.applied_at DESC""", {"email": person["email"]})
    actions = store.query_df("""
        SELECT a.action_id, a.description, l.title AS lesson, a.due_on, a.done_on,
               CASE WHEN a.done_on IS NOT NULL THEN 'done'
                    WHEN a.due_on < $today THEN 'overdue' ELSE 'open' END AS state
        FROM actions a LEFT JOIN lessons l USING (lesson_id)
        WHERE a.owner_id = $p ORDER BY a.due_on, a.action_id""", p)
    return LearningRecord(person, today, cohorts, readiness, [BARRIERS.get(c, c) for c in baseline],
                          [BARRIERS.get(c, c) for c in now], activity, wins, tools, joined_on, before, after,
                          lessons, applied, actions)


_PLAIN = re.compile(r"[A-Za-z0-9 ,.\-]*")  # text that cannot turn into Markdown or HTML: left as it reads


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, str | list) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    return text if _PLAIN.fullmatch(text) else escape_markdown(text)


def _table(frame: pd.DataFrame, columns: dict[str, str]) -> list[str]:
    head = "| " + " | ".join(columns.values()) + " |"
    rule = "|" + "---|" * len(columns)
    body = ["| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in frame.to_dict("records")]
    return [head, rule, *body]


def _deals(rate: DealRate) -> str:
    if rate.n == 0:
        return "no closed deals"
    text = f"{DEAL_RATE.text(rate)} ({rate.numerator} won of {rate.n})"
    return text + (f"; too few deals (n = {rate.n}) to read as a trend" if rate.too_few else "")


def record_markdown(rec: LearningRecord) -> str:
    """The record as a Markdown document to paste into a review (people's text escaped)."""
    p = rec.person
    lines = [f"# Learning record: {escape_markdown(p['name'])}", "",
             f"{escape_markdown(p['role'])} · {escape_markdown(p['team'] or '')} · {escape_markdown(p['region'] or '')}"
             + (f" · reports to {escape_markdown(p['manager'])}" if p.get("manager") else ""),
             f"As of {rec.as_of.isoformat()}.", "", "## Cohorts"]
    lines += _table(rec.cohorts, {"cohort": "Cohort", "program": "Program", "joined_on": "Joined",
                                  "left_on": "Left"}) if not rec.cohorts.empty else ["Not in a cohort yet."]
    lines += ["", "## Readiness"]
    if rec.readiness.empty:
        lines.append("No assessment yet.")
    else:
        wide = rec.readiness.pivot_table(index=["taken_at", "kind"], columns="label", values="score").reset_index()
        labels = [c for c in wide.columns if c not in ("taken_at", "kind")]
        wide["taken_at"] = pd.to_datetime(wide["taken_at"]).dt.strftime("%Y-%m-%d")
        wide["kind"] = wide["kind"].map(lambda k: ASSESSMENT_KIND_LABELS.get(k, k))
        lines += _table(wide, {"taken_at": "Taken", "kind": "Kind", **{c: c for c in labels}})
    lines += ["", "## Barriers",
              "- At baseline: " + (", ".join(rec.barriers_baseline) or "none named"),
              "- Now: " + (", ".join(rec.barriers_now) or "none named"), "", "## Activity by month"]
    if rec.activity.empty:
        lines.append("No activity yet.")
    else:
        wide = rec.activity.pivot_table(index="month", columns="verb", values="events", fill_value=0,
                                        aggfunc="sum")
        wide = wide.astype("int64").reset_index()
        wide["month"] = pd.to_datetime(wide["month"]).dt.strftime("%b %Y")
        lines += _table(wide, {c: c.replace("_", " ") for c in wide.columns})
    lines += ["", f"## Wins shared ({len(rec.wins)})"]
    lines += [f"- {_cell(w['occurred_at'])}: {_cell(w['text']) or '(no words imported)'}"
              for w in rec.wins.head(20).to_dict("records")] or ["None yet."]
    lines += ["", "## Tools adopted"]
    lines += _table(rec.tools, {"name": "Tool", "first_used": "First used", "weeks_used": "Weeks used",
                                "uses": "Uses"}) if not rec.tools.empty else ["None yet."]
    lines += ["", "## Deals around joining"]
    if rec.joined_on is None:
        lines.append("Not in a cohort yet.")
    else:
        lines += [f"Joined {rec.joined_on.isoformat()}; won / closed deals in the {AROUND_JOINING_DAYS} days each side.",
                  f"- Before: {_deals(rec.deals_before)}", f"- After: {_deals(rec.deals_after)}"]
    lines += ["", "## Lessons written"]
    lines += _table(rec.lessons_written, {"title": "Title", "section": "Section", "status": "Status",
                                          "outcome": "Outcome"}) if not rec.lessons_written.empty else ["None yet."]
    lines += ["", "## Lessons applied"]
    lines += _table(rec.lessons_applied, {"title": "Title", "applied_at": "Applied"}) \
        if not rec.lessons_applied.empty else ["None yet."]
    lines += ["", "## Follow-up actions"]
    if rec.actions.empty:
        lines.append("None owned.")
    else:
        done = int((rec.actions["state"] == "done").sum())
        lines.append(f"{done} of {len(rec.actions)} done.")
        lines += _table(rec.actions, {"description": "Action", "lesson": "Lesson", "due_on": "Due",
                                      "done_on": "Done", "state": "State"})
    return "\n".join(lines) + "\n"
