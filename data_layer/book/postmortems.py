"""The Book of Learning: post-mortems, their review workflow, plans, follow-up actions, sections.

Every write checks the actor's role (editor or admin), validates through the pydantic
models, runs in one transaction and appends an audit entry in it. Nothing a person typed
is lost: `autosave` keeps the form's content on the server as they write, and a submit
carries a token so a double click or a resubmitted form creates one lesson, not two.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.db import audit
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.models import PUBLISH_REQUIRES, FollowUpAction, Lesson, Plan, problems_from

# Allowed moves of the review workflow; going back to draft needs a reason.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "in_review"): "submitted for review",
    ("in_review", "published"): "published",
    ("in_review", "draft"): "returned to draft",
    ("published", "draft"): "returned to draft",
}


def new_id(prefix: str) -> str:
    """A fresh, unguessable id such as L-3f9a1c2b7d."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class ActionInput:
    """A follow-up action as the form collects it (action_id empty for a new one)."""

    description: str
    owner_id: str
    due_on: dt.date | str | None
    action_id: str = ""
    done_on: dt.date | str | None = None


@dataclass
class LessonInput:
    """Everything the post-mortem form collects."""

    title: str = ""
    section: str = ""
    occurred_on: dt.date | str | None = None
    plan_id: str | None = None
    learning_goal: str = ""
    what_happened: str = ""
    outcome: str | None = None
    lessons: str = ""
    recommendations: str = ""
    tags: list[str] = field(default_factory=list)
    cohort_id: str | None = None
    actions: list[ActionInput] = field(default_factory=list)


def author_of(store: Store, actor: Actor) -> str:
    """The person id an account writes as (its linked person, else its email)."""
    linked = store.query_value("SELECT person_id FROM users WHERE email = ?", [actor.email])
    return str(linked) if linked else actor.email


# ---------------------------------------------------------------------------- lessons
# A save is one transaction holding the write lock, and 20 editors saving at once queue
# behind each other's: what a save references (section, plan, cohort, action owners) is
# checked just before, outside the lock. The app never removes those rows (an edit replaces
# a row inside one transaction), so a reference found a moment earlier is still there.
_REFS = """SELECT EXISTS (SELECT 1 FROM sections WHERE section_id = $section),
                  EXISTS (SELECT 1 FROM plans WHERE plan_id = $plan),
                  EXISTS (SELECT 1 FROM cohorts WHERE cohort_id = $cohort),
                  (SELECT person_id FROM users WHERE email = $email)"""
_KNOWN_OWNER = "SELECT 1 FROM people WHERE person_id = $o UNION ALL SELECT 1 FROM users WHERE email = $o LIMIT 1"


def _check_refs(store: Store, data: LessonInput, who: Actor, problems: list[Problem]) -> str:
    """Problems with the lesson's references; returns the person id the account writes as."""
    section, plan, cohort, person = store.query(_REFS, {"section": data.section or "", "plan": data.plan_id or "",
                                                     "cohort": data.cohort_id or "", "email": who.email})[0]
    if data.section and not section:
        problems.append(Problem("section", "is not a section of the Book of Learning"))
    if data.plan_id and not plan:
        problems.append(Problem("plan_id", "is not a known plan"))
    if data.cohort_id and not cohort:
        problems.append(Problem("cohort_id", "is not a known cohort"))
    return str(person) if person else who.email


def _validate_actions(store: Store, lesson_id: str, actions: list[ActionInput],
                      problems: list[Problem]) -> list[FollowUpAction]:
    checked: list[tuple[int, FollowUpAction]] = []
    for i, action in enumerate(actions, start=1):
        if not (action.description or "").strip() and not action.owner_id and not action.due_on:
            continue  # an empty row the person did not fill in
        try:
            checked.append((i, FollowUpAction.model_validate({
                "action_id": action.action_id or new_id("AC"), "lesson_id": lesson_id,
                "description": action.description, "owner_id": action.owner_id or "",
                "due_on": action.due_on or None, "done_on": action.done_on or None,
            })))
        except Exception as exc:  # pydantic ValidationError
            for p in problems_from(exc):  # type: ignore[arg-type]
                problems.append(Problem(f"actions.{i}.{p.field}", p.message))
    known = {o for o in {model.owner_id for _, model in checked} if store.query(_KNOWN_OWNER, {"o": o})}
    good: list[FollowUpAction] = []
    for i, model in checked:
        if model.owner_id not in known:
            problems.append(Problem(f"actions.{i}.owner_id", "is not a known person"))
        else:
            good.append(model)
    return good


