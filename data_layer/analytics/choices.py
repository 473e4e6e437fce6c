"""What the sidebar offers: cohorts, teams, regions and roles, and where a program starts."""

from __future__ import annotations

import pandas as pd

from data_layer.db.store import Store
from data_layer.domain.filters import PEOPLE_DIMENSIONS

# One constant statement per people column of the filter's field table (no SQL built from input).
_OPTIONS = {
    d.person_column: f"SELECT DISTINCT p.{d.person_column} FROM people p "  # noqa: S608 - declared columns
                     f"WHERE p.{d.person_column} IS NOT NULL "
                     "AND p.person_id IN (SELECT person_id FROM memberships) ORDER BY 1"
    for d in PEOPLE_DIMENSIONS if d.person_column
}


def filter_options(store: Store) -> dict[str, list[str]]:
    """Values the sidebar offers per people column (team, region, role) among people who have been in a cohort."""
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
