"""A member answering: the personal link (or their own account) opens their form, saves as they go, and sends.

What a link opens is decided here for every caller: a made-up, withdrawn, used or expired link
gets one sentence and nothing else; a valid one shows only that person's own round, questions
and saved answers. Sending turns the answers into an assessment (scores per dimension as
instrument.py computes them), its barriers and notes, an `assessed` event and an open task on
the outreach queue, in one transaction, with the summaries the numbers read kept current.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from data_layer.acting.instrument import SCALE, Question, scores
from data_layer.acting.rounds import token_hash
from data_layer.db import audit
from data_layer.db.store import Store, Transaction
from data_layer.db.summaries import refresh, refresh_assessments
from data_layer.domain.errors import InvalidData, LearningCultureError, Problem

INSTRUMENT = "in-product readiness v1"
NOT_VALID = "This link is not valid: check that you copied the whole link, or ask for a new one."
NOTES_LIMIT = 2000
# A temp table naming the one person whose summaries an app write rebuilds (summaries.refresh takes a SELECT).
_TOUCHED_TABLE = "CREATE OR REPLACE TEMP TABLE acting_touched_person AS SELECT CAST(? AS VARCHAR) AS person_id"
_TOUCHED = "SELECT person_id FROM acting_touched_person"


class LinkRefused(LearningCultureError):
    """The link cannot open a form; the message is the one sentence the person sees."""


@dataclass(frozen=True)
class Form:
    """What one person's form shows: their round, its questions, the barriers offered, what they saved."""

    link_id: str
    person_id: str
    first_name: str
    round_name: str
    kind: str
    closes_on: dt.date
    questions: list[Question]
    barriers: list[tuple[str, str]]  # (code, label)
    saved: dict[str, Any] = field(default_factory=dict)


_FORM_SQL = """
    SELECT l.link_id, l.person_id, p.name, r.name, r.kind, r.closes_on, r.questions, r.barriers, l.answers,
           l.revoked_at, l.submitted_at, r.closed_at
    FROM assessment_links l JOIN assessment_rounds r USING (round_id) JOIN people p USING (person_id)"""


def _refusal(row: tuple[Any, ...], now: dt.datetime) -> str | None:
    closes_on, revoked, submitted, closed = row[5], row[9], row[10], row[11]
    if submitted is not None:
        return f"This link has already been used: your answers were sent on {submitted:%d %B %Y}. Thank you."
    if revoked is not None:
        return "This link was withdrawn: ask the partnership team for a new one."
    if closed is not None or now.date() > closes_on:
        return f"This link has expired: the assessment closed on {(closed or closes_on):%d %B %Y}."
    return None


def _form(store: Store, row: tuple[Any, ...]) -> Form:
    labels = dict(store.query("SELECT code, label FROM barrier_codes"))
    questions = [Question(f"{q['dimension']}:{i}", q["dimension"], q["text"])
                 for i, q in _numbered(json.loads(row[6]))]
    return Form(row[0], row[1], str(row[2]).split()[0] if row[2] else "", row[3], row[4], row[5], questions,
                [(code, labels.get(code, code)) for code in row[7]], json.loads(row[8]) if row[8] else {})


