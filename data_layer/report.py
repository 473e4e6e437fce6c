"""`learning-culture report`: every metric of DOMAIN.md for one filter, as JSON or a Markdown digest.

Keys are DOMAIN.md's metric names. Rates are fractions (null with a zero denominator);
every rate over deals also has `<name>_n` and `<name>_ci` ([low, high], Wilson 95 %).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from data_layer import metrics as m
from data_layer.filters import Filter
from data_layer.stats import DealRate, Rate
from data_layer.store import Store
from data_layer.vocabulary import BARRIERS

DEAL_RATES: tuple[str, ...] = (
    "win_rate", "win_rate_partner", "win_rate_no_partner", "partner_involvement_rate",
    "win_rate_before_joining", "win_rate_after_joining",
)


def _rate(value: Rate) -> float | None:
    return value.value


def build_report(store: Store, filt: Filter) -> dict[str, Any]:
    """All metrics for `filt`, JSON-ready, keyed by their DOMAIN.md names."""
    out: dict[str, Any] = {}
    out["members"] = m.members(store, filt)
    out["assessed_rate"] = _rate(m.assessed_rate(store, filt))
    out["active_rate_28d"] = _rate(m.active_rate_28d(store, filt))
    out["funnel"] = m.funnel(store, filt)
    out["outreach_within_24h_rate"] = _rate(m.outreach_within_24h_rate(store, filt))
    out["median_hours_to_outreach"] = m.median_hours_to_outreach(store, filt)
    out["weekly_active"] = [
        {"week": w.week, "week_start": w.week_start.isoformat(), "active": w.active, "members": w.members,
         "rate": w.rate}
        for w in m.weekly_active(store, filt)
    ]
    out["barrier_prevalence"] = {code: rate.value for code, rate in m.barrier_prevalence(store, filt).items()}
    out["readiness"] = m.readiness(store, filt)
    out["readiness_lift"] = m.readiness_lift(store, filt)
    out["barriers_resolved_rate"] = _rate(m.barriers_resolved_rate(store, filt))
    deal_rates: dict[str, Callable[[Store, Filter], DealRate]] = {
        "win_rate": m.win_rate, "win_rate_partner": m.win_rate_partner,
        "win_rate_no_partner": m.win_rate_no_partner,
    }
    for name, fn in deal_rates.items():
        _put_deal_rate(out, name, fn(store, filt))
    wp, wn = out["win_rate_partner"], out["win_rate_no_partner"]
    out["win_rate_lift"] = None if wp is None or wn is None else wp - wn
    _put_deal_rate(out, "partner_involvement_rate", m.partner_involvement_rate(store, filt))
    out["avg_won_amount_partner"] = m.avg_won_amount_partner(store, filt)
    out["avg_won_amount_no_partner"] = m.avg_won_amount_no_partner(store, filt)
    out["median_cycle_days_partner"] = m.median_cycle_days_partner(store, filt)
    out["median_cycle_days_no_partner"] = m.median_cycle_days_no_partner(store, filt)
    _put_deal_rate(out, "win_rate_before_joining", m.win_rate_before_joining(store, filt))
    _put_deal_rate(out, "win_rate_after_joining", m.win_rate_after_joining(store, filt))
    out["lessons_published"] = m.lessons_published(store, filt)
    out["flop_share"] = _rate(m.flop_share(store, filt))
    out["postmortem_coverage"] = _rate(m.postmortem_coverage(store, filt))
    out["overdue_postmortems"] = [p.plan_id for p in m.overdue_postmortems(store, filt)]
    out["contributors"] = m.contributors(store, filt)
    out["action_followthrough"] = _rate(m.action_followthrough(store, filt))
    out["section_freshness"] = {
        s.section_id: {"label": s.label, "days": s.days, "owner_id": s.owner_id, "owner_name": s.owner_name}
        for s in m.section_freshness(store, filt)
    }
    return out


def _put_deal_rate(out: dict[str, Any], name: str, rate: DealRate) -> None:
    out[name] = rate.value
    out[f"{name}_n"] = rate.n
    ci = rate.ci
    out[f"{name}_ci"] = None if ci is None else [ci[0], ci[1]]


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value * 100:.0f}%"


def _deal(report: dict[str, Any], name: str) -> str:
    n = report[f"{name}_n"]
    if n == 0:
        return "no deals closed"
    if n < 10:
        return f"{_pct(report[name])} (too few deals, n = {n})"
    low, high = report[f"{name}_ci"]
    return f"{_pct(report[name])} (n = {n:,}; 95% CI {_pct(low)}–{_pct(high)})"


def _num(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "no data" if value is None else f"{value:,.{digits}f}{unit}"


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
    lines = [
        "## Learning culture digest",
        f"_{_md_escape(describe_filter(filt))}_",
        "",
        "**Adoption**",
        f"- Members: {report['members']:,}; assessed {_pct(report['assessed_rate'])}; "
        f"active in the last 28 days {_pct(report['active_rate_28d'])}",
        f"- Funnel: enrolled {f['enrolled']:,} → assessed {f['assessed']:,} → introduced {f['introduced']:,} → "
        f"engaged {f['engaged']:,} → tool adopted {f['tool_adopted']:,} → win shared {f['win_shared']:,} → "
        f"partner win {f['partner_win']:,}",
        f"- Outreach within 24 h of an assessment: {_pct(report['outreach_within_24h_rate'])} "
        f"(median {_num(report['median_hours_to_outreach'], 1, ' h')})",
        "",
        "**Barriers and readiness**",
        "- Top barriers: " + (", ".join(f"{BARRIERS.get(c, c)} {_pct(v)}" for c, v in top_barriers) or "no data"),
        f"- Readiness {_num(report['readiness'])} / 100; lift {_num(report['readiness_lift'], 1, ' points')}; "
        f"barriers resolved {_pct(report['barriers_resolved_rate'])}",
        "",
        "**Win rates**",
        f"- With a partner: {_deal(report, 'win_rate_partner')}",
        f"- Without a partner: {_deal(report, 'win_rate_no_partner')}",
        f"- Before joining: {_deal(report, 'win_rate_before_joining')}; "
        f"after joining: {_deal(report, 'win_rate_after_joining')}",
        f"- Median cycle: {_num(report['median_cycle_days_partner'], 0, ' days')} with a partner, "
        f"{_num(report['median_cycle_days_no_partner'], 0, ' days')} without",
        "",
        "**Learning health**",
        f"- Lessons published: {report['lessons_published']:,} ({_pct(report['flop_share'])} flops, "
        f"and that is healthy); contributors: {report['contributors']:,}",
        f"- Post-mortem coverage {_pct(report['postmortem_coverage'])}; overdue post-mortems: "
        f"{len(report['overdue_postmortems']):,}; action follow-through {_pct(report['action_followthrough'])}",
    ]
    return "\n".join(lines) + "\n"
