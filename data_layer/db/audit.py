"""The audit trail: one append-only entry per write, in the same transaction as the write.

There is deliberately no function here (or anywhere) that updates or deletes an entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data_layer.db.store import Store, Transaction


def utc_now() -> dt.datetime:
    """Now, as the naive UTC timestamp the database stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(tx: Transaction, actor: str, entity: str, entity_id: str | None, action: str, summary: str = "",
           at: dt.datetime | None = None) -> None:
    """Append one audit entry inside the caller's transaction."""
    tx.execute(
        "INSERT INTO audit_log (occurred_at, actor, entity, entity_id, action, summary) VALUES (?, ?, ?, ?, ?, ?)",
        [at or utc_now(), actor, entity, entity_id, action, summary[:500]],
    )


@dataclass(frozen=True)
class AuditQuery:
    """Filters for reading the trail; text filters match case-insensitively as plain substrings."""

    actor: str = ""
    entity: str = ""
    action: str = ""
    text: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = 5000


def _like(text: str) -> str:
    # Substring match with ILIKE: escape its wildcards (with '!') so user text is literal.
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def read_trail(store: Store, q: AuditQuery) -> pd.DataFrame:
    """Audit entries matching `q`, newest first."""
    params: dict[str, Any] = {
        "actor": _like(q.actor), "entity": q.entity, "action": q.action, "text": _like(q.text),
        "date_from": q.date_from, "date_to": q.date_to, "limit": q.limit,
    }
    return store.query_df(
        """
        SELECT audit_id, occurred_at, actor, entity, entity_id, action, summary
        FROM audit_log
        WHERE actor ILIKE $actor ESCAPE '!'
          AND ($entity = '' OR entity = $entity)
          AND ($action = '' OR action = $action)
          AND (coalesce(summary, '') ILIKE $text ESCAPE '!' OR coalesce(entity_id, '') ILIKE $text ESCAPE '!')
          AND ($date_from IS NULL OR CAST(occurred_at AS DATE) >= $date_from)
          AND ($date_to IS NULL OR CAST(occurred_at AS DATE) <= $date_to)
        ORDER BY audit_id DESC
        LIMIT $limit
        """,
        params,
    )


def history_of(store: Store, entity: str, entity_id: str) -> pd.DataFrame:
    """Every audit entry of one record, oldest first (a lesson's history, say)."""
    return store.query_df(
        "SELECT occurred_at, actor, action, summary FROM audit_log WHERE entity = ? AND entity_id = ? "
        "ORDER BY audit_id", [entity, entity_id])