def save_lesson(store: Store, actor: Actor | None, data: LessonInput, *, lesson_id: str | None = None,
                token: str | None = None, form_id: str | None = None, draft_key: str | None = None) -> str:
    """Create or edit a post-mortem (its status does not change here); return its id.

    A `token` seen before edits the lesson it created instead of making another. A `form_id`
    (a form's own lesson id, see drafts.py) creates the lesson under that id, or edits it when
    the same form saves again: one form, one lesson, whatever happened in between.
    A `draft_key` names the form's draft (drafts.py), forgotten in the same transaction as the
    lesson is saved: a save is one transaction, so it waits for the write lock once.
    Raises InvalidData with one Problem per bad field; nothing is written then (the draft stays).
    """
    who = require(actor, "editor")
    now = audit.utc_now()
    problems: list[Problem] = []
    author = _check_refs(store, data, who, problems)
    proposed = lesson_id or form_id or new_id("L")
    actions = _validate_actions(store, proposed, data.actions, problems)
    with store.transaction() as tx:
        confirm(tx, who, "editor")  # rights as they are now
        if token and lesson_id is None:
            seen = tx.query("SELECT entity_id FROM form_submissions WHERE token = ?", [token])
            if seen:
                # The same form again (double click, resubmit, or a fix after review was refused):
                # it edits the lesson it created instead of making a second one.
                lesson_id, token = str(seen[0][0]), None
        key = lesson_id if lesson_id is not None else form_id
        rows = tx.query("SELECT status, created_at, published_at, author_id FROM lessons WHERE lesson_id = ?",
                        [key]) if key is not None else []
        if lesson_id is not None and not rows:
            raise InvalidData([Problem("lesson_id", "is not a known lesson")], "That lesson no longer exists.")
        existing = rows[0] if rows else None
        if existing is not None:
            lesson_id = key
        new = lesson_id or proposed
        actions = [a.model_copy(update={"lesson_id": new}) for a in actions]
        status = existing[0] if existing else "draft"
        record = {
            "lesson_id": new, "title": data.title, "plan_id": data.plan_id or None, "section": data.section,
            "occurred_on": data.occurred_on or None, "learning_goal": data.learning_goal,
            "what_happened": data.what_happened, "outcome": data.outcome or None, "lessons": data.lessons,
            "recommendations": data.recommendations, "tags": [t.strip() for t in data.tags if t.strip()],
            "author_id": existing[3] if existing else author, "cohort_id": data.cohort_id or None,
            "status": status, "created_at": existing[1] if existing else now, "updated_at": now,
            "published_at": existing[2] if existing else None,
        }
        try:
            lesson = Lesson.model_validate(record)
        except Exception as exc:  # pydantic ValidationError
            problems.extend(problems_from(exc))  # type: ignore[arg-type]
            lesson = None
        if problems or lesson is None:
            raise InvalidData(problems, "; ".join(f"{p.field} {p.message}" for p in problems))
        if existing is not None:  # a new lesson has nothing to replace
            tx.execute("DELETE FROM lessons WHERE lesson_id = ?", [new])
            tx.execute("DELETE FROM actions WHERE lesson_id = ?", [new])
        tx.execute(
            "INSERT INTO lessons VALUES ($lesson_id, $title, $plan_id, $section, $occurred_on, $learning_goal, "
            "$what_happened, $outcome, $lessons, $recommendations, $tags, $author_id, $cohort_id, $status, "
            "$created_at, $updated_at, $published_at)", lesson.model_dump())
        tx.executemany("INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?)",
                       [[a.action_id, a.lesson_id, a.description, a.owner_id, a.due_on, a.done_on] for a in actions])
        if token and lesson_id is None:
            tx.execute("INSERT INTO form_submissions VALUES (?, ?, ?)", [token, new, now])
        if draft_key:
            tx.execute("DELETE FROM drafts WHERE form_key = ?", [draft_key])
        audit.record(tx, who.email, "lesson", new, "edit" if existing else "create",
                     f"{lesson.title[:80]} ({len(actions)} follow-up actions)", at=now)
    return new


def missing_for_publishing(store: Store, lesson_id: str) -> list[str]:
    """The fields a lesson still lacks before it can go to review or be published."""
    row = store.query_one(f"SELECT {', '.join(PUBLISH_REQUIRES)} FROM lessons WHERE lesson_id = ?",  # noqa: S608
                          [lesson_id])
    if row is None:
        return list(PUBLISH_REQUIRES)
    return [name for name, value in zip(PUBLISH_REQUIRES, row, strict=True) if value in (None, "")]


