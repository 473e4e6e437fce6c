"""The drop folder and the import log: complete files only, in name order, filed with their report."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.ingest import inbox, runs
from data_layer.operations.imports import import_dropped

GOOD = "cohort_id,name,program,start_date\nC900,Newcomers,Ecosystem Selling,2026-11-01\n"
BAD = "cohort_id,name,program,start_date\nC901,Late,Ecosystem Selling,not a date\n"


def importer(store: Store, db: Path) -> inbox.Importer:
    return lambda path: import_dropped(store, path)


def test_only_complete_files_are_taken_in_name_order_and_filed_with_their_report(tmp_path: Path) -> None:
    db = tmp_path / "lc.duckdb"
    box = inbox.Inbox(tmp_path / "inbox")
    box.folder.mkdir()
    (box.folder / "b-cohorts.csv").write_text(GOOD)
    (box.folder / "a-cohorts.csv").write_text(BAD)
    (box.folder / "c-cohorts.csv.part").write_text(GOOD)   # still being copied (partial name)
    (box.folder / ".d-cohorts.csv").write_text(GOOD)       # hidden
    growing = box.folder / "e-cohorts.csv"
    growing.write_text("cohort_id,name,program,start_date\n")
    with open_database(db) as store:
        run = importer(store, db)
        assert box.scan(run) == []  # the first scan only notes sizes: nothing is known to be complete yet
        with growing.open("a") as f:  # a copy in progress: it grows between scans
            f.write("C902,Growing,Ecosystem Selling,2026-11-03\n")
        assert box.scan(run) == [("a-cohorts.csv", "rejected"), ("b-cohorts.csv", "done")]
        assert box.scan(run) == [("e-cohorts.csv", "done")]  # stable now
        assert store.query_value("SELECT count(*) FROM cohorts WHERE cohort_id IN ('C900', 'C902')") == 2
        assert store.query_value("SELECT count(*) FROM cohorts WHERE cohort_id = 'C901'") == 0
        log = store.query("SELECT files, outcome, who, via, rows FROM import_runs ORDER BY started_at, run_id")
    assert sorted(p.name for p in (box.folder / "done").iterdir()) == [
        "b-cohorts.csv", "b-cohorts.csv.report.txt", "e-cohorts.csv", "e-cohorts.csv.report.txt"]
    assert "Imported into" in (box.folder / "done" / "b-cohorts.csv.report.txt").read_text()
    rejected = (box.folder / "rejected" / "a-cohorts.csv.report.txt").read_text()
    assert "start_date" in rejected and "not a date" in rejected  # says which column and value
    assert sorted(p.name for p in box.folder.iterdir() if p.is_file()) == [".d-cohorts.csv", "c-cohorts.csv.part"]
    assert [(r[0], r[1], r[2], r[3]) for r in log] == [
        (["a-cohorts.csv"], "rejected", "drop folder", "inbox"), (["b-cohorts.csv"], "imported", "drop folder", "inbox"),
        (["e-cohorts.csv"], "imported", "drop folder", "inbox")]
    assert [r[4] for r in log] == [0, 1, 1]


def test_the_same_name_arriving_again_is_kept_beside_the_first(tmp_path: Path) -> None:
    db = tmp_path / "lc.duckdb"
    box = inbox.Inbox(tmp_path / "inbox")
    box.folder.mkdir()
    with open_database(db) as store:
        for _ in range(2):
            (box.folder / "cohorts.csv").write_text(GOOD)
            box.scan(importer(store, db))
            assert box.scan(importer(store, db)) == [("cohorts.csv", "done")]
    kept = sorted(p.name for p in (box.folder / "done").iterdir() if not p.name.endswith(".txt"))
    assert len(kept) == 2 and kept[1] == "cohorts.csv" and kept[0].startswith("cohorts.2")


def test_freshness_flags_a_source_that_is_later_than_its_cadence(tmp_path: Path) -> None:
    with open_database(tmp_path / "lc.duckdb") as store:
        t0 = dt.datetime(2026, 11, 20, 8, 0)
        runs.record(store, who="a", via="cli", files=["deals.csv"], rows={"deals": 40}, outcome="imported",
                    seconds=1.0, started=t0)
        runs.record(store, who="a", via="cli", files=["deals.csv"], rows={"deals": 55}, outcome="imported",
                    seconds=1.0, started=t0 + dt.timedelta(days=1))
        runs.record(store, who="a", via="cli", files=["deals.csv"], rows={}, outcome="rejected", seconds=1.0,
                    started=t0 + dt.timedelta(days=2))  # a refused run is not an arrival
        now = t0 + dt.timedelta(days=2, hours=1)
        by = {f.source: f for f in runs.freshness(store, now)}
        # deals: expected daily, last good arrival 25 h ago (55 rows) -> late; activity never arrived -> late
        assert (by["deals"].last_import, by["deals"].rows, by["deals"].late) == (t0 + dt.timedelta(days=1), 55, True)
        assert by["activity"].late and by["activity"].last_import is None
        assert not by["cohorts"].late  # whenever it comes
        runs.set_cadence(store, "admin@example.com", "deals", 2)
        assert not {f.source: f for f in runs.freshness(store, now)}["deals"].late
        runs.set_cadence(store, "admin@example.com", "deals", None)
        assert {f.source: f for f in runs.freshness(store, now)}["deals"].expected_days is None


@pytest.mark.browser
def test_the_running_server_takes_a_dropped_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .browser import streamlit_server
    from .conftest import ARTIFACTS

    db = tmp_path / "lc.duckdb"
    with open_database(db):
        pass
    monkeypatch.setenv("LEARNING_CULTURE_INBOX_SECONDS", "0.3")
    with streamlit_server(db, "2026-11-22", ARTIFACTS / "inbox-server.log"):
        (tmp_path / "inbox" / "cohorts.csv.part").write_text(GOOD)
        os.rename(tmp_path / "inbox" / "cohorts.csv.part", tmp_path / "inbox" / "cohorts.csv")  # as scp -> mv does
        deadline = time.monotonic() + 30
        while not (tmp_path / "inbox" / "done" / "cohorts.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (tmp_path / "inbox" / "done" / "cohorts.csv.report.txt").exists()
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM cohorts WHERE cohort_id = 'C900'") == 1
        assert s.query_value("SELECT who FROM import_runs") == "drop folder"
