"""What the digest says about acting on the numbers: the outreach queue now, and goals that turned behind."""

from __future__ import annotations

import datetime as dt

from data_layer.acting import goals, outreach
from data_layer.analytics.catalog import REGISTRY
from data_layer.db.store import Store


def digest_lines(store: Store, since: dt.date, today: dt.date, now: dt.datetime) -> list[str]:
    """Plain sentences (our own words and metric labels only) for the digest's "Outreach and goals" part."""
    counts = outreach.counts(store, now)
    lines = [f"Waiting for outreach: {counts.size:,} ({counts.breaches:,} past 24 hours)"]
    behind = goals.turned_behind(store, since, today)
    for progress in behind:
        unit = REGISTRY[progress.metric].unit
        lines.append(f"Goal turned behind: {REGISTRY[progress.metric].label} "
                     f"{goals.DIRECTIONS[progress.direction]} {unit.text(progress.target)} by "
                     f"{progress.due_on:%d %b %Y} (now {unit.text(progress.value)}, path {unit.text(progress.expected)})")
    if not behind:
        lines.append("No goal turned behind.")
    return lines