def transition(store: Store, actor: Actor | None, lesson_id: str, to_status: str, reason: str = "") -> None:
    """Move a lesson along draft -> in review -> published, or back to draft with a reason."""
    who = require(actor, "editor")
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")  # rights as they are now
        rows = tx.query("SELECT status FROM lessons WHERE lesson_id = ?", [lesson_id])
        if not rows:
            raise InvalidData([Problem("lesson_id", "is not a known lesson")], "That lesson no longer exists.")
        current = str(rows[0][0])
        label = TRANSITIONS.get((current, to_status))
        if label is None:
            raise InvalidData([Problem("status", f"cannot go from {current} to {to_status}")],
                              f"A {current.replace('_', ' ')} lesson cannot be moved to {to_status.replace('_', ' ')}.")
        if to_status == "draft" and not reason.strip():
            raise InvalidData([Problem("reason", "is required to send a lesson back to draft")],
                              "Say why it goes back to draft.")
        if to_status in ("in_review", "published"):
            missing = [f for f, v in zip(PUBLISH_REQUIRES, tx.query(
                f"SELECT {', '.join(PUBLISH_REQUIRES)} FROM lessons WHERE lesson_id = ?", [lesson_id])[0],  # noqa: S608
                strict=True) if v in (None, "")]
            if missing:
                names = ", ".join(m.replace("_", " ") for m in missing)
                raise InvalidData([Problem(m, "is required before review and publishing") for m in missing],
                                  f"Fill in {names} first.")
        tx.execute(
            "UPDATE lessons SET status = ?, updated_at = ?, "
            "published_at = CASE WHEN ? = 'published' THEN ? WHEN ? = 'draft' THEN NULL ELSE published_at END "
            "WHERE lesson_id = ?", [to_status, now, to_status, now, to_status, lesson_id])
        summary = label + (f": {reason.strip()}" if reason.strip() else "")
        audit.record(tx, who.email, "lesson", lesson_id, to_status, summary[:500], at=now)


def record_application(store: Store, actor: Actor | None, lesson_id: str) -> bool:
    """'I applied this': note that this person reused the lesson; False if they already had."""
    who = require(actor, "editor")
    with store.transaction() as tx:
        confirm(tx, who, "editor")  # rights as they are now
        if not tx.query("SELECT 1 FROM lessons WHERE lesson_id = ? AND status = 'published'", [lesson_id]):
            raise InvalidData([Problem("lesson_id", "is not a published lesson")], "Only published lessons can be applied.")
        if tx.query("SELECT 1 FROM lesson_applications WHERE lesson_id = ? AND email = ?", [lesson_id, who.email]):
            return False
        tx.execute("INSERT INTO lesson_applications VALUES (?, ?, ?)", [lesson_id, who.email, audit.utc_now()])
        audit.record(tx, who.email, "lesson", lesson_id, "applied", "I applied this")
    return True


# --------------------------------------------------------------------- plans and actions
def save_plan(store: Store, actor: Actor | None, values: dict[str, Any], plan_id: str | None = None) -> str:
    """Create or edit a plan with its learning goal; return its id."""
    who = require(actor, "editor")
    pid = plan_id or new_id("PL")
    try:
        plan = Plan.model_validate({**values, "plan_id": pid})
    except Exception as exc:  # pydantic ValidationError
        problems = problems_from(exc)  # type: ignore[arg-type]
        raise InvalidData(problems, "; ".join(f"{p.field} {p.message}" for p in problems)) from None
    with store.transaction() as tx:
        confirm(tx, who, "editor")  # rights as they are now
        problems = []
        if not tx.query("SELECT 1 FROM sections WHERE section_id = ?", [plan.section]):
            problems.append(Problem("section", "is not a section of the Book of Learning"))
        if plan.cohort_id and not tx.query("SELECT 1 FROM cohorts WHERE cohort_id = ?", [plan.cohort_id]):
            problems.append(Problem("cohort_id", "is not a known cohort"))
        if problems:
            raise InvalidData(problems, "; ".join(f"{p.field} {p.message}" for p in problems))
        existed = bool(tx.query("SELECT 1 FROM plans WHERE plan_id = ?", [pid]))
        tx.execute("DELETE FROM plans WHERE plan_id = ?", [pid])
        tx.execute("INSERT INTO plans VALUES ($plan_id, $name, $section, $owner_id, $starts_on, $ends_on, "
                   "$learning_goal, $cohort_id)", plan.model_dump())
        audit.record(tx, who.email, "plan", pid, "edit" if existed else "create", plan.name[:200])
    return pid


