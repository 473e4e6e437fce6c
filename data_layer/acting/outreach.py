"""The partnership team's outreach queue: every member assessed in the product and not yet reached out to.

A task opens when an assessment is sent (answers.py). It leaves the queue when an
`outreach_received` event for the person arrives at or after the assessment (the "Reached out"
button records one; an imported one counts the same), or when someone marks it "not needed"
with a reason; a snoozed task waits until its time, then comes back. The 24-hour clock runs
from the moment the answers were sent; the queue is oldest first. Editors and admins act on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.acting.answers import refresh_person
from data_layer.db import audit
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, LearningCultureError, Problem

CLOCK_HOURS = 24
CHANNELS: dict[str, str] = {"call": "Call", "video": "Video call", "chat": "Chat message", "email": "Email",
                            "in_person": "In person"}
SNOOZE_HOURS = (4, 24, 72)

# Open (or snoozed past its time) tasks with no outreach to the person at or after the assessment.
_QUEUE = """
    SELECT t.assessment_id, t.person_id, p.name, t.cohort_id, c.name AS cohort, mgr.name AS manager,
           a.taken_at, t.owner_email, u.name AS owner, t.status, t.snoozed_until, a.barriers, a.barrier_notes,
           (SELECT list({'dimension': coalesce(d.label, s.dimension), 'score': s.score} ORDER BY s.score, s.dimension)
            FROM assessment_scores s LEFT JOIN dimensions d USING (dimension)
            WHERE s.assessment_id = t.assessment_id) AS scores,
           (SELECT list(coalesce(b.label, x.code) ORDER BY x.code) FROM unnest(a.barriers) x(code)
            LEFT JOIN barrier_codes b ON b.code = x.code) AS barrier_labels
    FROM outreach_tasks t
    JOIN assessments a USING (assessment_id)
    JOIN people p ON p.person_id = t.person_id
    LEFT JOIN cohorts c ON c.cohort_id = t.cohort_id
    LEFT JOIN people mgr ON mgr.person_id = p.manager_id
    LEFT JOIN users u ON u.email = t.owner_email
    WHERE t.status IN ('open', 'snoozed') AND (t.status = 'open' OR $snoozed OR t.snoozed_until <= $now)
      AND NOT EXISTS (SELECT 1 FROM outreach_events o WHERE o.person_id = t.person_id
                      AND o.occurred_at >= a.taken_at)
      AND ($cohort IS NULL OR t.cohort_id = $cohort)
      AND ($owner IS NULL OR coalesce(t.owner_email, '') = $owner)
    ORDER BY a.taken_at, t.assessment_id"""


@dataclass(frozen=True)
class Counts:
    """The queue at a moment: its size and how many are past the 24-hour clock."""

    size: int
    breaches: int


def queue(store: Store, now: dt.datetime, *, cohort: str | None = None, owner: str | None = None,
          snoozed: bool = False) -> pd.DataFrame:
    """The queue, oldest first, with hours left on the clock (negative: breached), lowest dimensions and barriers.

    `owner` "" means unassigned; snoozed tasks are left out until their time unless `snoozed`."""
    frame = store.query_df(_QUEUE, {"now": now, "cohort": cohort, "owner": owner, "snoozed": snoozed})
    hours_since = (now - pd.to_datetime(frame["taken_at"])).dt.total_seconds() / 3600
    frame["hours_left"] = CLOCK_HOURS - hours_since
    frame["breached"] = frame["hours_left"] < 0
    frame["lowest"] = frame["scores"].map(_lowest)
    frame["barrier_words"] = frame["barrier_labels"].map(_words)
    return frame


def _words(labels: object) -> str:
    items = [] if labels is None or labels is pd.NA else list(labels)  # type: ignore[call-overload]
    return ", ".join(str(x) for x in items) or "none named"


def _lowest(scores: object, count: int = 2) -> str:
    items = [] if scores is None or scores is pd.NA else list(scores)  # type: ignore[call-overload]
    return ", ".join(f"{s['dimension']} {s['score']:.0f}" for s in items[:count])


def counts(store: Store, now: dt.datetime) -> Counts:
    """How many are waiting now (snoozed included) and how many past 24 hours (the digest, the page's header)."""
    frame = queue(store, now, snoozed=True)
    return Counts(len(frame), int(frame["breached"].sum()))


def team(store: Store) -> pd.DataFrame:
    """Who can take a task: active editors and admins."""
    return store.query_df("SELECT email, name FROM users WHERE NOT disabled AND role IN ('editor', 'admin') "
                          "ORDER BY name, email")


def _task(store: Store, assessment_id: str) -> tuple[str, str | None]:
    row = store.query_one("SELECT person_id, cohort_id FROM outreach_tasks WHERE assessment_id = ?", [assessment_id])
    if row is None:
        raise LearningCultureError("No such assessment on the outreach queue.")
    return str(row[0]), row[1]


def reached_out(store: Store, actor: Actor | None, assessment_id: str, *, channel: str, note: str = "",
                now: dt.datetime | None = None) -> str:
    """Record the outreach: an `outreach_received` event for the person (the 24-hour rate counts it at once)."""
    who = require(actor, "editor")
    if channel not in CHANNELS:
        raise InvalidData([Problem("channel", f"must be one of {', '.join(CHANNELS.values())}")])
    now = now or audit.utc_now()
    person_id, cohort_id = _task(store, assessment_id)
    event_id = f"outreach-{assessment_id}"
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        if tx.query("SELECT 1 FROM events WHERE event_id = ?", [event_id]):
            raise LearningCultureError("This outreach is already recorded.")
        tx.execute("INSERT INTO events VALUES (?, ?, ?, 'outreach_received', NULL, ?, 'app')",
                   [event_id, now, person_id, cohort_id])
        tx.execute("UPDATE outreach_tasks SET status = 'reached', channel = ?, note = ?, closed_at = ?, "
                   "updated_by = ?, updated_at = ?, owner_email = coalesce(owner_email, ?) WHERE assessment_id = ?",
                   [channel, note.strip()[:500] or None, now, who.email, now, who.email, assessment_id])
        refresh_person(tx, person_id)
        audit.record(tx, who.email, "outreach", assessment_id, "reached_out",
                     f"{person_id} by {CHANNELS[channel]}" + (f": {note.strip()[:200]}" if note.strip() else ""),
                     at=now)
    return event_id


def _set(store: Store, actor: Actor | None, assessment_id: str, action: str, summary: str, sql: str,
         params: list[object], now: dt.datetime) -> None:
    who = require(actor, "editor")
    _task(store, assessment_id)
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute(sql, [*params, who.email, now, assessment_id])
        audit.record(tx, who.email, "outreach", assessment_id, action, summary, at=now)


def snooze(store: Store, actor: Actor | None, assessment_id: str, *, hours: int, reason: str,
           now: dt.datetime | None = None) -> None:
    """Put a task aside for some hours (with a reason); its clock keeps running."""
    if hours not in SNOOZE_HOURS:
        raise InvalidData([Problem("snooze", f"must be one of {', '.join(map(str, SNOOZE_HOURS))} hours")])
    if not reason.strip():
        raise InvalidData([Problem("reason", "must not be empty")])
    now = now or audit.utc_now()
    _set(store, actor, assessment_id, "snooze", f"{hours} h: {reason.strip()[:200]}",
         "UPDATE outreach_tasks SET status = 'snoozed', snoozed_until = ?, reason = ?, updated_by = ?, "
         "updated_at = ? WHERE assessment_id = ?", [now + dt.timedelta(hours=hours), reason.strip()[:500]], now)


def not_needed(store: Store, actor: Actor | None, assessment_id: str, *, reason: str,
               now: dt.datetime | None = None) -> None:
    """Take a task off the queue without outreach (already in touch, left the company ...), with a reason."""
    if not reason.strip():
        raise InvalidData([Problem("reason", "must not be empty")])
    now = now or audit.utc_now()
    _set(store, actor, assessment_id, "not_needed", reason.strip()[:200],
         "UPDATE outreach_tasks SET status = 'not_needed', reason = ?, closed_at = ?, updated_by = ?, "
         "updated_at = ? WHERE assessment_id = ?", [reason.strip()[:500], now], now)


def assign(store: Store, actor: Actor | None, assessment_id: str, owner_email: str | None,
           now: dt.datetime | None = None) -> None:
    """Give a task to a person of the team (None: nobody)."""
    who = require(actor, "editor")
    if owner_email is not None and owner_email not in set(team(store)["email"]):
        raise InvalidData([Problem("owner", "must be an active editor or admin")])
    now = now or audit.utc_now()
    _set(store, who, assessment_id, "assign", owner_email or "nobody",
         "UPDATE outreach_tasks SET owner_email = ?, updated_by = ?, updated_at = ? WHERE assessment_id = ?",
         [owner_email], now)
