"""Assessment rounds and each member's personal link (editors open, reissue, revoke and close them).

A link is a random token (32 bytes from `secrets`, URL-safe): one person, one round, valid until
the round closes, revealed once (when it is made) and stored only as its SHA-256 hash, like the
API tokens. Every write checks the editor's role in its own transaction and is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.acting.instrument import MAX_STATEMENTS, MIN_STATEMENTS
from data_layer.db import audit
from data_layer.db.store import Store, Transaction
from data_layer.domain.errors import InvalidData, LearningCultureError, Problem
from data_layer.domain.vocabulary import ASSESSMENT_KINDS

ANSWER_PATH = "answer"  # the public page's URL path: <app>/answer?t=<token>


@dataclass(frozen=True)
class Issued:
    """A link just made: the only moment its token exists outside the person's hands."""

    link_id: str
    person_id: str
    name: str
    email: str
    cohort_id: str
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_url(base: str, token: str) -> str:
    """The personal link for the app at `base` (its address, without a trailing page)."""
    return f"{base.rstrip('/')}/{ANSWER_PATH}?t={token}"


def _issue(tx: Transaction, round_id: str, person_id: str, cohort_id: str, now: dt.datetime) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    link_id = uuid.uuid4().hex[:12]
    tx.execute("INSERT INTO assessment_links (link_id, round_id, person_id, cohort_id, token_hash, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", [link_id, round_id, person_id, cohort_id, token_hash(token), now])
    return link_id, token


def _check(tx: Transaction, name: str, kind: str, cohorts: Sequence[str], statements: Mapping[str, Sequence[str]],
           barriers: Sequence[str], closes_on: dt.date, today: dt.date) -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem("name", "must not be empty"))
    if kind not in ASSESSMENT_KINDS:
        problems.append(Problem("kind", "must be baseline or follow_up"))
    known = {r[0] for r in tx.query("SELECT cohort_id FROM cohorts")}
    if not cohorts:
        problems.append(Problem("cohorts", "must name at least one cohort"))
    problems += [Problem("cohorts", f"do not include {c!r}: no such cohort") for c in cohorts if c not in known]
    dimensions = {r[0] for r in tx.query("SELECT dimension FROM dimensions")}
    for dim, texts in statements.items():
        if dim not in dimensions:
            problems.append(Problem("questions", f"name an unknown dimension {dim!r}"))
        elif not MIN_STATEMENTS <= len([t for t in texts if t.strip()]) <= MAX_STATEMENTS:
            problems.append(Problem(f"statements of {dim.replace('_', ' ')}",
                                    f"must be {MIN_STATEMENTS} to {MAX_STATEMENTS} (one per line)"))
    if not statements:
        problems.append(Problem("questions", "must cover at least one dimension"))
    codes = {r[0] for r in tx.query("SELECT code FROM barrier_codes")}
    problems += [Problem("barriers", f"do not include {b!r}: no such barrier code") for b in barriers if b not in codes]
    if closes_on < today:
        problems.append(Problem("closing day", "must be today or later"))
    return problems


def open_round(store: Store, actor: Actor | None, *, name: str, kind: str, cohorts: Sequence[str],
               statements: Mapping[str, Sequence[str]], barriers: Sequence[str], closes_on: dt.date,
               now: dt.datetime | None = None) -> tuple[str, list[Issued]]:
    """Open a round for the cohorts' current members: one personal link each (returned once, with its token)."""
    who = require(actor, "editor")
    now = now or audit.utc_now()
    cleaned = {dim: [t.strip() for t in texts if t.strip()] for dim, texts in statements.items()}
    questions = [{"dimension": dim, "text": text} for dim, texts in cleaned.items() for text in texts]
    round_id = "R-" + uuid.uuid4().hex[:8]
    issued: list[Issued] = []
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        problems = _check(tx, name, kind, list(cohorts), cleaned, list(barriers), closes_on, now.date())
        if problems:
            raise InvalidData(problems)
        tx.execute("INSERT INTO assessment_rounds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                   [round_id, name.strip(), kind, list(cohorts), json.dumps(questions), list(barriers), closes_on,
                    who.email, now])
        # One link per person, even in two of the chosen cohorts (the first chosen names the cohort).
        members = tx.query("""
            SELECT m.person_id, p.name, p.email,
                   arg_min(m.cohort_id, list_position(?::VARCHAR[], m.cohort_id)) AS cohort_id
            FROM memberships m JOIN people p USING (person_id)
            WHERE list_contains(?::VARCHAR[], m.cohort_id) AND (m.left_on IS NULL OR m.left_on >= ?)
            GROUP BY m.person_id, p.name, p.email ORDER BY p.name, m.person_id""",
                           [list(cohorts), list(cohorts), now.date()])
        for person_id, person_name, email, cohort_id in members:
            link_id, token = _issue(tx, round_id, person_id, cohort_id, now)
            issued.append(Issued(link_id, person_id, person_name, email, cohort_id, token))
        audit.record(tx, who.email, "assessment_round", round_id, "open",
                     f"{name.strip()}: {kind}, cohorts {', '.join(cohorts)}, {len(issued)} links, closes {closes_on}",
                     at=now)
    return round_id, issued


