"""Bulk import speed: 10 million activity rows and 1 million deals from CSV into a fresh database.

Run: .venv/bin/python benchmarks/import_speed.py [--db benchmarks/enterprise.duckdb] [--work /tmp/lcd-import]
Exports the enterprise demo's files (building the demo first if needed), then imports people and
cohorts, then times activity.csv alone and deals.csv alone, each validated and upserted in full.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import time
from pathlib import Path

from data_layer.db.migrations import open_database
from data_layer.demo.generator import generate_demo
from data_layer.ingest.export import export
from data_layer.ingest.importer import import_files

# activity.csv of the enterprise demo is 716 MB: above the default per-file limit (200 MB, the
# same as Streamlit's upload limit); an enterprise admin raises it the same way for the CLI.
os.environ.setdefault("LEARNING_CULTURE_MAX_FILE_MB", "2000")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="benchmarks/enterprise.duckdb")
    parser.add_argument("--work", default="/tmp/lcd-import")
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    (work / "files").mkdir(parents=True)
    with open_database(args.db) as source:
        if not source.query_value("SELECT count(*) FROM events"):
            generate_demo(source, scale="enterprise", seed=7, today=dt.date(2026, 11, 22))
        started = time.perf_counter()
        export(source, work / "files", "csv")
        print(f"exported in {time.perf_counter() - started:.1f} s")
    files = work / "files"
    with open_database(work / "fresh.duckdb") as target:
        import_files(target, [files / "people.csv", files / "cohorts.csv"])
        for name in ("activity.csv", "deals.csv"):
            size = (files / name).stat().st_size / 2**20
            started = time.perf_counter()
            result = import_files(target, [files / name], progress=lambda m: print(f"    {m}", flush=True))
            took = time.perf_counter() - started
            rows = sum(result.rows.values())
            print(f"{name}: {rows:,} rows ({size:,.0f} MB) validated and imported in {took:.1f} s")
            started = time.perf_counter()
            import_files(target, [files / name])
            print(f"{name}: re-import (upsert, nothing changes) in {time.perf_counter() - started:.1f} s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB; "
          f"machine: {platform.machine()}, python {platform.python_version()}")


if __name__ == "__main__":
    main()