def mark_action_done(store: Store, actor: Actor | None, action_id: str, done_on: dt.date | None) -> None:
    """Mark a follow-up action done on a day (or not done, with None)."""
    who = require(actor, "editor")
    with store.transaction() as tx:
        confirm(tx, who, "editor")  # rights as they are now
        rows = tx.query("SELECT due_on FROM actions WHERE action_id = ?", [action_id])
        if not rows:
            raise InvalidData([Problem("action_id", "is not a known action")], "That action no longer exists.")
        tx.execute("UPDATE actions SET done_on = ? WHERE action_id = ?", [done_on, action_id])
        audit.record(tx, who.email, "action", action_id, "done" if done_on else "reopened",
                     f"done on {done_on}" if done_on else "")


def set_section_owner(store: Store, actor: Actor | None, section_id: str, owner_id: str | None) -> None:
    """Name a section's learner (its owner), or none."""
    who = require(actor, "editor")
    with store.transaction() as tx:
        confirm(tx, who, "editor")  # rights as they are now
        if not tx.query("SELECT 1 FROM sections WHERE section_id = ?", [section_id]):
            raise InvalidData([Problem("section", "is not a section")], "That section does not exist.")
        if owner_id and not tx.query("SELECT 1 FROM people WHERE person_id = ?", [owner_id]):
            raise InvalidData([Problem("owner_id", "is not a known person")], "Pick a known person as the learner.")
        tx.execute("UPDATE sections SET owner_id = ? WHERE section_id = ?", [owner_id or None, section_id])
        audit.record(tx, who.email, "section", section_id, "set_owner", owner_id or "no owner")


