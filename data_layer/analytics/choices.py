"""What the sidebar offers: cohorts, teams, regions and roles, and where a program starts."""

from __future__ import annotations

import pandas as pd

from data_layer.db.store import Store

_PEOPLE_COLUMNS = {"team": "team", "region": "region", "role": "role"}


def filter_options(store: Store) -> dict[str, list[str]]:
    """Values the sidebar offers: teams, regions and roles of people who have been in a cohort."""
    out: dict[str, list[str]] = {}
    for key, column in _PEOPLE_COLUMNS.items():  # column names from this constant map only
        rows = store.query(
            f"SELECT DISTINCT p.{column} FROM people p WHERE p.{column} IS NOT NULL "  # noqa: S608
            f"AND p.person_id IN (SELECT person_id FROM memberships) ORDER BY 1")
        out[key] = [r[0] for r in rows]
    return out


def cohort_choices(store: Store) -> pd.DataFrame:
    """Every cohort for the sidebar: id, name, program and start date, newest first."""
    return store.query_df(
        "SELECT cohort_id, name, program, start_date, end_date FROM cohorts ORDER BY start_date DESC, cohort_id")


def program_start(store: Store, cohorts: tuple[str, ...]) -> object:
    """The earliest start date of the selected cohorts (all cohorts when none is selected)."""
    return store.query_value(
        "SELECT min(start_date) FROM cohorts WHERE len($c::VARCHAR[]) = 0 OR list_contains($c::VARCHAR[], cohort_id)",
        {"c": list(cohorts)})
