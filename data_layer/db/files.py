"""Database files as whole things: built beside their place and moved in when complete, backed up
while in use, checked and restored.

A database being built (the demo, a restore) lives in a temporary file next to its final path
and is renamed into place only when complete (a rename within a folder is atomic): an
interrupted build leaves the old database, or none, never a valid-looking empty one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data_layer.db.store import Store
from data_layer.domain.errors import StoreError

# The tables a usable backup must have (the first migration's and the Book's).
REQUIRED_TABLES = ("people", "cohorts", "memberships", "events", "deals", "lessons", "users", "schema_migrations")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    for p in (path, _wal(path)):
        p.unlink(missing_ok=True)


@contextmanager
def built_in_place(path: str | Path, *, start_from_current: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path` to build a database in (a copy of the current file when
    `start_from_current`); it replaces `path` only if the block completes, and is removed otherwise."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.building-{os.getpid()}")
    _remove(temp)
    if start_from_current and final.exists():
        shutil.copyfile(final, temp)
        if _wal(final).exists():
            shutil.copyfile(_wal(final), _wal(temp))
    try:
        yield temp
        if _wal(temp).exists():  # a store closed normally has checkpointed: nothing should be left
            raise StoreError("The new database was not closed cleanly; the old one is left as it was.")
        os.replace(temp, final)
        _wal(final).unlink(missing_ok=True)  # belonged to the file just replaced
    finally:
        _remove(temp)


@dataclass(frozen=True)
class BackupSummary:
    """What a backup file holds: its schema version and the rows of the main tables."""

    path: Path
    migrations: int
    last_migration: str
    rows: dict[str, int]


def backup(store: Store, destination: str | Path) -> BackupSummary:
    """A consistent copy of the open database (one snapshot, while others read and write) at `destination`."""
    dest = Path(destination)
    if dest.exists() and dest.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        dest = dest / f"{Path(store.path).stem if store.path != ':memory:' else 'memory'}-{stamp}.duckdb"
    if dest.exists():
        raise StoreError(f"{dest} already exists; choose a new name (a backup never overwrites a file).")
    with built_in_place(dest) as temp:
        name = store.query_value("SELECT current_database()")
        # Holding the write lock: no write of this process lands mid-copy; the copy is one snapshot.
        # The path is bound; the database's own name is an identifier (COPY takes no parameter there).
        with store.session() as session:
            session.execute("ATTACH ? AS lc_backup", [str(temp)])
            try:
                session.execute(f'COPY FROM DATABASE "{str(name).replace(chr(34), chr(34) * 2)}" TO lc_backup')
            finally:
                session.execute("DETACH lc_backup")
    return check(dest)


def check(path: str | Path) -> BackupSummary:
    """Open a backup read-only and say what it holds; a sentence if it is not a whole database of ours."""
    source = Path(path)
    if not source.is_file():
        raise StoreError(f"{source} is not a file.")
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"{source} is not a database this program can open.") from exc
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise StoreError(f"{source} is not a complete Learning Culture database (no {', '.join(missing)}).")
        names = [r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
        rows = {t: int(con.execute("SELECT count(*) FROM query_table(?)", [t]).fetchone()[0])  # type: ignore[index]
                for t in REQUIRED_TABLES if t != "schema_migrations"}
    finally:
        con.close()
    return BackupSummary(source, len(names), names[-1] if names else "", rows)


def restore(source: str | Path, path: str | Path) -> BackupSummary:
    """Replace the database at `path` with a checked copy of `source` (the database must not be open)."""
    summary = check(source)
    target = Path(path)
    if target.exists():
        try:  # refuse while anything holds the database (a running dashboard, say)
            duckdb.connect(str(target)).close()
        except duckdb.Error as exc:
            raise StoreError(f"{target} is in use (is the dashboard running?). Stop it, then restore.") from exc
    with built_in_place(target) as temp:
        shutil.copyfile(summary.path, temp)
    return summary


def keep_before_migrating(store: Store, pending: list[str]) -> Path | None:
    """Copy an existing database before migrations change it: `<name>.before-<first migration>.duckdb`."""
    if store.path == ":memory:" or not pending:
        return None
    exists = store.query_value(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'")
    done = exists and store.query_value("SELECT count(*) FROM schema_migrations")
    if not done:
        return None  # a new database: nothing to keep
    source = Path(store.path)
    kept = source.with_name(f"{source.stem}.before-{pending[0]}{source.suffix or '.duckdb'}")
    if not kept.exists():
        backup(store, kept)
    return kept
