"""Deterministic demo data telling the story of DOMAIN.md over 18 months (or as many as asked).

The story: most members get outreach within a day of their baseline assessment, some
wait days; activity ramps up over a cohort's first weeks, then some members go quiet;
barriers shrink between baseline and follow-up; partner-involved deals win more often
and close faster, and partner involvement grows after a seller joins a cohort;
published post-mortems include flops; some plans end with no post-mortem; some
follow-up actions are overdue. And every page has something to show: tests with stated
protocols and results, alerts, editors' notes on the trends (showcase.py).

draws.py draws the rows (NumPy, one seeded generator, no per-row loops), writing.py inserts
them (DuckDB, from registered DataFrames). The same seed, `today` and months give the same database.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

from data_layer.access.auth import create_demo_users
from data_layer.db.audit import record
from data_layer.db.store import Store
from data_layer.db.summaries import refresh as refresh_summaries
from data_layer.db.summaries import refresh_assessments, refresh_deals
from data_layer.demo import showcase
from data_layer.demo.draws import MONTH_DAYS, SCALES, Draws, Progress, Scale
from data_layer.demo.writing import write_all, write_section_owners
from data_layer.domain.errors import StoreError

__all__ = ["DATA_TABLES", "DEFAULT_MONTHS", "SCALES", "Scale", "generate_demo", "has_data"]

DEFAULT_MONTHS = 18

# Tables the demo fills, in the order they are cleared and written.
DATA_TABLES = (
    "people", "cohorts", "memberships", "events", "assessments", "assessment_scores",
    "deals", "plans", "lessons", "actions", "objects", "event_texts",
    *showcase.TABLES,
)


def has_data(store: Store) -> bool:
    """True when the database already holds people or events."""
    return bool(store.query_value("SELECT (SELECT count(*) FROM people) + (SELECT count(*) FROM events)"))


def generate_demo(
    store: Store,
    *,
    scale: str = "demo",
    seed: int = 7,
    today: dt.date | None = None,
    months: int = DEFAULT_MONTHS,
    outbox: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Fill `store` with demo data over `months` of history up to `today`; return the row count of each table.

    `outbox` is where the demo's alerts send (`file:/path`; None: no alerts are defined)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if not 6 <= months <= 60:
        raise ValueError("months must be 6 to 60")
    if has_data(store) and not replace:
        raise StoreError("This database already has data; pass --replace to overwrite it with demo data.")
    say = progress or (lambda _msg: None)
    size = SCALES[scale]
    today = today or dt.date.today()
    gen = Draws(size, np.random.default_rng(seed), today, round(months * MONTH_DAYS), say)
    started = time.perf_counter()
    with store.transaction() as tx:
        for table in DATA_TABLES:
            tx.execute(f"DELETE FROM {table}")  # noqa: S608 - table names from DATA_TABLES
        write_all(gen, tx)
        tx.execute("UPDATE sections SET owner_id = NULL")
        write_section_owners(gen, tx)
        showcase.write(tx, today, outbox)
        create_demo_users(tx)
        refresh_summaries(tx)
        refresh_assessments(tx)
        refresh_deals(tx)
        record(tx, "demo", "import", scale, "demo", f"seed {seed}, today {today.isoformat()}, {months} months")
        for key, value in (("demo", "true"), ("demo_scale", scale), ("demo_seed", str(seed)),
                           ("demo_today", today.isoformat())):
            tx.execute("INSERT OR REPLACE INTO app_meta (key, value) VALUES (?, ?)", [key, value])
    store.checkpoint()
    say(f"done in {time.perf_counter() - started:.1f} s")
    counts = {t: int(store.query_value(f"SELECT count(*) FROM {t}")) for t in DATA_TABLES}  # noqa: S608
    return counts
