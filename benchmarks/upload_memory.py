"""Resident memory of one process around one large import, as the server runs it (in-process, no Streamlit).

Run: .venv/bin/python benchmarks/upload_memory.py --db COPY.duckdb FILE [--dry-run]

Opens the database as the server does (500 MB DuckDB limit), imports FILE through the import
operation (the one place every door goes through), then does what the server's memory
hand-back does (gc.collect + malloc_trim) and reports RSS before, at its peak, right after, 5 s after and
after the trim.
Use a copy of the database: a real run writes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.serve import _malloc_trim  # noqa: E402
from data_layer.access.auth import local_actor  # noqa: E402
from data_layer.db.migrations import open_database  # noqa: E402
from data_layer.db.store import MEMORY_ENV  # noqa: E402
from data_layer.operations.base import Door  # noqa: E402
from data_layer.operations.imports import ImportParams, import_data  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("file")
    args = parser.parse_args()
    os.environ.setdefault(MEMORY_ENV, "500MB")
    store = open_database(args.db)
    store.query("SELECT count(*) FROM events")
    before = rss_mb()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.1):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    outcome = import_data(store, local_actor("cli", "benchmark", "benchmark"), Door("api", (Path(args.file),)),
                          ImportParams(dry_run=args.dry_run))
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    after = rss_mb()
    time.sleep(5)  # DuckDB's allocator purges freed pages in background threads
    after_5s = rss_mb()
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    print(json.dumps({"file": Path(args.file).name, "dry_run": args.dry_run, "rows": outcome.rows,
                      "seconds": round(seconds, 1), "rss_before_mb": round(before), "peak_rss_mb": round(peak[0]),
                      "rss_after_mb": round(after), "rss_after_5s_mb": round(after_5s), "rss_after_trim_mb": round(rss_mb()),
                      "duckdb_mb": round(store.query_value("SELECT sum(memory_usage_bytes) FROM duckdb_memory()")
                                         / 2**20),
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))


if __name__ == "__main__":
    main()
