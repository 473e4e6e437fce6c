"""The import log: every import (page, CLI, API, drop folder) with who, files, rows, outcome and
duration, and each source's freshness against the cadence it is expected at.

A *source* is what a file feeds: the table of one of our files (`deals`, `activity` ...),
whatever export it came from. An admin sets how often each source should arrive; a source
that has not arrived for longer is flagged on Admin -> Import.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from data_layer.db import audit
from data_layer.db.store import Store

# How often each source is expected by default, in days (None: whenever it comes).
DEFAULT_CADENCE_DAYS: dict[str, int | None] = {
    "activity": 1, "deals": 1, "assessments": 7, "memberships": 7, "people": 7, "cohorts": None, "plans": None,
    "lessons": None, "actions": None, "sections": None,
}
CADENCE_KEY = "cadence_days:"  # app_meta key prefix: an admin's setting per source


def record(store: Store, *, who: str, via: str, files: Sequence[str], rows: dict[str, int], outcome: str,
           seconds: float, message: str = "", started: dt.datetime | None = None) -> str:
    """Log one import run; `rows` maps each table written to its row count (sources = those tables)."""
    run_id = uuid.uuid4().hex[:12]
    with store.transaction() as tx:
        names = sorted(rows)
        tx.execute("INSERT INTO import_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            run_id, started or audit.utc_now(), round(seconds, 3), who, via, list(files), names,
            [int(rows[n]) for n in names], int(sum(rows.values())), outcome, message[:2000] or None])
    return run_id


def recent(store: Store, limit: int = 50) -> pd.DataFrame:
    """The latest runs, newest first."""
    return store.query_df("SELECT started_at, who, via, files, rows, outcome, seconds, message FROM import_runs "
                          "ORDER BY started_at DESC, run_id DESC LIMIT ?", [limit])


def cadence(store: Store) -> dict[str, int | None]:
    """Each source's expected cadence in days: the admin's setting, else the default."""
    out = dict(DEFAULT_CADENCE_DAYS)
    for key, value in store.query("SELECT key, value FROM app_meta WHERE key LIKE ?", [CADENCE_KEY + "%"]):
        out[str(key)[len(CADENCE_KEY):]] = None if value in ("", "none") else int(value)
    return out


def set_cadence(store: Store, who: str, source: str, days: int | None) -> None:
    """An admin's expected cadence for a source (None: whenever it comes)."""
    with store.transaction() as tx:
        tx.execute("INSERT OR REPLACE INTO app_meta (key, value) VALUES (?, ?)",
                   [CADENCE_KEY + source, "none" if days is None else str(int(days))])
        audit.record(tx, who, "import_source", source, "set_cadence", "whenever" if days is None else f"{days} days")


@dataclass(frozen=True)
class Freshness:
    """A source: when it last arrived in a successful import, how many rows, and whether it is late."""

    source: str
    last_import: dt.datetime | None
    rows: int
    expected_days: int | None
    late: bool


def freshness(store: Store, now: dt.datetime) -> list[Freshness]:
    """Every source with its last successful import; late when older than its cadence (or never seen)."""
    last = {str(r[0]): (r[1], int(r[2])) for r in store.query(
        "SELECT source, max(started_at), arg_max(n, started_at) FROM "
        "(SELECT unnest(sources) AS source, unnest(source_rows) AS n, started_at FROM import_runs "
        " WHERE outcome = 'imported') GROUP BY source")}
    out = []
    for source, days in cadence(store).items():
        at, rows = last.get(source, (None, 0))
        late = days is not None and (at is None or now - at > dt.timedelta(days=days))
        out.append(Freshness(source, at, rows, days, late))
    return out
