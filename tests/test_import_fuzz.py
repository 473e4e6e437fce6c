"""Property: whatever bytes or CSV a file holds, the importer never crashes and never half-writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.ingest.importer import SPECS
from tests.conftest import import_folder

TABLES = [s.table for s in SPECS if s.table != "sections"]
NAMES = [s.filename for s in SPECS]
CELL = st.one_of(st.text(max_size=12), st.sampled_from(["", "p1", "c1", "2026-01-01", "won", "posted", "-5", "101",
                                                       "2026-03-01T10:00:00Z", "=1+1", "none", "baseline"]))


def _snapshot(store: Store) -> list[int]:
    return [int(store.query_value(f"SELECT count(*) FROM {t}")) for t in TABLES]


def _attempt(tmp: Path, files: dict[str, bytes]) -> None:
    for old in tmp.glob("*"):
        old.unlink()
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    with open_database(":memory:") as store:
        store.execute("INSERT INTO people VALUES ('p1', 'Ana', 'ana@example.com', 'AE', NULL, NULL, NULL)")
        before = _snapshot(store)
        try:
            result = import_folder(store, tmp)
        except InvalidData as exc:
            assert exc.problems, "a rejection always says why"
            assert _snapshot(store) == before, "a rejected run wrote something"
        else:
            after = _snapshot(store)
            imported = sum(result.rows.get(t, 0) for t in TABLES)
            # all or nothing: every accepted row is there (upserts may replace existing ones)
            assert sum(after) - sum(before) <= imported


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), data=st.binary(max_size=300))
def test_random_bytes_never_crash_or_half_write(tmp_path: Path, name: str, data: bytes) -> None:
    _attempt(tmp_path, {name: data})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), extra=st.lists(st.text(min_size=1, max_size=8), max_size=2),
       rows=st.lists(st.lists(CELL, min_size=1, max_size=9), max_size=5), drop=st.integers(0, 3))
def test_random_csvs_never_crash_or_half_write(tmp_path: Path, name: str, extra: list[str],
                                               rows: list[list[str]], drop: int) -> None:
    spec = next(s for s in SPECS if s.filename == name)
    header = list(spec.columns)[drop:] + extra
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    _attempt(tmp_path, {name: buf.getvalue().encode("utf-8")})
