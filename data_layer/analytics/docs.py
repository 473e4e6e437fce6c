"""docs/metrics.md: every metric's definition, unit, place and SQL, generated from the declarations.

`python -m data_layer.analytics.docs` (or `make docs`) rewrites the file; a test checks it is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from data_layer.analytics.catalog import GOAL_PROGRESS, REGISTRY
from data_layer.analytics.engine import facts_for
from data_layer.analytics.facts import FACTS
from data_layer.analytics.registry import Metric
from data_layer.domain.pages import PAGE
from data_layer.domain.stats import TOO_FEW_DEALS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def _where(metric: Metric) -> str:
    places = [PAGE[p].title for p in metric.pages] + (["Overview"] if metric.overview else [])
    places += ["`report --json`"] if metric.in_report else []
    return ", ".join(places) or "nowhere yet"


def _sql(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines)


def render() -> str:
    """The whole page, deterministic (declaration order)."""
    out = [
        "# Metrics",
        "",
        "<!-- Generated from data_layer/analytics/catalog.py by `make docs`; do not edit by hand. -->",
        "",
        "Every number the dashboard shows, as declared once in `data_layer/analytics/catalog.py`.",
        "A metric aggregates the rows of one *fact* (a named SQL table expression in",
        "`data_layer/analytics/facts.py`) per window `k`; pages, the Overview's trends, the",
        "(?) help and `learning-culture report --json` are all computed from these declarations.",
        "Rates are fractions 0..1 shown as %; a rate with a zero denominator is null and reads",
        "\"no data\"; a rate over deals also carries n and its 95 % Wilson interval, and with",
        f"n < {TOO_FEW_DEALS} the page says \"too few deals (n = k)\".",
        "",
        "| name | label | unit | shown on |",
        "|---|---|---|---|",
    ]
    for metric in REGISTRY.metrics.values():
        out.append(f"| [`{metric.name}`](#{metric.name}) | {metric.label} | {metric.unit.name} | {_where(metric)} |")
    for metric in REGISTRY.metrics.values():
        out += ["", f"## {metric.name}", "", f"**{metric.label}**: {metric.definition}", "",
                f"- unit: {metric.unit.name}", f"- shown on: {_where(metric)}"]
        if metric.combine is not None:
            out.append(f"- computed from: {', '.join(f'`{d}`' for d in metric.derived_from)} "
                       f"({(metric.combine.__doc__ or metric.combine.__name__).strip()})")
        else:
            facts, _ = facts_for([metric.fact])
            out += [f"- fact: `{metric.fact}` (reads {', '.join(f'`{f}`' for f in facts if f != metric.fact)})",
                    "", "```sql", f"SELECT k, {metric.value} FROM {metric.fact} GROUP BY k", "```"]  # noqa: S608 (text)
    out += ["", "## Goal progress", "", GOAL_PROGRESS, "",
            "- shown on: Overview (tiles of the view a goal covers), Goals, the digest, `report --json` (`goals`)"]
    out += ["", "# Facts", "", "Each is a CTE of the statement that needs it; `k` is the window number, "
            "`w_from`/`w_to` its days.", ""]
    for fact in FACTS.values():
        reads = f" (reads {', '.join(f'`{n}`' for n in fact.needs)})" if fact.needs else ""
        out += [f"## fact `{fact.name}`{reads}", "", "```sql", _sql(fact.sql), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def table() -> str:
    """One line per metric for a terminal: name, unit, label and definition."""
    rows = []
    for metric in REGISTRY.metrics.values():
        rows.append(f"{metric.name:<32} {metric.unit.name:<24} {metric.label}\n{'':<32} {metric.definition}\n")
    return "".join(rows)


def main(argv: list[str] | None = None) -> int:
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
