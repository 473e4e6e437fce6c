"""Exports: csv round-trips exactly into an empty database; spreadsheet CSV is formula-safe."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.demo.generator import generate_demo
from data_layer.ingest.export import export
from tests.conftest import import_folder

TABLES = ("people", "cohorts", "memberships", "events", "assessments", "assessment_scores", "deals", "sections",
          "plans", "lessons", "actions")


def dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {t: store.query(f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def test_a_csv_export_imported_into_an_empty_database_reproduces_it(tmp_path: Path) -> None:
    with open_database(":memory:") as original:
        generate_demo(original, seed=11, today=dt.date(2026, 11, 22))
        original.execute("UPDATE lessons SET lessons = 'Line one\nLine \"two\", with a comma; and =SUM(A1)' "
                         "WHERE lesson_id = 'L000001'")
        before = dump(original)
        export(original, tmp_path / "out", "csv")
    with open_database(":memory:") as copy:
        import_folder(copy, tmp_path / "out")
        assert dump(copy) == before


def test_the_spreadsheet_format_neutralises_formulas(tmp_path: Path) -> None:
    with open_database(":memory:") as s:
        s.execute("INSERT INTO people VALUES ('p1', '=HYPERLINK(\"http://evil\")', 'a@example.com', 'AE', "
                  "'+team', '@region', NULL)")
        export(s, tmp_path, "spreadsheet")
    text = (tmp_path / "people.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+team" in text and "'@region" in text


def test_parquet_export_writes_every_table(tmp_path: Path) -> None:
    with open_database(":memory:") as s:
        generate_demo(s, seed=3, today=dt.date(2026, 11, 22))
        counts = export(s, tmp_path, "parquet")
        assert counts["activity.parquet"] == s.query_value("SELECT count(*) FROM events")
        assert s.query_value("SELECT count(*) FROM read_parquet($p)", {"p": str(tmp_path / "activity.parquet")}) == \
            counts["activity.parquet"]
