"""Migrations apply in order, once, and only the missing ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer import migrations
from data_layer.errors import MigrationError
from data_layer.store import Store

EXPECTED_TABLES = {
    "people", "cohorts", "memberships", "events", "assessments", "assessment_scores", "barrier_codes",
    "dimensions", "deals", "sections", "plans", "lessons", "actions", "users", "audit_log", "app_meta",
    "schema_migrations",
}


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT table_name FROM information_schema.tables")}


def test_a_new_database_gets_every_table_and_records_each_migration_once(tmp_path: Path) -> None:
    with Store(tmp_path / "x.duckdb") as s:
        assert EXPECTED_TABLES <= _tables(s)
        names = [r[0] for r in s.query("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == [name for name, _ in migrations.MIGRATIONS]


def test_reopening_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    with Store(path) as s:
        s.execute("INSERT INTO cohorts VALUES ('c1', 'A', 'P', DATE '2026-01-01', NULL, NULL, NULL)")
    with Store(path, migrate=False) as s:
        assert migrations.apply_migrations(s) == []
        assert s.query_value("SELECT count(*) FROM cohorts") == 1
        assert s.query_value("SELECT count(*) FROM barrier_codes") == 9  # reference rows not duplicated


def test_an_old_database_gets_only_the_missing_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    with Store(path) as s:
        assert "lessons" not in _tables(s)
    monkeypatch.undo()
    with Store(path, migrate=False) as s:
        applied = migrations.apply_migrations(s)
        assert applied == [name for name, _ in migrations.MIGRATIONS[1:]]
        assert "lessons" in _tables(s)


def test_a_failing_migration_leaves_the_database_at_the_last_good_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = [*migrations.MIGRATIONS, ("9999_broken", "CREATE TABLE half_done (a INT); SELECT * FROM nowhere")]
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    with pytest.raises(MigrationError, match="9999_broken"):
        Store(tmp_path / "x.duckdb")
    monkeypatch.undo()
    with Store(tmp_path / "x.duckdb", migrate=False) as s:
        assert "half_done" not in _tables(s)
        assert s.query_value("SELECT count(*) FROM schema_migrations WHERE name = '9999_broken'") == 0
