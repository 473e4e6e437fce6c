"""What a post-mortem form holds, saved field by field as it is typed, with versions.

Each form writes to one lesson id from its first save to its submit (a new form takes a fresh
id such as L-3f9a1c2b7d; editing a lesson uses that lesson's id), so a failed submit, a retry
or a double click all land on the same lesson. Drafts are kept per form, not per person: a
second window opening a new post-mortem gets its own id and an empty form.

Every save carries the version it started from. A save over a newer version (another window,
another person) is applied only to fields that nobody else changed since; where both sides
changed the same field, both texts are kept and the save returns the conflict for the person
to choose, field by field. Nothing is overwritten without a word.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.db import audit
from data_layer.db.store import Store


@dataclass
class Draft:
    """A form's saved content: its fields, version, when and by whom it was last saved."""

    form_key: str
    owner_email: str
    payload: dict[str, Any]
    version: int
    saved_at: dt.datetime
    saved_by: str


@dataclass
class Saved:
    """The outcome of a save: the draft's version now, and any field someone else changed meanwhile."""

    version: int
    saved_at: dt.datetime
    conflicts: dict[str, Any] = field(default_factory=dict)  # field -> the other side's value


def load(store: Store, form_key: str) -> Draft | None:
    """A form's draft, if any."""
    row = store.query_one("SELECT form_key, owner_email, payload, version, saved_at, saved_by FROM drafts "
                          "WHERE form_key = ?", [form_key])
    if row is None:
        return None
    return Draft(str(row[0]), str(row[1]), json.loads(row[2]), int(row[3]), row[4], str(row[5]))


def save(store: Store, actor: Actor, form_key: str, changes: dict[str, Any], base_version: int,
         base: dict[str, Any]) -> Saved:
    """Save changed fields of a form, from the version and values (`base`) the window started from.

    A field is written when the stored value is still the one the window started from (or the
    stored draft is that version); otherwise it is left as it is and returned as a conflict.
    """
    require(actor, "editor")
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, actor, "editor")  # rights as they are now
        rows = tx.query("SELECT payload, version FROM drafts WHERE form_key = ?", [form_key])
        stored: dict[str, Any] = json.loads(rows[0][0]) if rows else {}
        version = int(rows[0][1]) if rows else 0
        conflicts: dict[str, Any] = {}
        merged = dict(stored)
        for name, value in changes.items():
            theirs = stored.get(name)
            if version == base_version or _same(theirs, base.get(name)) or _same(theirs, value):
                merged[name] = value
            else:
                conflicts[name] = theirs
        written = {k: v for k, v in changes.items() if k not in conflicts}
        if written and merged != stored:
            version += 1
            text = json.dumps(merged, default=str)
            if rows:
                tx.execute("UPDATE drafts SET payload = ?, version = ?, saved_at = ?, saved_by = ? WHERE form_key = ?",
                           [text, version, now, actor.email, form_key])
            else:
                tx.execute("INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?)",
                           [form_key, actor.email, text, version, now, actor.email])
    return Saved(version, now, conflicts)


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, default=str, sort_keys=True) == json.dumps(b, default=str, sort_keys=True)


def discard(store: Store, actor: Actor, form_key: str) -> None:
    """Forget a form's draft (after it was submitted, or when the person discards it)."""
    require(actor, "editor")
    with store.transaction() as tx:
        confirm(tx, actor, "editor")  # rights as they are now
        tx.execute("DELETE FROM drafts WHERE form_key = ?", [form_key])


def drafts_of(store: Store, actor: Actor, author_id: str) -> pd.DataFrame:
    """A person's unfinished work, newest first: forms saved as typed and lessons not yet published.

    Columns: id, title, status ("being written", "draft", "in review"), saved (UTC).
    """
    return store.query_df(
        """WITH forms AS (
               SELECT form_key AS id, coalesce(nullif(trim(payload->>'title'), ''), '(untitled)') AS title,
                      'being written' AS status, saved_at AS saved
               FROM drafts WHERE owner_email = $email),
           lessons_open AS (
               SELECT lesson_id AS id, title, replace(status, '_', ' ') AS status, updated_at AS saved
               FROM lessons WHERE status <> 'published' AND author_id = $author
                 AND lesson_id NOT IN (SELECT id FROM forms))
           SELECT * FROM forms UNION ALL SELECT * FROM lessons_open ORDER BY saved DESC, id LIMIT 200""",
        {"email": actor.email, "author": author_id})
