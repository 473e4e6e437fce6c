"""Entrypoint: builds the page list and runs the selected page."""

from __future__ import annotations

import streamlit as st

import dashboard.charts  # noqa: F401  (registers the Altair theme once per process)
from data_layer.errors import LearningCultureError

st.set_page_config(page_title="Learning Culture Dashboard", page_icon=":material/school:", layout="wide")

# Sections appear as their issues deliver real pages (Book of Learning, Admin).
SECTIONS: dict[str, list[st.Page]] = {
    "Dashboards": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/adoption.py", title="Adoption", icon=":material/group_add:"),
        st.Page("pages/barriers.py", title="Barriers", icon=":material/block:"),
        st.Page("pages/win_rates.py", title="Win rates", icon=":material/trophy:"),
        st.Page("pages/learning_health.py", title="Learning health", icon=":material/psychiatry:"),
    ],
}

try:
    st.navigation({name: pages for name, pages in SECTIONS.items() if pages}).run()
except LearningCultureError as exc:
    # Our errors carry a sentence for people; never show a driver traceback.
    st.error(str(exc))
