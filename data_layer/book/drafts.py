"""What a post-mortem form holds, saved field by field as it is typed, with versions.

Each form writes to one lesson id from its first save to its submit (a new form takes a fresh
id such as L-3f9a1c2b7d; editing a lesson uses that lesson's id), so a failed submit, a retry
or a double click all land on the same lesson. Drafts are kept per form, not per person: a
second window opening a new post-mortem gets its own id and an empty form. The payload's keys
are the lesson's own field names (learning_goal, what_happened, ..., actions with owner_id).

Every save carries the values the window last saw on the server (`base`). A field is written
unless somebody else changed it meanwhile: a field no window has saved yet, or whose stored
value is still the window's base (or already the window's new value), is written; otherwise both
texts are kept and the save returns the conflict for the person to choose, field by field.
Absent, empty and blank values are the same value, so a field nobody typed in is never a
conflict. Nothing is overwritten without a word.
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
    # Field -> text a window could not write because someone else had changed the field: kept until
    # the person chooses, so a refresh (or a crash) in the middle of a conflict loses neither text.
    pending: dict[str, Any] = field(default_factory=dict)


@dataclass
class Saved:
    """The outcome of a save: the draft's version now, and any field someone else changed meanwhile."""

    version: int
    saved_at: dt.datetime | None  # when the draft was last saved (now, or before when nothing changed)
    conflicts: dict[str, Any] = field(default_factory=dict)  # field -> the other side's value
    # Fields another window changed that this window does not show (not saved by it, not a conflict).
    elsewhere: dict[str, Any] = field(default_factory=dict)
    others_saved: bool = False  # someone else saved since the version this window last saw


def load(store: Store, form_key: str) -> Draft | None:
    """A form's draft, if any."""
    row = store.query_one("SELECT form_key, owner_email, payload, version, saved_at, saved_by, pending FROM drafts "
                          "WHERE form_key = ?", [form_key])
    if row is None:
        return None
    return Draft(str(row[0]), str(row[1]), json.loads(row[2]), int(row[3]), row[4], str(row[5]),
                 json.loads(row[6]) if row[6] else {})


def save(store: Store, actor: Actor, form_key: str, changes: dict[str, Any], base_version: int,
         base: dict[str, Any]) -> Saved:
    """Save changed fields of a form, from the version and values (`base`) the window last saw.

    Each field is written unless somebody else changed it since the window saw it (see
    `unchanged_elsewhere`); such a field is left as it is and returned as a conflict, and the
    window's text is kept beside it (`Draft.pending`) until a save writes the field.
    """
    require(actor, "editor")
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, actor, "editor")  # rights as they are now
        rows = tx.query("SELECT payload, version, saved_at, pending FROM drafts WHERE form_key = ?", [form_key])
        stored: dict[str, Any] = json.loads(rows[0][0]) if rows else {}
        version = int(rows[0][1]) if rows else 0
        saved_at: dt.datetime | None = rows[0][2] if rows else None
        was_pending: dict[str, Any] = json.loads(rows[0][3]) if rows and rows[0][3] else {}
        conflicts = {name: stored[name] for name, value in changes.items()
                     if not unchanged_elsewhere(stored, name, base, value)}
        merged = {**stored, **{k: v for k, v in changes.items() if k not in conflicts}}
        pending = {**{k: v for k, v in was_pending.items() if k not in changes},
                   **{k: changes[k] for k in conflicts}}
        elsewhere = {name: value for name, value in stored.items()
                     if name not in changes and not same_value(value, base.get(name))}
        others_saved = version != base_version
        if merged != stored:
            version, saved_at = version + 1, now
            text = json.dumps(merged, default=str)
            if rows:
                tx.execute("UPDATE drafts SET payload = ?, version = ?, saved_at = ?, saved_by = ? WHERE form_key = ?",
                           [text, version, now, actor.email, form_key])
            else:
                tx.execute("INSERT INTO drafts (form_key, owner_email, payload, version, saved_at, saved_by) "
                           "VALUES (?, ?, ?, ?, ?, ?)", [form_key, actor.email, text, version, now, actor.email])
        if pending != was_pending:
            tx.execute("UPDATE drafts SET pending = ? WHERE form_key = ?",
                       [json.dumps(pending, default=str) if pending else None, form_key])
    return Saved(version, saved_at, conflicts, elsewhere, others_saved)


def unchanged_elsewhere(stored: dict[str, Any], name: str, base: dict[str, Any], value: Any) -> bool:
    """Whether a window may write `value` to field `name`: nobody else changed it since the window saw it.

    True when no window has saved the field yet, when the stored value is still the window's
    base, or when it already is the new value (two windows typing the same thing agree).
    """
    if name not in stored:
        return True
    return same_value(stored[name], base.get(name)) or same_value(stored[name], value)


def same_value(a: Any, b: Any) -> bool:
    """Two field values are the same; absent (None), empty and blank text, and empty lists are all one value."""
    if _blank(a) and _blank(b):
        return True
    return json.dumps(a, default=str, sort_keys=True) == json.dumps(b, default=str, sort_keys=True)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, dict)) and not value


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
