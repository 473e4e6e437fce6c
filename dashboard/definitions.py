"""The headline numbers as tiles show them: label, unit, (?) help and where to dig in.

Everything is read from the metric declarations (data_layer/analytics/catalog.py): a tile's
words and format are never written here.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.units import Unit
from data_layer.domain.pages import PAGE


@dataclass(frozen=True)
class Kpi:
    """A headline number: which metric, how it reads, what it means, where to dig in."""

    key: str
    label: str
    unit: Unit
    help: str
    page: str
    page_label: str

    @classmethod
    def of(cls, name: str) -> Kpi:
        metric = REGISTRY[name]
        home = metric.home or (metric.pages[0] if metric.pages else "")
        page = PAGE.get(home)
        return cls(name, metric.label, metric.unit, metric.definition, page.file if page else "",
                   page.title if page else "")


OVERVIEW_KPIS: tuple[Kpi, ...] = tuple(Kpi.of(name) for name in REGISTRY.overview)


def definition(name: str) -> str:
    """A declared metric's definition: the (?) help of its section or table."""
    return REGISTRY[name].definition
