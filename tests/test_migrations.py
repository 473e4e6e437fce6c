"""Migrations apply in order, once, and only the missing ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer.db import migrations
from data_layer.db.migrations import open_database
from data_layer.db.store import Store, Transaction
from data_layer.domain.errors import MigrationError

EXPECTED_TABLES = {
    "people", "cohorts", "memberships", "events", "assessments", "assessment_scores", "barrier_codes",
    "dimensions", "deals", "sections", "plans", "lessons", "actions", "users", "audit_log", "app_meta",
    "schema_migrations",
}


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT table_name FROM information_schema.tables")}


def test_a_new_database_gets_every_table_and_records_each_migration_once(tmp_path: Path) -> None:
    with open_database(tmp_path / "x.duckdb") as s:
        assert EXPECTED_TABLES <= _tables(s)
        names = [r[0] for r in s.query("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == [migrations.name_of(step) for step in migrations.MIGRATIONS]
    assert names[0] == "0001_core_entities" and len(names) == len(set(names)) >= 14


def test_reopening_applies_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    with open_database(path) as s:
        s.execute("INSERT INTO cohorts VALUES ('c1', 'A', 'P', DATE '2026-01-01', NULL, NULL, NULL)")
    with Store(path) as s:
        assert migrations.pending(s) == []
        assert migrations.migrate(s) == []
        assert s.query_value("SELECT count(*) FROM cohorts") == 1
        assert s.query_value("SELECT count(*) FROM barrier_codes") == 9  # reference rows not duplicated


def test_an_old_database_gets_only_the_missing_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    with open_database(path) as s:
        assert "lessons" not in _tables(s)
    monkeypatch.undo()
    with Store(path) as s:  # opening does not migrate: the database is as it was
        assert "lessons" not in _tables(s)
        missing = [migrations.name_of(step) for step in migrations.MIGRATIONS[1:]]
        assert migrations.pending(s) == missing
        applied = migrations.migrate(s)
        assert applied == missing
        assert "lessons" in _tables(s)


def test_a_failing_migration_leaves_the_database_at_the_last_good_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def m9999_broken(tx: Transaction) -> None:
        migrations.run(tx, "CREATE TABLE half_done (a INT); SELECT * FROM nowhere")

    broken = [*migrations.MIGRATIONS, m9999_broken]
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    with pytest.raises(MigrationError, match="9999_broken"):
        open_database(tmp_path / "x.duckdb")
    monkeypatch.undo()
    with Store(tmp_path / "x.duckdb") as s:
        assert "half_done" not in _tables(s)
        assert migrations.pending(s) == []
        assert s.query_value("SELECT count(*) FROM schema_migrations WHERE name = '9999_broken'") == 0


def test_the_summary_migrations_build_what_the_summaries_module_keeps(tmp_path: Path, small_db: Path) -> None:
    """Migrations 0008-0010 carry their own frozen SQL; on a database with data they build exactly
    the summary tables that imports keep current through data_layer/db/summaries.py."""
    path = tmp_path / "s.duckdb"
    path.write_bytes(small_db.read_bytes())
    tables = ("event_firsts", "outreach_events", "activity_days", "assessment_facts", "closed_deals")
    with Store(path) as s:
        kept = {t: sorted(map(repr, s.query(f"SELECT * FROM {t}"))) for t in tables}  # noqa: S608 - our names
        assert all(kept[t] for t in tables)  # the small dataset fills every one
        for t in tables:
            s.execute(f"DROP TABLE {t}")
        s.execute("DELETE FROM schema_migrations WHERE name IN "
                  "('0008_event_summaries', '0009_assessment_facts', '0010_closed_deals')")
        assert migrations.migrate(s) == ["0008_event_summaries", "0009_assessment_facts",
                                          "0010_closed_deals"]
        rebuilt = {t: sorted(map(repr, s.query(f"SELECT * FROM {t}"))) for t in tables}  # noqa: S608
    assert rebuilt == kept


def test_migrations_do_not_run_todays_summary_code() -> None:
    """No import of summaries.py (at the top or inside a function): a migration's SQL is its own."""
    import ast

    tree = ast.parse(Path(migrations.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in imported if m and "summaries" in m}


def test_each_migration_is_a_named_function_that_imports_nothing_that_changes() -> None:
    """Frozen DDL: the migrations module reads no vocabulary, summaries or models (a shipped
    migration must not change when those do), and every migration is a registered function."""
    import ast

    tree = ast.parse(Path(migrations.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m and m.startswith("data_layer") and
                m not in ("data_layer.db.store", "data_layer.db.files", "data_layer.domain.errors")}, imported
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("m0")]
    assert functions == [step.__name__ for step in migrations.MIGRATIONS]


def test_a_database_made_by_an_older_version_is_kept_before_migrating(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
    with open_database(path) as s:
        s.execute("INSERT INTO cohorts VALUES ('c1', 'A', 'P', DATE '2026-01-01', NULL, NULL, NULL)")
    monkeypatch.undo()
    with open_database(path) as s:  # the newer version opens it: migrations 0004... apply
        assert "lessons" in _tables(s)
    kept = tmp_path / "old.before-0004_reference_rows.duckdb"
    with Store(kept) as old:  # the copy is the database as the older version left it
        assert old.query_value("SELECT count(*) FROM schema_migrations") == 3
        assert old.query_value("SELECT count(*) FROM cohorts") == 1
        assert "barrier_codes" in _tables(old) and old.query_value("SELECT count(*) FROM barrier_codes") == 0
    assert not (tmp_path / "new.duckdb").exists()
    with open_database(tmp_path / "new.duckdb"):  # a new database has nothing to keep
        pass
    assert sorted(p.name for p in tmp_path.iterdir() if "before" in p.name) == [kept.name]
