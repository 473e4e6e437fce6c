"""Every page's data loading on the enterprise demo, for filters it has not seen (no cache).

Run: .venv/bin/python benchmarks/pages.py [--db benchmarks/enterprise.duckdb] [--filters 20]
Each page's loads are exactly the metric and breakdown calls the page makes (see PAGES);
filters are random: 1 to 50 cohorts (or all), windows of 30 to 365 days, some with a team or region.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

from data_layer import breakdowns, metrics
from data_layer.demo import generate_demo
from data_layer.filters import Filter
from data_layer.report import build_report
from data_layer.store import Store

TODAY = dt.date(2026, 11, 22)
OVERVIEW = ("members", "assessed_rate", "active_rate_28d", "outreach_within_24h_rate", "readiness_lift",
            "postmortem_coverage", "win_rate_partner", "win_rate_no_partner", "lessons_published")


def overview(store: Store, f: Filter) -> None:
    metrics.overview_grid(store, f)  # the tiles' value, change and six-window trend, as the page loads them


def calls(*names: str) -> Callable[[Store, Filter], None]:
    def run(store: Store, f: Filter) -> None:
        for name in names:
            fn = getattr(metrics, name, None) or getattr(breakdowns, name)
            fn(store, f)
    return run


PAGES: dict[str, Callable[[Store, Filter], Any]] = {
    "overview": overview,
    "adoption": calls("members", "active_rate_28d", "outreach_within_24h_rate", "median_hours_to_outreach", "funnel",
                      "weekly_active", "cohort_table", "at_risk_members"),
    "barriers": calls("barrier_prevalence", "readiness", "readiness_lift", "barriers_resolved_rate",
                      "barrier_baseline_vs_follow_up", "barrier_prevalence_by_cohort", "readiness_by_dimension",
                      "barrier_notes"),
    "win_rates": calls("win_rate", "win_rate_partner", "win_rate_no_partner", "win_rate_lift", "partner_involvement_rate",
                       "win_rate_sourced", "win_rate_influenced", "avg_won_amount_partner", "avg_won_amount_no_partner",
                       "median_cycle_days_partner", "median_cycle_days_no_partner", "win_rate_before_joining",
                       "win_rate_after_joining", "win_rate_by_month", "win_rate_by_cohort"),
    "learning_health": calls("lessons_published", "flop_share", "postmortem_coverage", "contributors",
                             "action_followthrough", "lessons_by_month", "recent_flops", "overdue_postmortems",
                             "section_freshness"),
    "report --json": build_report,
}


def random_filters(store: Store, n: int, seed: int) -> list[Filter]:
    rng = random.Random(seed)
    cohorts = [r[0] for r in store.query("SELECT cohort_id FROM cohorts")]
    teams = [r[0] for r in store.query("SELECT DISTINCT team FROM people WHERE team IS NOT NULL")]
    regions = [r[0] for r in store.query("SELECT DISTINCT region FROM people WHERE region IS NOT NULL")]
    out = []
    for i in range(n):
        days = rng.randint(30, 365)
        end = TODAY - dt.timedelta(days=rng.randint(0, 120))
        picked = tuple(rng.sample(cohorts, rng.randint(1, 50))) if i % 5 else ()
        out.append(Filter(end - dt.timedelta(days=days - 1), end, TODAY, cohorts=picked,
                          teams=(rng.choice(teams),) if i % 4 == 1 else (),
                          regions=(rng.choice(regions),) if i % 4 == 2 else ()))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="benchmarks/enterprise.duckdb")
    parser.add_argument("--filters", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    with Store(args.db) as store:
        if not store.query_value("SELECT count(*) FROM events"):
            generate_demo(store, scale="enterprise", seed=7, today=TODAY)
        filters = random_filters(store, args.filters, args.seed)
        PAGES["overview"](store, Filter.last_days(90, today=TODAY))  # warm the file cache, not any result cache
        results = {}
        for page, load in PAGES.items():
            times = []
            for f in filters:
                started = time.perf_counter()
                load(store, f)
                times.append((time.perf_counter() - started) * 1000)
            results[page] = {"p50_ms": statistics.median(times), "p95_ms": pct(times, 0.95), "max_ms": max(times)}
            print(f"{page:<16} p50 {results[page]['p50_ms']:8.1f} ms   p95 {results[page]['p95_ms']:8.1f} ms", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB; {args.filters} filters; {platform.machine()}, python {platform.python_version()}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"pages": results, "peak_rss_mb": peak, "filters": args.filters}, handle, indent=2)


if __name__ == "__main__":
    main()
