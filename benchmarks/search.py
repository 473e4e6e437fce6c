"""Book of Learning search speed on the enterprise demo (50,000 lessons): 20 queries, p50 / p95.

Run: .venv/bin/python benchmarks/search.py [--db benchmarks/enterprise.duckdb]
(builds the enterprise demo database first if the file does not exist: about 20 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time
from pathlib import Path

from data_layer.book import library
from data_layer.db.migrations import open_database
from data_layer.demo.generator import generate_demo

QUERIES = [
    "co-sell", "partner discount", "tracking links", "email flopped", "webinar", "landing page conversion",
    "analyst briefing", "quarter", "regional champions", "tutorial tool", "seo keyphrases", "pricing promotion",
    "linkedin advocacy", "headline", "sales play cycle", "account mapping partners", "nurture", "worked",
    "inconclusive tracking", "integrations messaging",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="benchmarks/enterprise.duckdb")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    path = Path(args.db)
    with open_database(path) as store:
        if not store.query_value("SELECT count(*) FROM lessons"):
            print("building the enterprise demo database ...", flush=True)
            generate_demo(store, scale="enterprise", seed=7, today=dt.date(2026, 11, 22))
        lessons = store.query_value("SELECT count(*) FROM lessons")
        library.search(store, "warm up")
        timings: list[float] = []
        for query in QUERIES:
            for _ in range(args.repeats):
                started = time.perf_counter()
                found = library.search(store, query)
                timings.append((time.perf_counter() - started) * 1000)
            print(f"  {query!r:<32} {len(found):>3} results  {timings[-1]:6.1f} ms", flush=True)
        related_ms = []
        for query in QUERIES[:10]:
            started = time.perf_counter()
            library.related(store, "partnerships", ["co-sell"], query)
            related_ms.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"\nsearch over {lessons:,} lessons, {len(timings)} runs: p50 {statistics.median(timings):.1f} ms, "
          f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    print(f"related lessons: p50 {statistics.median(related_ms):.1f} ms over {len(related_ms)} runs")
    print(f"machine: {platform.machine()}, python {platform.python_version()}")


if __name__ == "__main__":
    main()
