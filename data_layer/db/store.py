"""The one owner of the DuckDB connection.

Reads run on a fresh cursor of the shared connection (a DuckDB connection is not
thread-safe, but each cursor is its own connection to the same database). Writes go
through `transaction()`, which serialises writers with a lock and commits or rolls
back as one unit. Driver errors leave this module as our own error types.
"""

from __future__ import annotations

import os
import re
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from data_layer.domain.errors import DatabaseLocked, QueryError, StoreError

Params = Sequence[Any] | Mapping[str, Any] | None


MEMORY_ENV = "LEARNING_CULTURE_DUCKDB_MEMORY"
THREADS_ENV = "LEARNING_CULTURE_DUCKDB_THREADS"


def engine_settings() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's memory limit and worker threads: $LEARNING_CULTURE_DUCKDB_MEMORY and
    $LEARNING_CULTURE_DUCKDB_THREADS (default: the machine's cores).

    Without a limit DuckDB may keep up to 80 % of the machine's RAM in its buffer pool, so a server
    stayed at 894 MB after one 100 MB upload; the dashboard's server sets 500MB unless told
    otherwise (dashboard/store.py), so work beyond it spills to a temporary folder beside the
    database and the memory comes back. The command line keeps DuckDB's default (a bulk import
    of ten million rows may use it). Freed memory goes back to the system in smaller steps too
    (allocator_flush_threshold), not kept for reuse, and DuckDB's allocator purges the pages it
    freed in background threads (allocator_background_threads): without them the memory of a
    100 MB import stayed resident after it ended (measured: 590 MB an import later against 184 MB
    with them, 5 s after; benchmarks/upload_memory.py).
    """
    threads = os.environ.get(THREADS_ENV, "").strip()
    settings: dict[str, str | bool | int | float | list[str]] = {
        "threads": threads if threads.isdigit() and int(threads) > 0 else str(os.cpu_count() or 1),
        "allocator_flush_threshold": "32MB", "allocator_background_threads": True}
    memory = os.environ.get(MEMORY_ENV, "").strip()
    if memory:
        settings["memory_limit"] = memory
    return settings


_NAMED = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _bind(sql: str, params: Params) -> Params:
    # DuckDB refuses named parameters a statement does not use; metric queries share
    # one parameter dict (the filter), so pass each statement only the names it uses.
    if isinstance(params, Mapping):
        used = set(_NAMED.findall(sql))
        return {k: v for k, v in params.items() if k in used}
    return params


def _translate(exc: duckdb.Error, doing: str) -> StoreError:
    text = str(exc)
    if "Could not set lock on file" in text or "Conflicting lock" in text:
        return DatabaseLocked(
            "The database file is open in another program (is a second dashboard or an "
            "import running?). Close it and try again."
        )
    err = QueryError(f"The database could not {doing}.")
    err.detail = text  # type: ignore[attr-defined]  # kept for logs, never shown raw
    return err


class FairLock:
    """A re-entrant lock granted in the order it was asked for.

    Python's locks wake an arbitrary waiter, so under 20 concurrent writers some writer lost the
    race again and again (p95 of a save twice the mean queue, the slowest three times); handing
    the lock to the longest waiter bounds every wait by the writes queued ahead of it.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiting: deque[tuple[int, threading.Lock]] = deque()

    def __enter__(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None and not self._waiting:
                self._owner, self._depth = me, 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append((me, gate))
        gate.acquire()  # released by the owner before us, which made us the owner

    def __exit__(self, *exc: object) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._owner, gate = self._waiting.popleft()
                self._depth = 1
                gate.release()
            else:
                self._owner = None


class Transaction:
    """What a write function gets: execute statements inside one open transaction."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cur = cursor

    def execute(self, sql: str, params: Params = None) -> None:
        """Run one statement with bound parameters."""
        try:
            self._cur.execute(sql, _bind(sql, params))
        except duckdb.Error as exc:
            raise _translate(exc, "save the change") from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        if not rows:
            return
        try:
            self._cur.executemany(sql, rows)
        except duckdb.Error as exc:
            raise _translate(exc, "save the change") from exc

    def query(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Read inside the transaction (sees its own uncommitted writes)."""
        try:
            return self._cur.execute(sql, _bind(sql, params)).fetchall()
        except duckdb.Error as exc:
            raise _translate(exc, "read the data") from exc

    def register(self, name: str, frame: Any) -> None:
        """Expose a DataFrame or Arrow table as a view for bulk INSERT ... SELECT."""
        self._cur.register(name, frame)

    def unregister(self, name: str) -> None:
        """Drop a view made by `register`."""
        self._cur.unregister(name)


class Session(Transaction):
    """A private connection holding the write lock, statement by statement until `begin()`.

    For work that must survive a failing statement (reading a bad file) before writing:
    stage and check first, then `begin()` ... `commit()`; anything uncommitted rolls back.
    """

    def begin(self) -> None:
        """Start the transaction that the following writes share."""
        self.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        """Make the writes since `begin()` permanent."""
        self.execute("COMMIT")


class Store:
    """A DuckDB database: `query*` methods read, `transaction()` writes."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        """Open (or create) the database file; the schema is migrations.migrate's business."""
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path, config=engine_settings())
        except duckdb.Error as exc:
            raise _translate(exc, f"open {self.path}") from exc
        self._write_lock = FairLock()
        self._closed = False

    # -- reads ---------------------------------------------------------------
    def _cursor(self) -> duckdb.DuckDBPyConnection:
        if self._closed:
            raise StoreError("The database has been closed.")
        return self._con.cursor()

    def query(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """All rows of a read, as tuples."""
        cur = self._cursor()
        try:
            return cur.execute(sql, _bind(sql, params)).fetchall()
        except duckdb.Error as exc:
            raise _translate(exc, "read the data") from exc
        finally:
            cur.close()

    def query_one(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        cur = self._cursor()
        try:
            row: tuple[Any, ...] | None = cur.execute(sql, _bind(sql, params)).fetchone()
            return row
        except duckdb.Error as exc:
            raise _translate(exc, "read the data") from exc
        finally:
            cur.close()

    def query_value(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    def query_df(self, sql: str, params: Params = None) -> pd.DataFrame:
        """A read as a pandas DataFrame."""
        cur = self._cursor()
        try:
            return cur.execute(sql, _bind(sql, params)).df()
        except duckdb.Error as exc:
            raise _translate(exc, "read the data") from exc
        finally:
            cur.close()

    # -- writes --------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One writer at a time; everything inside commits together or not at all."""
        with self._write_lock:
            cur = self._cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield Transaction(cur)
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
            except duckdb.Error as exc:
                raise _translate(exc, "save the change") from exc
            finally:
                cur.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A private connection for staged work (see Session); rolls back anything uncommitted."""
        with self._write_lock:
            cur = self._cursor()
            try:
                yield Session(cur)
            finally:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # no transaction was open
                cur.close()

    def execute(self, sql: str, params: Params = None) -> None:
        """One write statement in its own transaction."""
        with self.transaction() as tx:
            tx.execute(sql, params)

    def checkpoint(self) -> None:
        """Flush the write-ahead log into the database file."""
        with self._write_lock:
            cur = self._cursor()
            try:
                cur.execute("CHECKPOINT")
            finally:
                cur.close()

    def close(self) -> None:
        """Close the connection once the write under way (if any) has ended; later calls raise StoreError.

        A background writer (the sessions' batched last-use times) may be in a transaction: closing under it
        would fail with "connection is busy"."""
        with self._write_lock:
            if not self._closed:
                self._closed = True
                self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
