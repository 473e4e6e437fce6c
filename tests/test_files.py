"""Whole database files: built beside their place, backed up while in use, checked, restored."""

from __future__ import annotations

import datetime as dt
import filecmp
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from data_layer.cli import main
from data_layer.db import files
from data_layer.db.migrations import open_database
from data_layer.demo.generator import generate_demo
from data_layer.domain.errors import StoreError
from data_layer.ingest.export import export

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)


def exported(db: Path, folder: Path) -> Path:
    with open_database(db) as s:
        export(s, folder, "csv")
    return folder


def same_exports(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and names
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors


def test_a_backup_made_while_someone_writes_is_one_consistent_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    with open_database(db) as store:
        generate_demo(store, seed=3, today=TODAY)
        stop = threading.Event()

        def keep_writing() -> None:  # a writer adding cohorts as fast as it can
            i = 0
            while not stop.is_set():
                store.execute("INSERT INTO cohorts VALUES (?, 'Busy', 'P', DATE '2026-01-01', NULL, NULL, NULL)",
                              [f"busy{i}"])
                i += 1

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            time.sleep(0.2)
            summary = files.backup(store, tmp_path / "copy.duckdb")
        finally:
            stop.set()
            writer.join()
        assert summary.rows["people"] == 300 and summary.migrations >= 15
        # some writes landed before the snapshot, the rest after it
        assert 12 < summary.rows["cohorts"] < int(store.query_value("SELECT count(*) FROM cohorts"))
    with open_database(tmp_path / "copy.duckdb") as copy:  # the copy opens and counts agree with itself
        assert copy.query_value("SELECT count(*) FROM people") == 300
        busy = copy.query_value("SELECT count(*) FROM cohorts WHERE cohort_id LIKE 'busy%'")
        assert copy.query_value("SELECT count(*) FROM cohorts") == 12 + busy


def test_restore_replaces_the_database_with_the_backup_exactly(tmp_path: Path) -> None:
    db = tmp_path / "main.duckdb"
    with open_database(db) as store:
        generate_demo(store, seed=5, today=TODAY)
        files.backup(store, tmp_path / "monday.duckdb")
    before = exported(db, tmp_path / "before")
    with open_database(db) as store:  # a bad day: people deleted
        store.execute("DELETE FROM lessons")
    assert not same_exports(before, exported(db, tmp_path / "damaged"))
    summary = files.restore(tmp_path / "monday.duckdb", db)
    assert summary.rows["lessons"] > 0
    assert same_exports(before, exported(db, tmp_path / "after"))


def test_restore_refuses_what_is_not_a_whole_database_and_a_database_in_use(tmp_path: Path) -> None:
    db = tmp_path / "main.duckdb"
    with open_database(db) as store:
        generate_demo(store, seed=5, today=TODAY)
    (tmp_path / "notes.txt").write_text("not a database")
    with pytest.raises(StoreError, match="not a database"):
        files.restore(tmp_path / "notes.txt", db)
    with open_database(tmp_path / "other.duckdb") as other:
        other.execute("DROP TABLE lessons")
    with pytest.raises(StoreError, match="not a complete Learning Culture database .no lessons"):
        files.restore(tmp_path / "other.duckdb", db)
    with open_database(db) as store:
        files.backup(store, tmp_path / "good.duckdb")
        with pytest.raises(StoreError, match="already exists"):
            files.backup(store, tmp_path / "good.duckdb")  # a backup never overwrites a file
    with open_database(db):  # held open here, as a running dashboard holds it: a second process is refused
        code = "import sys; from data_layer.db import files; files.restore(sys.argv[1], sys.argv[2])"
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "good.duckdb"), str(db)], cwd=ROOT,
                             capture_output=True, text=True)
    assert out.returncode != 0 and "is in use (is the dashboard running?)" in out.stderr
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM people") == 300


def wait_until_building(folder: Path, run: subprocess.Popen[str], timeout_s: float = 120) -> None:
    """Wait (polling, with a deadline) until the demo has started writing its temporary file:
    the moment to interrupt it (a fixed pause was both slow and, on a busy machine, too early)."""
    deadline = time.monotonic() + timeout_s
    while not any(".building-" in p.name for p in folder.iterdir()):
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "the demo did not start building its file"
        time.sleep(0.05)


def test_an_interrupted_demo_leaves_no_database(tmp_path: Path) -> None:
    db = tmp_path / "fresh.duckdb"
    # Ctrl-C as a shell delivers it: the child gets SIGINT's default handling even when something earlier in
    # the test session left this process ignoring it (a child inherits an ignored signal, and Python keeps it so).
    run = subprocess.Popen([sys.executable, "-m", "data_layer.cli", "demo", "--scale", "enterprise", "--db", str(db)],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    wait_until_building(tmp_path, run)
    time.sleep(1)  # into the demo's generation, well before the enterprise demo is written
    run.send_signal(signal.SIGINT)
    run.communicate(timeout=120)
    assert not db.exists()  # no valid-looking empty database that would offer "Create administrator"
    run = subprocess.Popen([sys.executable, "-m", "data_layer.cli", "demo", "--scale", "enterprise", "--db", str(db)],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_building(tmp_path, run)
    run.kill()  # not even a chance to clean up
    run.communicate(timeout=60)
    assert not db.exists()
    assert all(".building-" in p.name for p in tmp_path.iterdir())  # at most a leftover temporary file


def test_an_interrupted_replace_leaves_the_old_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(db), "--today", "2026-11-22"]) == 0
    before = exported(db, tmp_path / "before")
    from data_layer.demo import generator

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(generator, "write_section_owners", interrupted)  # fails halfway through the writes
    with pytest.raises(KeyboardInterrupt):
        main(["demo", "--db", str(db), "--replace", "--seed", "9", "--today", "2026-11-22"])
    assert same_exports(before, exported(db, tmp_path / "after"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".duckdb" or "building" in p.name) == [db.name]


def test_backup_restore_and_setup_code_from_the_command_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    db, copies = tmp_path / "lc.duckdb", tmp_path / "backups"
    copies.mkdir()
    assert main(["setup-code", "--db", str(db)]) == 0
    code = capsys.readouterr().out.split("the setup code is ")[1].split()[0]
    assert len(code) == 19
    assert main(["demo", "--db", str(db), "--today", "2026-11-22"]) == 0
    assert main(["backup", str(copies), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "300 people" in out
    (backup,) = copies.iterdir()
    assert backup.name.startswith("lc-") and backup.suffix == ".duckdb"
    assert main(["restore", str(backup), "--db", str(db)]) == 0
    assert "Restored" in capsys.readouterr().out
    assert main(["setup-code", "--db", str(db)]) == 0  # demo accounts exist: setup is over
    assert "Setup is finished" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "missing.duckdb"), "--db", str(db)]) == 1
    assert "is not a file" in capsys.readouterr().err
    assert os.path.exists(db)
