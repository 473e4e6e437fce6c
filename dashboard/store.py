"""The app's one Store, shared by every session through st.cache_resource."""

from __future__ import annotations

import streamlit as st

from dashboard.settings import db_path
from data_layer.store import Store

_opened: list[Store] = []


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    store = Store(path)
    _opened.append(store)
    return store


def get_store() -> Store:
    """The shared Store for the configured database path (opened and migrated once)."""
    return _open(str(db_path()))


def close_all() -> None:
    """Close every Store this process opened and forget them (tests; a server never needs it).

    Clearing st.cache_resource alone drops the objects but leaves DuckDB's file lock held
    until garbage collection, which blocks other processes from opening the file.
    """
    while _opened:
        _opened.pop().close()
    _open.clear()
