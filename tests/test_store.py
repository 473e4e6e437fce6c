"""The Store: reads on their own cursors, writes serialised and transactional."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.domain.errors import DatabaseLocked, QueryError


def test_eight_readers_and_a_writer_see_consistent_totals_and_no_errors(tmp_path: Path) -> None:
    store = open_database(tmp_path / "c.duckdb")
    store.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)")
    store.execute("INSERT INTO accounts VALUES (1, 100), (2, 0)")
    errors: list[BaseException] = []
    totals: list[int] = []
    writes_done = threading.Event()

    def writer() -> None:
        try:
            for i in range(300):
                amount = 1 if i % 2 == 0 else -1
                # Money moves between the two rows inside one transaction: the sum never changes.
                with store.transaction() as tx:
                    tx.execute("UPDATE accounts SET balance = balance - ? WHERE id = 1", [amount])
                    tx.execute("UPDATE accounts SET balance = balance + ? WHERE id = 2", [amount])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            writes_done.set()

    def reader() -> None:
        try:
            while not writes_done.is_set():
                totals.append(int(store.query_value("SELECT sum(balance) FROM accounts")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(totals) > 8
    assert set(totals) == {100}
    assert store.query("SELECT balance FROM accounts ORDER BY id") == [(100,), (0,)]
    store.close()


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(QueryError):
        with store.transaction() as tx:
            tx.execute("INSERT INTO cohorts VALUES ('c1', 'A', 'P', DATE '2026-01-01', NULL, NULL, NULL)")
            tx.execute("INSERT INTO cohorts VALUES ('c1', 'dup', 'P', DATE '2026-01-01', NULL, NULL, NULL)")
    assert store.query_value("SELECT count(*) FROM cohorts") == 0


def test_driver_errors_become_our_errors_with_a_plain_sentence(store: Store) -> None:
    with pytest.raises(QueryError) as caught:
        store.query("SELECT * FROM no_such_table")
    assert str(caught.value) == "The database could not read the data."
    assert "no_such_table" in caught.value.detail  # type: ignore[attr-defined]


def test_a_second_process_holding_the_file_gives_a_clear_locked_error(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = tmp_path / "locked.duckdb"
    open_database(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        time.sleep(0.2)
        with pytest.raises(DatabaseLocked, match="open in another program"):
            open_database(path)
    finally:
        holder.kill()
        holder.wait()


def test_named_parameters_are_bound_not_interpolated(store: Store) -> None:
    store.execute("INSERT INTO cohorts VALUES ('c1', 'A', 'P', DATE '2026-01-01', NULL, NULL, NULL)")
    hostile = "x' OR '1'='1"
    assert store.query("SELECT cohort_id FROM cohorts WHERE name = $name", {"name": hostile, "unused": 1}) == []
    assert store.query_value("SELECT count(*) FROM cohorts") == 1
