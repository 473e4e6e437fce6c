"""Time `learning-culture demo --scale enterprise` into a fresh file; print wall time and peak memory.

Run: .venv/bin/python benchmarks/demo_generation.py [--db benchmarks/enterprise.duckdb]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import time
from pathlib import Path

from data_layer.db.migrations import open_database
from data_layer.demo.generator import generate_demo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="benchmarks/enterprise.duckdb")
    parser.add_argument("--today", default="2026-11-22")
    args = parser.parse_args()
    path = Path(args.db)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    with open_database(path) as store:
        counts = generate_demo(store, scale="enterprise", seed=7, today=dt.date.fromisoformat(args.today),
                               progress=lambda m: print(f"{time.perf_counter() - started:7.1f} s  {m}", flush=True))
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nenterprise demo: {wall:.1f} s wall, peak RSS {peak_mb:,.0f} MB, file {path.stat().st_size / 2**20:,.0f} MB")
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    for table, n in counts.items():
        print(f"  {table:<18} {n:>12,}")


if __name__ == "__main__":
    main()
