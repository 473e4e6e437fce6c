"""Every page's data loading on the enterprise demo, for filters it has not seen (no cache).

Run: make benchmark  (or .venv/bin/python benchmarks/pages.py [--db benchmarks/enterprise.duckdb] [--filters 20])
Builds the enterprise demo database first when the file has no events (about 20 s), then
times each page's loads exactly as the page makes them (see PAGES), `report --json`, and 20
Book of Learning searches; then the pandas baseline on the same filters in its own process.
Filters are random: 1 to 50 cohorts (or all), windows of 30 to 365 days, some with a team or region.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from data_layer.analytics import engine, metrics
from data_layer.analytics.report import build_report
from data_layer.book import library
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.demo.generator import generate_demo
from data_layer.domain.filters import Filter

TODAY = dt.date(2026, 11, 22)


def overview(store: Store, f: Filter) -> None:
    metrics.overview_grid(store, f)  # the tiles' value, change and six-window trend, as the page loads them


def calls(page: str) -> Callable[[Store, Filter], None]:
    def run(store: Store, f: Filter) -> None:
        engine.evaluate_page(store, f, page)  # exactly what the page loads, as it loads it
    return run


PAGES: dict[str, Callable[[Store, Filter], Any]] = {
    "overview": overview,
    "adoption": calls("adoption"),
    "barriers": calls("barriers"),
    "win_rates": calls("win_rates"),
    "learning_health": calls("learning_health"),
    "tools": calls("tools"),
    "voice": calls("voice"),
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
    parser.add_argument("--no-baseline", action="store_true", help="skip the pandas baseline")
    args = parser.parse_args()
    with open_database(args.db) as store:
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
        sys.path.insert(0, str(Path(__file__).parent))
        from search import QUERIES  # the same 20 queries as benchmarks/search.py

        library.search(store, "warm up")
        times = []
        for query in QUERIES:
            started = time.perf_counter()
            library.search(store, query)
            times.append((time.perf_counter() - started) * 1000)
        results["search"] = {"p50_ms": statistics.median(times), "p95_ms": pct(times, 0.95), "max_ms": max(times)}
        lessons = store.query_value("SELECT count(*) FROM lessons")
        print(f"{'search':<16} p50 {results['search']['p50_ms']:8.1f} ms   p95 {results['search']['p95_ms']:8.1f} ms"
              f"   ({len(QUERIES)} queries over {lessons:,} lessons)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB; {args.filters} filters; {platform.machine()}, python {platform.python_version()}")
    baseline = None
    if not args.no_baseline:
        print("\npandas baseline (same filters, in its own process) ...", flush=True)
        out = subprocess.run([sys.executable, str(Path(__file__).parent / "pandas_baseline.py"), "--db", args.db,
                              "--filters", str(args.filters), "--seed", str(args.seed)],
                             capture_output=True, text=True, check=True)
        baseline = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"pandas loaded the tables in {baseline['load_s']:.1f} s; peak RSS {baseline['peak_rss_mb']:,.0f} MB")
        print(f"{'page':<16} {'duckdb p50':>11} {'pandas p50':>11} {'ratio':>7}")
        for page, b in baseline["pages"].items():
            ours = results[page]["p50_ms"]
            print(f"{page:<16} {ours:9.1f} ms {b['p50_ms']:9.1f} ms {b['p50_ms'] / ours:6.1f}x")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"pages": results, "peak_rss_mb": peak, "filters": args.filters, "baseline": baseline,
                       "date": dt.date.today().isoformat(), "machine": platform.machine()}, handle, indent=2)


if __name__ == "__main__":
    main()
