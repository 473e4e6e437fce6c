"""Builds and runs the statements for any set of declared metrics, over one window or several.

`evaluate(store, filt, names)` is what a page, the report and a single metric all call: the
metrics are grouped by the fact they aggregate, each group becomes one SELECT over that fact
(one per window `k`), and the groups are glued into one statement over the facts they need
(facts.py; a fact read twice is materialised). `evaluate_windows` runs the same SQL over
several consecutive windows for the Overview's trends. Nothing here knows a metric by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.facts import FACTS, ORDER
from data_layer.analytics.registry import Metric
from data_layer.analytics.sql import parameters, with_ctes
from data_layer.db.store import Store
from data_layer.domain.filters import Filter


def _with_dependencies(names: Iterable[str]) -> list[Metric]:
    out: dict[str, Metric] = {}

    def visit(name: str) -> None:
        metric = REGISTRY[name]  # KeyError for a name that is not declared: nothing else can run
        for dep in metric.derived_from:
            visit(dep)
        out.setdefault(name, metric)

    for name in names:
        visit(name)
    return list(out.values())


def facts_for(roots: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    """The facts `roots` read (with what those read), in declaration order, and how many readers each has."""
    needed: set[str] = set()
    readers: dict[str, int] = {}

    def visit(name: str) -> None:
        if name in needed:
            return
        needed.add(name)
        for dep in FACTS[name].needs:
            readers[dep] = readers.get(dep, 0) + 1
            visit(dep)

    for root in roots:
        readers[root] = readers.get(root, 0) + 1
        visit(root)
    return sorted(needed, key=ORDER.__getitem__), readers


def statement(names: Sequence[str]) -> tuple[str, list[str], list[list[Metric]]]:
    """The SQL computing `names` (their facts and one part per fact), and the metrics of each part."""
    metrics = [m for m in _with_dependencies(names) if m.combine is None]
    groups: dict[str, list[Metric]] = {}
    for metric in metrics:
        groups.setdefault(metric.fact, []).append(metric)
    facts, readers = facts_for(list(groups))
    ctes = with_ctes([(f, FACTS[f].sql, FACTS[f].always_materialized or readers.get(f, 0) > 1) for f in facts])
    parts = []
    for fact, members in groups.items():
        values = ", ".join(f"{m.value} AS {m.name}" for m in members)
        # `fact` and the names are declared identifiers; values are our constant SQL (catalog.py).
        parts.append(f"SELECT list(x ORDER BY x.k) FROM (SELECT k, {values} FROM {fact} GROUP BY k) x")  # noqa: S608
    return ctes, parts, list(groups.values())


def one_row(store: Store, ctes: str, parts: Sequence[str], params: dict[str, Any]) -> list[Any]:
    """Evaluate each single-value SELECT in `parts` (over the shared `ctes`) in one statement.

    The parts are glued with UNION ALL BY NAME (one row each, its value in its own column),
    not as scalar subqueries of one SELECT: DuckDB would cross-join those into one big join
    graph whose join-order search alone takes ~20 ms; each union branch is planned on its own.
    """
    sql = ctes + "\nUNION ALL BY NAME\n".join(f"SELECT {i} AS k, ({part}) AS c{i}" for i, part in enumerate(parts))
    out: list[Any] = [None] * len(parts)
    for found in store.query(sql, params):
        out[int(found[0])] = found[1 + int(found[0])]
    return out


def evaluate_windows(store: Store, filt: Filter, names: Sequence[str], windows: int = 1) -> dict[str, list[Any]]:
    """name -> its value in each of `windows` consecutive windows ending with `filt`'s, oldest first."""
    ctes, parts, groups = statement(names)
    raw: dict[str, list[Any]] = {}
    results = one_row(store, ctes, parts, parameters(filt, windows)) if parts else []
    for members, rows in zip(groups, results, strict=True):
        by_window = {int(r["k"]): r for r in rows or []}
        for metric in members:
            raw[metric.name] = [metric.decode(by_window[k][metric.name] if k in by_window else None)
                                for k in range(windows)]
    for metric in _with_dependencies(names):
        if metric.combine is not None:
            inputs = [raw[d] for d in metric.derived_from]
            raw[metric.name] = [metric.combine(*(values[k] for values in inputs)) for k in range(windows)]
    return {name: raw[name] for name in names}


def evaluate(store: Store, filt: Filter, names: Sequence[str]) -> dict[str, Any]:
    """name -> value for the filter's window, all in one statement."""
    return {name: values[0] for name, values in evaluate_windows(store, filt, names).items()}


def evaluate_page(store: Store, filt: Filter, page: str) -> dict[str, Any]:
    """Everything a page shows (the metrics declared on it), in one statement."""
    return evaluate(store, filt, REGISTRY.page(page))
