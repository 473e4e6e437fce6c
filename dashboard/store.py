"""The app's one Store, shared by every session through st.cache_resource."""

from __future__ import annotations

import argparse
import sys

import streamlit as st

from data_layer.config import resolve_db_path
from data_layer.store import Store


def _db_argument() -> str | None:
    # `streamlit run streamlit_app.py -- --db PATH` passes --db through to the script.
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return known.db


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    return Store(path)


def get_store() -> Store:
    """The shared Store for the configured database path (opened and migrated once)."""
    return _open(str(resolve_db_path(_db_argument())))