def reissue(store: Store, actor: Actor | None, link_id: str, now: dt.datetime | None = None) -> Issued:
    """Withdraw a member's unused link and make a new one (shown once): a lost or forwarded link."""
    who = require(actor, "editor")
    now = now or audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        rows = tx.query("SELECT l.round_id, l.person_id, l.cohort_id, p.name, p.email, l.submitted_at "
                        "FROM assessment_links l JOIN people p USING (person_id) WHERE l.link_id = ?", [link_id])
        if not rows:
            raise LearningCultureError("No such link.")
        round_id, person_id, cohort_id, person_name, email, submitted = rows[0]
        if submitted is not None:
            raise LearningCultureError("This person has already answered: a new link is not needed.")
        tx.execute("UPDATE assessment_links SET revoked_at = ? WHERE link_id = ? AND revoked_at IS NULL",
                   [now, link_id])
        new_id, token = _issue(tx, round_id, person_id, cohort_id, now)
        # Carry what they had saved so far over to the new link: nothing typed is lost.
        tx.execute("UPDATE assessment_links SET answers = (SELECT answers FROM assessment_links WHERE link_id = ?), "
                   "saved_at = (SELECT saved_at FROM assessment_links WHERE link_id = ?) WHERE link_id = ?",
                   [link_id, link_id, new_id])
        audit.record(tx, who.email, "assessment_link", link_id, "reissue", f"{person_id}: new link {new_id}", at=now)
    return Issued(new_id, person_id, person_name, email, cohort_id, token)


def revoke(store: Store, actor: Actor | None, link_id: str, now: dt.datetime | None = None) -> None:
    """Withdraw a link: it then says so in one sentence."""
    who = require(actor, "editor")
    now = now or audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute("UPDATE assessment_links SET revoked_at = ? WHERE link_id = ? AND revoked_at IS NULL",
                   [now, link_id])
        audit.record(tx, who.email, "assessment_link", link_id, "revoke", at=now)


def close_round(store: Store, actor: Actor | None, round_id: str, now: dt.datetime | None = None) -> None:
    """Close a round before its day: its unused links expire at once."""
    who = require(actor, "editor")
    now = now or audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute("UPDATE assessment_rounds SET closed_at = ? WHERE round_id = ? AND closed_at IS NULL",
                   [now, round_id])
        audit.record(tx, who.email, "assessment_round", round_id, "close", at=now)


def rounds(store: Store) -> pd.DataFrame:
    """Every round, newest first, with how many links were answered."""
    return store.query_df("""
        SELECT r.round_id, r.name, r.kind, r.cohorts, r.closes_on, r.closed_at, r.created_by, r.created_at,
               count(l.link_id) FILTER (WHERE l.revoked_at IS NULL) AS links,
               count(l.submitted_at) AS answered
        FROM assessment_rounds r LEFT JOIN assessment_links l USING (round_id)
        GROUP BY ALL ORDER BY r.created_at DESC, r.round_id""")


def links(store: Store, round_id: str) -> pd.DataFrame:
    """A round's links with each person's state (never a token: only hashes exist)."""
    return store.query_df("""
        SELECT l.link_id, l.person_id, p.name, p.email, l.cohort_id,
               CASE WHEN l.submitted_at IS NOT NULL THEN 'answered'
                    WHEN l.revoked_at IS NOT NULL THEN 'withdrawn'
                    WHEN l.saved_at IS NOT NULL THEN 'started'
                    ELSE 'not started' END AS state,
               l.saved_at, l.submitted_at
        FROM assessment_links l JOIN people p USING (person_id)
        WHERE l.round_id = ? ORDER BY p.name, l.created_at""", [round_id])


def round_questions(store: Store, round_id: str) -> list[dict[str, str]]:
    """A round's statements in the order asked."""
    raw = store.query_value("SELECT questions FROM assessment_rounds WHERE round_id = ?", [round_id])
    return list(json.loads(raw)) if raw else []