def _numbered(questions: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    seen: dict[str, int] = {}
    out = []
    for q in questions:
        seen[q["dimension"]] = seen.get(q["dimension"], 0) + 1
        out.append((seen[q["dimension"]], q))
    return out


def open_by_token(store: Store, token: str, now: dt.datetime | None = None) -> Form:
    """The form a personal link opens, or LinkRefused with the sentence to show."""
    now = now or audit.utc_now()
    if not token or len(token) > 200:
        raise LinkRefused(NOT_VALID)
    rows = store.query(_FORM_SQL + " WHERE l.token_hash = ?", [token_hash(token)])
    if not rows:
        raise LinkRefused(NOT_VALID)
    refusal = _refusal(rows[0], now)
    if refusal:
        raise LinkRefused(refusal)
    return _form(store, rows[0])


def open_for_account(store: Store, email: str, now: dt.datetime | None = None) -> list[Form]:
    """The open forms of the person whose email is the signed-in account's (case ignored)."""
    now = now or audit.utc_now()
    rows = store.query(_FORM_SQL + " WHERE lower(p.email) = lower(?) ORDER BY l.created_at", [email.strip()])
    return [_form(store, row) for row in rows if _refusal(row, now) is None]


def _live_link(tx: Transaction, link_id: str, token: str | None, email: str | None, now: dt.datetime) -> tuple[Any, ...]:
    """Inside the write: the link as it is now, opened by its token or its person's account."""
    rows = tx.query(_FORM_SQL + " WHERE l.link_id = ?", [link_id])
    row = rows[0] if rows else None
    if row is None:
        raise LinkRefused(NOT_VALID)
    owner = tx.query("SELECT lower(p.email), l.token_hash FROM assessment_links l JOIN people p USING (person_id) "
                     "WHERE l.link_id = ?", [link_id])[0]
    if not ((token is not None and owner[1] == token_hash(token)) or
            (email is not None and owner[0] == email.strip().lower())):
        raise LinkRefused(NOT_VALID)
    refusal = _refusal(row, now)
    if refusal:
        raise LinkRefused(refusal)
    return row


def _clean(form: Form, answers: dict[str, Any]) -> dict[str, Any]:
    keys = {q.key for q in form.questions}
    offered = {code for code, _ in form.barriers}
    picked = {k: int(v) for k, v in (answers.get("q") or {}).items() if k in keys and v in SCALE}
    return {"q": picked, "barriers": [b for b in answers.get("barriers") or [] if b in offered],
            "notes": str(answers.get("notes") or "")[:NOTES_LIMIT]}


def save_progress(store: Store, form: Form, answers: dict[str, Any], *, token: str | None = None,
                  email: str | None = None, now: dt.datetime | None = None) -> None:
    """Keep what the person has answered so far (every change), to finish later."""
    now = now or audit.utc_now()
    with store.transaction() as tx:
        _live_link(tx, form.link_id, token, email, now)
        tx.execute("UPDATE assessment_links SET answers = ?, saved_at = ? WHERE link_id = ?",
                   [json.dumps(_clean(form, answers)), now, form.link_id])


def submit(store: Store, form: Form, answers: dict[str, Any], *, token: str | None = None,
           email: str | None = None, now: dt.datetime | None = None) -> str:
    """Send the answers: the assessment, its `assessed` event and an open outreach task; returns its id."""
    now = now or audit.utc_now()
    cleaned = _clean(form, answers)
    missing = [q for q in form.questions if q.key not in cleaned["q"]]
    problems = []
    if missing:
        problems.append(Problem("answers", f"are missing for {len(missing)} statement(s), the first: "
                                           f"\u201c{missing[0].text}\u201d"))
    if len(str(answers.get("notes") or "")) > NOTES_LIMIT:
        problems.append(Problem("notes", f"must be at most {NOTES_LIMIT} characters"))
    if problems:
        raise InvalidData(problems, " ".join(p.sentence for p in problems))
    by_dimension = scores(form.questions, cleaned["q"])
    assessment_id = "IA-" + form.link_id
    with store.transaction() as tx:
        row = _live_link(tx, form.link_id, token, email, now)
        person_id, kind = row[1], row[4]
        cohort_id = tx.query("SELECT cohort_id FROM assessment_links WHERE link_id = ?", [form.link_id])[0][0]
        tx.execute("INSERT INTO assessments VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [assessment_id, person_id, now, INSTRUMENT, kind, cleaned["barriers"], cleaned["notes"] or None])
        tx.executemany("INSERT INTO assessment_scores VALUES (?, ?, ?)",
                       [[assessment_id, dim, score] for dim, score in by_dimension.items()])
        tx.execute("INSERT INTO events VALUES (?, ?, ?, 'assessed', NULL, ?, 'app')",
                   ["assessed-" + assessment_id, now, person_id, cohort_id])
        tx.execute("UPDATE assessment_links SET answers = ?, saved_at = ?, submitted_at = ?, assessment_id = ? "
                   "WHERE link_id = ?", [json.dumps(cleaned), now, now, assessment_id, form.link_id])
        tx.execute("INSERT INTO outreach_tasks (assessment_id, person_id, cohort_id, status, updated_at) "
                   "VALUES (?, ?, ?, 'open', ?)", [assessment_id, person_id, cohort_id, now])
        refresh_person(tx, person_id)
        refresh_assessments(tx, _TOUCHED)
        audit.record(tx, f"link:{form.link_id}" if email is None else email, "assessment", assessment_id, "submit",
                     f"{person_id}: " + ", ".join(f"{d} {s:g}" for d, s in by_dimension.items()), at=now)
    return assessment_id


def refresh_person(tx: Transaction, person_id: str) -> None:
    """Rebuild one person's event summaries (the funnel, outreach timing, activity) after an app write."""
    tx.execute(_TOUCHED_TABLE, [person_id])
    refresh(tx, _TOUCHED)
