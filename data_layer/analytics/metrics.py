"""The Overview's multi-window grid and its window list.

A single metric's value is `engine.evaluate(store, filt, [name])[name]`, by its declared name
(catalog.py): no metric exists as a function of its own.
"""

from __future__ import annotations

from typing import Any

from data_layer.analytics.catalog import FUNNEL_STAGES, REGISTRY
from data_layer.analytics.engine import evaluate_windows
from data_layer.analytics.registry import OverduePlan, SectionFreshness, WeekActivity
from data_layer.analytics.sql import trend_windows
from data_layer.db.store import Store
from data_layer.domain.filters import Filter

__all__ = ["FUNNEL_STAGES", "OVERVIEW_KEYS", "OverduePlan", "SectionFreshness", "WeekActivity", "overview_grid",
           "trend_windows"]

OVERVIEW_KEYS: tuple[str, ...] = REGISTRY.overview


def overview_grid(store: Store, filt: Filter, windows: int = 6) -> dict[str, list[Any]]:
    """Each Overview KPI over `windows` consecutive windows ending with `filt`'s, oldest first (one statement)."""
    return evaluate_windows(store, filt, OVERVIEW_KEYS, windows)

