"""What the sidebar offers: cohorts, teams, regions and roles, and where a program starts."""

from __future__ import annotations

import pandas as pd

from data_layer.db.store import Store

# One constant statement per sidebar list (no SQL built from names).
_OPTIONS = {
    key: f"SELECT DISTINCT p.{key} FROM people p WHERE p.{key} IS NOT NULL "  # noqa: S608 - three constants
         "AND p.person_id IN (SELECT person_id FROM memberships) ORDER BY 1"
    for key in ("team", "region", "role")
}


def filter_options(store: Store) -> dict[str, list[str]]:
    """Values the sidebar offers: teams, regions and roles of people who have been in a cohort."""
    return {key: [r[0] for r in store.query(sql)] for key, sql in _OPTIONS.items()}


def cohort_choices(store: Store) -> pd.DataFrame:
    """Every cohort for the sidebar: id, name, program and start date, newest first."""
    return store.query_df(
        "SELECT cohort_id, name, program, start_date, end_date FROM cohorts ORDER BY start_date DESC, cohort_id")


def program_start(store: Store, cohorts: tuple[str, ...]) -> object:
    """The earliest start date of the selected cohorts (all cohorts when none is selected)."""
    return store.query_value(
        "SELECT min(start_date) FROM cohorts WHERE len($c::VARCHAR[]) = 0 OR list_contains($c::VARCHAR[], cohort_id)",
        {"c": list(cohorts)})
