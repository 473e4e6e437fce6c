"""What happened, on the trend charts: cohort starts, published lessons and editors' own notes.

A jump in a trend reads differently beside "Kestrel started" or "Lesson: partner webinars
flopped". Markers are (day, label, kind); editors and admins add their own notes.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.db import audit
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem

MAX_LESSON_MARKERS = 20  # the latest lessons of a window; more would hide the trend


def add(store: Store, actor: Actor | None, day: dt.date, label: str) -> str:
    """An editor's note on the trends (a day and up to 80 characters)."""
    who = require(actor, "editor")
    text = " ".join(label.split())
    if not text or len(text) > 80:
        raise InvalidData([Problem("label", "must be 1 to 80 characters")])
    annotation_id = uuid.uuid4().hex[:10]
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute("INSERT INTO annotations VALUES (?, ?, ?, ?, ?)", [annotation_id, day, text, who.email, now])
        audit.record(tx, who.email, "annotation", annotation_id, "create", f"{day}: {text}", at=now)
    return annotation_id


def markers(store: Store, date_from: dt.date, date_to: dt.date, cohorts: tuple[str, ...] = ()) -> pd.DataFrame:
    """Markers in [date_from, date_to]: starts of the selected cohorts (all, if none), the latest published
    lessons, tool launches (objects.csv), and notes; columns day, label, kind, in day order."""
    return store.query_df("""
        SELECT day, label, kind FROM (
            SELECT start_date AS day, 'Cohort ' || name || ' starts' AS label, 'cohort' AS kind FROM cohorts
            WHERE start_date BETWEEN $f AND $t AND (len($c::VARCHAR[]) = 0 OR list_contains($c::VARCHAR[], cohort_id))
            UNION ALL
            SELECT * FROM (
                SELECT CAST(published_at AS DATE), 'Lesson: ' || title, 'lesson' FROM lessons
                WHERE status = 'published' AND CAST(published_at AS DATE) BETWEEN $f AND $t
                  AND (len($c::VARCHAR[]) = 0 OR list_contains($c::VARCHAR[], cohort_id))
                ORDER BY published_at DESC LIMIT $n)
            UNION ALL
            SELECT launched_on, 'Launch: ' || name, 'launch' FROM objects
            WHERE kind = 'tool' AND launched_on BETWEEN $f AND $t
            UNION ALL
            SELECT day, label, 'note' FROM annotations WHERE day BETWEEN $f AND $t
        ) ORDER BY day, kind, label""", {"f": date_from, "t": date_to, "c": list(cohorts), "n": MAX_LESSON_MARKERS})