# ------------------------------------------------------------------------------ reads
def lesson(store: Store, lesson_id: str) -> dict[str, Any] | None:
    """One lesson with its author's and plan's names, or None."""
    frame = store.query_df(
        """SELECT l.*, p.name AS author_name, pl.name AS plan_name, s.label AS section_label, c.name AS cohort_name,
                  (SELECT count(*) FROM lesson_applications a WHERE a.lesson_id = l.lesson_id) AS applied
           FROM lessons l LEFT JOIN people p ON p.person_id = l.author_id
           LEFT JOIN plans pl ON pl.plan_id = l.plan_id LEFT JOIN sections s ON s.section_id = l.section
           LEFT JOIN cohorts c ON c.cohort_id = l.cohort_id
           WHERE l.lesson_id = ?""", [lesson_id])
    return None if frame.empty else {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def actions_of(store: Store, lesson_id: str) -> pd.DataFrame:
    """A lesson's follow-up actions with owner names."""
    return store.query_df(
        "SELECT a.action_id, a.description, a.owner_id, coalesce(p.name, a.owner_id) AS owner, a.due_on, a.done_on "
        "FROM actions a LEFT JOIN people p ON p.person_id = a.owner_id WHERE a.lesson_id = ? ORDER BY a.due_on",
        [lesson_id])


def list_actions(store: Store, today: dt.date, owner_id: str | None = None, section: str | None = None,
                 overdue_only: bool = False, open_only: bool = False) -> pd.DataFrame:
    """Follow-up actions across all lessons, soonest due first."""
    return store.query_df(
        """SELECT a.action_id, a.description, coalesce(p.name, a.owner_id) AS owner, a.owner_id, a.due_on,
                  a.done_on, l.title AS lesson, l.lesson_id, l.section,
                  a.done_on IS NULL AND a.due_on < $today AS overdue
           FROM actions a JOIN lessons l USING (lesson_id) LEFT JOIN people p ON p.person_id = a.owner_id
           WHERE ($owner IS NULL OR a.owner_id = $owner) AND ($section IS NULL OR l.section = $section)
             AND (NOT $overdue_only OR (a.done_on IS NULL AND a.due_on < $today))
             AND (NOT $open_only OR a.done_on IS NULL)
           ORDER BY a.done_on IS NOT NULL, a.due_on, a.action_id LIMIT 2000""",
        {"today": today, "owner": owner_id, "section": section, "overdue_only": overdue_only,
         "open_only": open_only})


def list_plans(store: Store, today: dt.date) -> pd.DataFrame:
    """Plans, newest first, with whether they ended without a post-mortem and are overdue (14 days)."""
    return store.query_df(
        """SELECT pl.plan_id, pl.name, pl.section, s.label AS section_label, coalesce(p.name, pl.owner_id) AS owner,
                  pl.owner_id, pl.starts_on, pl.ends_on, pl.learning_goal, pl.cohort_id,
                  (SELECT count(*) FROM lessons l WHERE l.plan_id = pl.plan_id) AS lessons,
                  pl.ends_on < $today AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.plan_id = pl.plan_id)
                      AS ended_without_postmortem,
                  pl.ends_on < CAST($today - INTERVAL 14 DAY AS DATE)
                      AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.plan_id = pl.plan_id) AS overdue
           FROM plans pl LEFT JOIN people p ON p.person_id = pl.owner_id
           LEFT JOIN sections s ON s.section_id = pl.section
           ORDER BY overdue DESC, ended_without_postmortem DESC, pl.ends_on DESC LIMIT 2000""", {"today": today})


def sections(store: Store) -> pd.DataFrame:
    """The sections with their learner and how many lessons they hold."""
    return store.query_df(
        """SELECT s.section_id, s.label, s.owner_id, p.name AS owner,
                  (SELECT count(*) FROM lessons l WHERE l.section = s.section_id AND l.status = 'published') AS published
           FROM sections s LEFT JOIN people p ON p.person_id = s.owner_id ORDER BY s.label""")


@dataclass
class FormReferences:
    """What a post-mortem form offers to choose from (ids -> names)."""

    sections: dict[str, str]
    plans: dict[str, str]
    cohorts: dict[str, str]
    owners: dict[str, str]  # person_id -> name


def marketing_people(store: Store) -> dict[str, str]:
    """person_id -> name of the people who learn and own things in the Book (marketers, partner managers)."""
    rows = store.query("SELECT person_id, name FROM people WHERE role IN ('marketer', 'partner manager') "
                       "ORDER BY name LIMIT 2000")
    return {str(p): str(n) for p, n in rows}


def action_owners(store: Store) -> dict[str, str]:
    """owner_id -> name (or the id, for someone not among the people) of everyone owing an action."""
    rows = store.query("SELECT DISTINCT a.owner_id, coalesce(p.name, a.owner_id) AS name FROM actions a "
                       "LEFT JOIN people p ON p.person_id = a.owner_id ORDER BY name")
    return {str(o): str(n) for o, n in rows}


def form_references(store: Store) -> FormReferences:
    """Sections, recent plans, cohorts and likely action owners for the post-mortem form."""
    secs = sections(store)
    plans = store.query("SELECT plan_id, name FROM plans ORDER BY ends_on DESC, plan_id LIMIT 500")
    cohorts = store.query("SELECT cohort_id, name FROM cohorts ORDER BY start_date DESC, cohort_id")
    people = store.query("SELECT person_id, name FROM people WHERE role IN ('marketer', 'partner manager') "
                         "OR person_id IN (SELECT owner_id FROM sections) ORDER BY name LIMIT 2000")
    return FormReferences(dict(zip(secs["section_id"], secs["label"], strict=True)),
                          {str(p): str(n) for p, n in plans}, {str(c): str(n) for c, n in cohorts},
                          {str(p): str(n) for p, n in people})


def plan(store: Store, plan_id: str) -> dict[str, Any] | None:
    """One plan as a dict, or None."""
    frame = store.query_df("SELECT plan_id, name, section, learning_goal, cohort_id, ends_on FROM plans "
                           "WHERE plan_id = ?", [plan_id])
    return None if frame.empty else {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def delete_draft_lesson(store: Store, actor: Actor | None, lesson_id: str) -> bool:
    """Delete a lesson that is still a draft (a discarded form's); published or in review ones stay."""
    who = require(actor, "editor")
    with store.transaction() as tx:
        confirm(tx, who, "editor")  # rights as they are now
        rows = tx.query("SELECT status FROM lessons WHERE lesson_id = ?", [lesson_id])
        if not rows or rows[0][0] != "draft":
            return False
        tx.execute("DELETE FROM actions WHERE lesson_id = ?", [lesson_id])
        tx.execute("DELETE FROM lessons WHERE lesson_id = ?", [lesson_id])
        audit.record(tx, who.email, "lesson", lesson_id, "discard", "draft discarded from its form")
    return True
