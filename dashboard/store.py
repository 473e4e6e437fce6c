"""The app's one Store per database file, shared by every session and by the server's routes."""

from __future__ import annotations

import atexit
import os
import threading

from dashboard.settings import db_path
from data_layer.access.sessions import flush_touches
from data_layer.db.migrations import open_database
from data_layer.db.store import MEMORY_ENV, Store

# The server's DuckDB memory limit unless $LEARNING_CULTURE_DUCKDB_MEMORY says otherwise: its
# buffer pool stays bounded, so memory comes back after an upload (see data_layer/db/store.py).
SERVER_MEMORY = "500MB"

_lock = threading.Lock()
_stores: dict[str, Store] = {}


def store_for(path: str) -> Store:
    """The shared Store of one database file (opened and migrated once per process)."""
    with _lock:
        store = _stores.get(path)
        if store is None:
            os.environ.setdefault(MEMORY_ENV, SERVER_MEMORY)
            store = _stores[path] = open_database(path)
            if len(_stores) == 1:  # once per process: a stopping server writes what waits and lets go of its files
                atexit.register(close_all)
        return store


def get_store() -> Store:
    """The shared Store for the configured database path."""
    return store_for(str(db_path()))


def close_all() -> None:
    """Write the sessions' waiting last-use times, then close every Store this process opened and forget them
    (when the server stops, and between tests).

    Dropping the objects alone would leave DuckDB's file lock held until garbage collection,
    which blocks other processes from opening the file.
    """
    flush_touches()
    with _lock:
        while _stores:
            _stores.popitem()[1].close()
