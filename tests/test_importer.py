"""Importing a folder of DOMAIN.md CSVs: validated row by row, written all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.ingest.importer import SPECS, import_paths
from tests.conftest import import_folder

TABLES = [spec.table for spec in SPECS] + ["assessment_scores"]


def test_an_import_leaves_one_audit_entry_and_a_rejected_one_none(store: Store, small_folder: Path) -> None:
    import_folder(store, small_folder, actor="admin@example.com")
    assert store.query("SELECT actor, entity, action FROM audit_log") == [("admin@example.com", "import", "import")]
    (small_folder / "deals.csv").write_text("deal_id,owner_id,created_on,status,amount\nd1,p1,2026-01-01,won,1\n")
    with pytest.raises(InvalidData):
        import_folder(store, small_folder, actor="admin@example.com")
    assert store.query_value("SELECT count(*) FROM audit_log") == 1


def _dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {t: store.query(f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}  # noqa: S608 - our table names


def test_the_small_folder_imports_every_file(store: Store) -> None:
    result = import_folder(store, Path(__file__).parent / "data" / "small")
    assert result.rows == {"people": 6, "cohorts": 2, "memberships": 6, "events": 18, "assessments": 6,
                           "deals": 12, "plans": 5, "lessons": 5, "actions": 5}
    assert store.query_value("SELECT count(*) FROM assessment_scores") == 24
    assert store.query("SELECT barriers FROM assessments WHERE assessment_id = 'a1'") == [
        (["no_time", "dont_know_partners"],)]
    # +02:00 offset converted to UTC.
    assert str(store.query_value("SELECT occurred_at FROM events WHERE event_id = 'e6'")) == "2026-04-01 06:30:00"
    assert store.query_value("SELECT tags FROM lessons WHERE lesson_id = 'l1'") == ["email", "co-branding"]


def test_reimporting_the_same_files_changes_nothing(store: Store, small_folder: Path) -> None:
    import_folder(store, small_folder)
    before = _dump(store)
    import_folder(store, small_folder)
    assert _dump(store) == before


def test_a_changed_row_is_updated_in_place(store: Store, small_folder: Path) -> None:
    import_folder(store, small_folder)
    deals = small_folder / "deals.csv"
    deals.write_text(deals.read_text().replace("d6,p4,2026-04-01,,open,8000", "d6,p4,2026-04-01,2026-05-02,won,8500"))
    import_folder(store, small_folder)
    assert store.query("SELECT status, amount FROM deals WHERE deal_id = 'd6'") == [("won", 8500)]
    assert store.query_value("SELECT count(*) FROM deals") == 12


def test_bad_rows_are_each_reported_with_file_line_and_column_and_nothing_is_written(
    store: Store, small_folder: Path
) -> None:
    deals = small_folder / "deals.csv"
    lines = deals.read_text().splitlines()
    lines[2] = lines[2].replace("lost", "maybe")          # line 3: bad status
    lines[4] = lines[4].replace("2026-02-28", "28/02/2026")  # line 5: bad date
    deals.write_text("\n".join(lines) + "\n")
    activity = small_folder / "activity.csv"
    activity.write_text(activity.read_text() + "e99,2026-04-02T10:00:00Z,p4,liked,,c2,slack\n")
    with pytest.raises(InvalidData) as caught:
        import_folder(store, small_folder)
    found = {(p.file, p.line, p.field) for p in caught.value.problems}
    assert found == {("deals.csv", 3, "status"), ("deals.csv", 5, "closed_on"), ("activity.csv", 20, "verb")}
    assert "nothing was imported" in str(caught.value)
    assert all(rows == [] for table, rows in _dump(store).items() if table != "sections")


def test_one_bad_row_in_the_last_file_leaves_an_existing_database_unchanged(store: Store, small_folder: Path) -> None:
    import_folder(store, small_folder)
    before = _dump(store)
    (small_folder / "people.csv").write_text(
        (small_folder / "people.csv").read_text().replace("Ana Silva", "Ana Souza"))
    actions = small_folder / "actions.csv"
    actions.write_text(actions.read_text() + "ac9,l1,,p5,2026-04-15,\n")  # empty description
    with pytest.raises(InvalidData) as caught:
        import_folder(store, small_folder)
    assert [(p.file, p.line, p.field, p.message) for p in caught.value.problems] == [
        ("actions.csv", 7, "description", "is required")]
    assert _dump(store) == before


def test_file_level_problems_are_clear_sentences(store: Store, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("person_id,name,role\np1,Ana,AE\n")
    (tmp_path / "cohorts.csv").write_bytes(b"cohort_id,name\n\xff\xfe bad bytes\n")
    (tmp_path / "deals.csv").write_text("")
    with pytest.raises(InvalidData) as caught:
        import_folder(store, tmp_path)
    text = [str(p) for p in caught.value.problems]
    assert "people.csv, line 1, column email: required column is missing" in text
    assert any(t.startswith("cohorts.csv: is not UTF-8 text") for t in text)
    assert "deals.csv: is empty; it needs a header row" in text


def test_duplicate_ids_in_a_file_are_rejected(store: Store, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(
        "person_id,name,email,role\np1,Ana,ana@example.com,AE\np1,Ann,ann@example.com,AE\n")
    with pytest.raises(InvalidData) as caught:
        import_folder(store, tmp_path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.field, problem.message) == (3, "person_id", "duplicate id; already on line 2")


def test_unknown_columns_are_ignored_with_a_warning(store: Store, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("person_id,name,email,role,shoe_size\np1,Ana,ana@example.com,AE,38\n")
    result = import_folder(store, tmp_path)
    assert result.warnings == ["people.csv: ignored unknown column(s) shoe_size"]
    assert store.query_value("SELECT name FROM people") == "Ana"


def test_broken_csv_gets_a_sentence_with_its_line(store: Store, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text('person_id,name,email,role\np1,Ana,ana@example.com,AE\np2,"Ben,ben@x.com,AE\n')
    (tmp_path / "cohorts.csv").write_text("cohort_id,name,program,start_date\nc1,A,P,2026-01-01,extra\n")
    with pytest.raises(InvalidData) as caught:
        import_folder(store, tmp_path)
    text = caught.value.report()
    assert "people.csv" in text
    assert "cohorts.csv, line 2: has a different number of cells than the header has columns" in text
    assert "Error" not in text and "duckdb" not in text.lower()


def test_a_folder_without_known_files_is_refused(store: Store, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InvalidData, match="No files to import"):
        import_paths([str(tmp_path)])


def test_references_must_be_known_in_the_database_or_the_same_run(store: Store, tmp_path: Path) -> None:
    (tmp_path / "memberships.csv").write_text("cohort_id,person_id,joined_on\nc9,p1,2026-01-05\n")
    (tmp_path / "deals.csv").write_text("deal_id,owner_id,created_on,status,amount\nd1,ghost,2026-01-01,open,5\n")
    (tmp_path / "actions.csv").write_text("action_id,lesson_id,description,owner_id,due_on\nac1,l9,x,p1,2026-01-01\n")
    with pytest.raises(InvalidData) as caught:
        import_folder(store, tmp_path)
    found = {(p.file, p.line, p.field, p.message) for p in caught.value.problems}
    assert found == {
        ("memberships.csv", 2, "person_id", "is not a known person"),
        ("memberships.csv", 2, "cohort_id", "is not a known cohort"),
        ("deals.csv", 2, "owner_id", "is not a known person"),
        ("actions.csv", 2, "lesson_id", "is not a known lesson"),
        ("actions.csv", 2, "owner_id", "is not a known person"),
    }


def test_a_dry_run_checks_everything_and_writes_nothing(store: Store, small_folder: Path) -> None:
    result = import_folder(store, small_folder, dry_run=True)
    assert result.dry_run and result.rows["events"] == 18
    assert store.query_value("SELECT count(*) FROM people") == 0
    assert store.query_value("SELECT count(*) FROM audit_log") == 0


def test_scores_and_barrier_codes_are_checked(store: Store, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("person_id,name,email,role\np1,Ana,ana@example.com,AE\n")
    (tmp_path / "assessments.csv").write_text(
        "assessment_id,person_id,taken_at,instrument,kind,score_partner_knowledge,score_charm,barriers\n"
        "a1,p1,2026-03-01T10:00:00Z,v1,baseline,101,5,no_time;too_busy\n")
    with pytest.raises(InvalidData) as caught:
        import_folder(store, tmp_path)
    found = {(p.field, p.message) for p in caught.value.problems}
    assert ("score_partner_knowledge", "must be a score between 0 and 100") in found
    assert any(f == "score_charm" and m.startswith("unknown dimension charm") for f, m in found)
    assert any(f == "barriers" and m.startswith("unknown barrier code too_busy") for f, m in found)


def test_timestamps_without_offset_are_utc_and_with_offset_are_converted(store: Store, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("person_id,name,email,role\np1,Ana,ANA@Example.com,AE\n")
    (tmp_path / "activity.csv").write_text(
        "event_id,occurred_at,person_id,verb\ne1,2026-03-01T10:00:00,p1,posted\ne2,2026-03-01T10:00:00-05:00,p1,posted\n")
    import_folder(store, tmp_path)
    assert [str(r[0]) for r in store.query("SELECT occurred_at FROM events ORDER BY event_id")] == [
        "2026-03-01 10:00:00", "2026-03-01 15:00:00"]
    assert store.query_value("SELECT email FROM people") == "ana@example.com"
    assert store.query_value("SELECT source FROM events LIMIT 1") == "import"


def test_a_hostile_header_is_just_an_unknown_column(store: Store, tmp_path: Path) -> None:
    # The last header cell is: x"); DROP TABLE people; --
    (tmp_path / "people.csv").write_text(
        'person_id,name,email,role,"x""); DROP TABLE people; --"\np1,Ana,ana@example.com,AE,boom\n')
    result = import_folder(store, tmp_path)
    assert len(result.warnings) == 1 and "DROP TABLE" in result.warnings[0]
    assert store.query_value("SELECT name FROM people") == "Ana"
