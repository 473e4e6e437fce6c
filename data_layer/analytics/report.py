"""`learning-culture report`: every metric of DOMAIN.md for one filter, as JSON or a Markdown digest.

Keys are DOMAIN.md's metric names, derived from the declarations (data_layer/analytics/catalog.py). Rates are fractions (null with a zero denominator);
every rate over deals also has `<name>_n` and `<name>_ci` ([low, high], Wilson 95 %).
"""

from __future__ import annotations

from typing import Any

from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.engine import evaluate
from data_layer.analytics.units import RATE
from data_layer.db.store import Store
from data_layer.domain.filters import Filter
from data_layer.domain.stats import TOO_FEW_DEALS
from data_layer.domain.vocabulary import BARRIERS


def build_report(store: Store, filt: Filter) -> dict[str, Any]:
    """Every metric declared for the report (catalog.py), JSON-ready, keyed by its DOMAIN.md name; one statement."""
    values = evaluate(store, filt, REGISTRY.report)
    out: dict[str, Any] = {}
    for name, value in values.items():
        out.update(REGISTRY[name].report_fields(value))
    return out


def _shown(report: dict[str, Any], name: str) -> str:
    """A report value as its declaration's unit reads it (the same text as on the pages)."""
    return REGISTRY[name].unit.text(report[name])


def _deal(report: dict[str, Any], name: str) -> str:
    n = report[f"{name}_n"]
    if n == 0:
        return "no deals closed"
    if n < TOO_FEW_DEALS:
        return f"{_shown(report, name)} (too few deals, n = {n})"
    low, high = report[f"{name}_ci"]
    unit = REGISTRY[name].unit
    return f"{_shown(report, name)} (n = {n:,}; 95% CI {unit.text(low)}–{unit.text(high)})"


def describe_filter(filt: Filter) -> str:
    """One line saying what the numbers cover."""
    parts = [f"{filt.date_from.isoformat()} to {filt.date_to.isoformat()}"]
    parts.append("cohorts " + ", ".join(filt.cohorts) if filt.cohorts else "all cohorts")
    for label, values in (("team", filt.teams), ("region", filt.regions), ("role", filt.roles)):
        if values:
            parts.append(f"{label} " + ", ".join(values))
    return " · ".join(parts)


def _md_escape(text: str) -> str:
    # Names come from imported data: keep them from turning into Markdown or HTML.
    for ch in "\\`*_{}[]<>()#+!|":
        text = text.replace(ch, "\\" + ch)
    return text


def render_markdown(report: dict[str, Any], filt: Filter) -> str:
    """A digest a person can paste into a chat channel."""
    f = report["funnel"]
    top_barriers = sorted(
        ((code, v) for code, v in report["barrier_prevalence"].items() if v is not None),
        key=lambda kv: kv[1], reverse=True,
    )[:3]
    prevalence = RATE  # each barrier's prevalence is a rate
    lines = [
        "## Learning culture digest",
        f"_{_md_escape(describe_filter(filt))}_",
        "",
        "**Adoption**",
        f"- Members: {_shown(report, 'members')}; assessed {_shown(report, 'assessed_rate')}; "
        f"active in the last 28 days {_shown(report, 'active_rate_28d')}",
        f"- Funnel: enrolled {f['enrolled']:,} → assessed {f['assessed']:,} → introduced {f['introduced']:,} → "
        f"engaged {f['engaged']:,} → tool adopted {f['tool_adopted']:,} → win shared {f['win_shared']:,} → "
        f"partner win {f['partner_win']:,}",
        f"- Outreach within 24 h of an assessment: {_shown(report, 'outreach_within_24h_rate')} "
        f"(median {_shown(report, 'median_hours_to_outreach')})",
        "",
        "**Barriers and readiness**",
        "- Top barriers: " + (", ".join(f"{BARRIERS.get(c, c)} {prevalence.text(v)}" for c, v in top_barriers)
                              or "no data"),
        f"- Readiness {_shown(report, 'readiness')}; lift {_shown(report, 'readiness_lift')}; "
        f"barriers resolved {_shown(report, 'barriers_resolved_rate')}",
        "",
        "**Win rates**",
        f"- With a partner: {_deal(report, 'win_rate_partner')}",
        f"- Without a partner: {_deal(report, 'win_rate_no_partner')}",
        f"- Before joining: {_deal(report, 'win_rate_before_joining')}; "
        f"after joining: {_deal(report, 'win_rate_after_joining')}",
        f"- Median cycle: {_shown(report, 'median_cycle_days_partner')} with a partner, "
        f"{_shown(report, 'median_cycle_days_no_partner')} without",
        "",
        "**Learning health**",
        f"- Lessons published: {_shown(report, 'lessons_published')} ({_shown(report, 'flop_share')} flops, "
        f"and that is healthy); contributors: {_shown(report, 'contributors')}",
        f"- Post-mortem coverage {_shown(report, 'postmortem_coverage')}; overdue post-mortems: "
        f"{len(report['overdue_postmortems']):,}; action follow-through {_shown(report, 'action_followthrough')}",
    ]
    return "\n".join(lines) + "\n"
