"""What a metric declaration is, and the lists derived from all of them.

A `Metric` says everything about one number or table: its name (DOMAIN.md's, the key of
`report --json`), label, definition, unit, the fact it aggregates (facts.py), its SQL
aggregate over that fact's rows of one window, how the value is decoded, and where it is
shown (pages, the Overview, the report). The engine (engine.py) builds every statement from
these; pages, the report, the (?) help texts and docs/metrics.md read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from data_layer.analytics.units import COUNT, DEAL_RATE, RATE, TABLE, Unit
from data_layer.domain.pages import PAGE, PAGES
from data_layer.domain.stats import DealRate, Rate


@dataclass(frozen=True)
class Metric:
    """One number or table, declared once."""

    name: str
    label: str
    definition: str
    unit: Unit
    fact: str = ""                    # the fact (facts.py) whose rows `value` aggregates
    value: str = ""                   # SQL aggregate over those rows, per window
    decode: Callable[[Any], Any] = lambda raw: raw
    derived_from: tuple[str, ...] = ()            # or: computed from these metrics' values...
    combine: Callable[..., Any] | None = None     # ...by this function
    pages: tuple[str, ...] = ()       # keys of the page table (data_layer/domain/pages.py) that show it
    overview: bool = False
    in_report: bool = True
    to_json: Callable[[Any], Any] | None = None   # the report's JSON value (default: by unit)
    note: str = ""                    # a sentence of caution shown under the number
    home: str = ""                    # the page to dig in from the Overview (default: its first page)

    @property
    def is_table(self) -> bool:
        return self.unit is TABLE

    def report_fields(self, result: Any) -> dict[str, Any]:
        """This metric's entries in `report --json`: a deal rate also has `<name>_n` and `<name>_ci`."""
        if self.to_json is not None:
            return {self.name: self.to_json(result)}
        if isinstance(result, DealRate):
            ci = result.ci
            return {self.name: result.value, f"{self.name}_n": result.n,
                    f"{self.name}_ci": None if ci is None else [ci[0], ci[1]]}
        if isinstance(result, Rate):
            return {self.name: result.value}
        return {self.name: result}


# ------------------------------------------------------------------------------ decoders
def as_count(raw: Any) -> int:
    return int(raw or 0)


def as_number(raw: Any) -> float | None:
    return None if raw is None else float(raw)


def as_rate(raw: Mapping[str, Any] | None) -> Rate:
    return Rate(0, 0) if raw is None else Rate(int(raw["num"] or 0), int(raw["den"] or 0))


def as_deal_rate(raw: Mapping[str, Any] | None) -> DealRate:
    return DealRate(0, 0) if raw is None else DealRate(int(raw["num"] or 0), int(raw["den"] or 0))


def rate_sql(numerator: str, of: str = "TRUE") -> str:
    """A rate's SQL: rows matching `numerator` among the rows matching `of`."""
    return f"{{'num': count(*) FILTER (WHERE ({of}) AND ({numerator})), 'den': count(*) FILTER (WHERE {of})}}"


@dataclass(frozen=True)
class TableDecoder:
    """Decodes a list of structs into a DataFrame with these columns and dtypes ("date" = calendar day)."""

    columns: dict[str, str]
    then: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    def __call__(self, raw: Sequence[Mapping[str, Any]] | None) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(list(raw or []), columns=list(self.columns))
        for column, dtype in self.columns.items():
            if dtype in ("date", "datetime"):
                frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
            elif dtype != "object":
                frame[column] = frame[column].astype(cast(Any, dtype))
        return self.then(frame) if self.then is not None else frame


def frame_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as the report's JSON: one object per row, dates as ISO text, missing values as null."""
    out = []
    for row in frame.to_dict("records"):
        item: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
                item[str(key)] = None
            elif isinstance(value, pd.Timestamp | dt.date):
                item[str(key)] = value.date().isoformat() if isinstance(value, pd.Timestamp) else value.isoformat()
            elif hasattr(value, "item"):
                item[str(key)] = value.item()  # numpy scalar
            else:
                item[str(key)] = value
        out.append(item)
    return out


def records(kind: type) -> Callable[[Sequence[Mapping[str, Any]] | None], list[Any]]:
    """Decodes a list of structs into a list of `kind` (a dataclass with those fields)."""
    def decode(raw: Sequence[Mapping[str, Any]] | None) -> list[Any]:
        return [kind(**dict(x)) for x in raw or []]
    return decode


@dataclass(frozen=True)
class WeekActivity:
    """One ISO week of the window: members active that week out of all members."""

    week: str          # ISO week label, e.g. 2026-W10
    week_start: dt.date
    active: int
    members: int

    @property
    def rate(self) -> float | None:
        return None if self.members == 0 else self.active / self.members


@dataclass(frozen=True)
class OverduePlan:
    """A plan that ended over 14 days ago with no lesson at all."""

    plan_id: str
    name: str
    section: str
    ends_on: dt.date
    owner_id: str
    owner_name: str | None


@dataclass(frozen=True)
class SectionFreshness:
    """A section of the Book of Learning: days since its latest published lesson, and its learner."""

    section_id: str
    label: str
    days: int | None
    owner_id: str | None
    owner_name: str | None


# ----------------------------------------------------------------------------- the index
@dataclass
class Registry:
    """Every declared metric, in declaration order, with the lists derived from them."""

    metrics: dict[str, Metric] = field(default_factory=dict)

    def add(self, metric: Metric) -> Metric:
        if metric.name in self.metrics:
            raise ValueError(f"{metric.name} is declared twice")
        for dep in metric.derived_from:
            if dep not in self.metrics:
                raise ValueError(f"{metric.name} is derived from {dep}, which is not declared before it")
        for page in (*metric.pages, *([metric.home] if metric.home else [])):
            if page not in PAGE:
                raise ValueError(f"{metric.name} is shown on {page}, which is not in the page table")
        self.metrics[metric.name] = metric
        return metric

    def __getitem__(self, name: str) -> Metric:
        return self.metrics[name]

    def __contains__(self, name: object) -> bool:
        return name in self.metrics

    def page(self, page: str) -> tuple[str, ...]:
        """The names a page shows, in declaration order."""
        return tuple(m.name for m in self.metrics.values() if page in m.pages)

    @property
    def pages(self) -> tuple[str, ...]:
        """The keys of the pages that show declared metrics (read in one statement each), in the table's order."""
        shown = {p for m in self.metrics.values() for p in m.pages}
        return tuple(p.key for p in PAGES if p.key in shown)

    @property
    def overview(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics.values() if m.overview)

    @property
    def report(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics.values() if m.in_report)

    def declare(self, name: str, label: str, definition: str, unit: Unit = COUNT, **kw: Any) -> Metric:
        """Declare a metric (see Metric for the fields); the decoder follows from the unit unless given."""
        defaults = {RATE.name: as_rate, DEAL_RATE.name: as_deal_rate, COUNT.name: as_count}
        kw.setdefault("decode", defaults.get(unit.name, as_number))
        return self.add(Metric(name, label, " ".join(definition.split()), unit, **kw))
