"""Streamlit helpers for acting on the numbers: goals per view (cached), the app's own address for
personal links, and the caches an outreach or a goal change clears."""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse

import streamlit as st

from dashboard import loaders
from dashboard.store import get_store
from data_layer.acting import goals
from data_layer.acting.goals import Progress

PUBLIC_URL_ENV = "LEARNING_CULTURE_PUBLIC_URL"  # the address people reach the app at, when it differs


@st.cache_data(ttl=900, show_spinner=False, max_entries=200)
def view_goals(cohorts: tuple[str, ...], today: dt.date) -> dict[str, Progress]:
    """metric -> the goal for a view of exactly these cohorts (all, when none), with its state today."""
    return goals.for_view(get_store(), cohorts, today)


@st.cache_data(ttl=900, show_spinner=False, max_entries=50)
def goal_progress(today: dt.date) -> list[Progress]:
    """Every goal's progress today (the Goals view)."""
    return goals.all_progress(get_store(), today)


def clear_goals() -> None:
    """After a goal is set or retired."""
    view_goals.clear()
    goal_progress.clear()


def clear_after_outreach() -> None:
    """After an assessment is sent or an outreach recorded: the numbers they move (adoption, the Overview's
    outreach rate and the goals on them); cohort lists, markers and the cohort effect are untouched."""
    loaders.page_data.clear()
    loaders.overview_grid.clear()
    clear_goals()


def app_address() -> str:
    """The app's base address for personal links: $LEARNING_CULTURE_PUBLIC_URL, else the address in use."""
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip()
    if configured:
        return configured.rstrip("/")
    parts = urllib.parse.urlsplit(st.context.url or "http://localhost:8501/")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{base}" if base else "")
