"""The app's one Store, shared by every session through st.cache_resource."""

from __future__ import annotations

import streamlit as st

from dashboard.settings import db_path
from data_layer.store import Store


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Store:
    return Store(path)


def get_store() -> Store:
    """The shared Store for the configured database path (opened and migrated once)."""
    return _open(str(db_path()))
