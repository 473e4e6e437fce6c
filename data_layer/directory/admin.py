"""Admin writes outside imports: saved import mappings, cohorts, memberships and people.

Each is checked like an import (pydantic models plus references), written in one
transaction with an audit entry, and refused for anyone but an admin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.db import audit
from data_layer.db.store import Store, Transaction
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.models import Cohort, Membership, Person, validate_record
from data_layer.ingest.mapping import Mapping


def _known(tx: Transaction, table: str, column: str, value: str | None, field: str, what: str) -> list[Problem]:
    if value and not tx.query(f"SELECT 1 FROM {table} WHERE {column} = ?", [value]):  # noqa: S608 - constants
        return [Problem(field, f"is not a known {what}")]
    return []


# ---------------------------------------------------------------------------- mappings
def save_mapping(store: Store, actor: Actor | None, name: str, mapping: Mapping) -> None:
    """Save (or replace) a named column mapping for the Import page."""
    who = require(actor, "admin")
    clean = name.strip()
    if not clean or len(clean) > 100:
        raise InvalidData([Problem("name", "must be 1 to 100 characters")], "Give the mapping a name (up to 100 characters).")
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        tx.execute("INSERT OR REPLACE INTO import_mappings VALUES (?, ?, ?, ?)",
                   [clean, mapping.to_toml(), who.email, audit.utc_now()])
        audit.record(tx, who.email, "import", clean, "save_mapping", mapping.entity)


def saved_mappings(store: Store) -> dict[str, Mapping]:
    """Every saved mapping by name."""
    return {str(n): Mapping.from_toml(str(t)) for n, t in store.query("SELECT name, mapping FROM import_mappings ORDER BY name")}


# ----------------------------------------------------------------------------- cohorts
def save_cohort(store: Store, actor: Actor | None, values: dict[str, Any]) -> str:
    """Create or edit a cohort (by its id)."""
    who = require(actor, "admin")
    cohort: Cohort = validate_record(Cohort, values)
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        problems = _known(tx, "people", "person_id", cohort.facilitator_id, "facilitator_id", "person")
        if problems:
            raise InvalidData(problems, "; ".join(f"{p.field} {p.message}" for p in problems))
        existed = bool(tx.query("SELECT 1 FROM cohorts WHERE cohort_id = ?", [cohort.cohort_id]))
        tx.execute("DELETE FROM cohorts WHERE cohort_id = ?", [cohort.cohort_id])
        tx.execute("INSERT INTO cohorts VALUES ($cohort_id, $name, $program, $start_date, $end_date, $facilitator_id, "
                   "$channel)", cohort.model_dump())
        audit.record(tx, who.email, "cohort", cohort.cohort_id, "edit" if existed else "create", cohort.name)
    return cohort.cohort_id


def add_member(store: Store, actor: Actor | None, cohort_id: str, person_id: str, joined_on: dt.date) -> None:
    """Put a person into a cohort from a date."""
    who = require(actor, "admin")
    m: Membership = validate_record(Membership, {"cohort_id": cohort_id, "person_id": person_id, "joined_on": joined_on})
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        problems = (_known(tx, "cohorts", "cohort_id", m.cohort_id, "cohort_id", "cohort")
                    + _known(tx, "people", "person_id", m.person_id, "person_id", "person"))
        if tx.query("SELECT 1 FROM memberships WHERE cohort_id = ? AND person_id = ?", [m.cohort_id, m.person_id]):
            problems.append(Problem("person_id", "is already a member of this cohort"))
        if problems:
            raise InvalidData(problems, "; ".join(f"{p.field} {p.message}" for p in problems))
        tx.execute("INSERT INTO memberships VALUES (?, ?, ?, NULL)", [m.cohort_id, m.person_id, m.joined_on])
        audit.record(tx, who.email, "membership", f"{m.cohort_id}/{m.person_id}", "add", f"joined {m.joined_on}")


def remove_member(store: Store, actor: Actor | None, cohort_id: str, person_id: str,
                  left_on: dt.date | None = None) -> None:
    """A member leaves on `left_on` (kept in history), or, without a date, the membership is deleted (a mistake)."""
    who = require(actor, "admin")
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        rows = tx.query("SELECT joined_on FROM memberships WHERE cohort_id = ? AND person_id = ?", [cohort_id, person_id])
        if not rows:
            raise InvalidData([Problem("person_id", "is not a member of this cohort")], "Not a member of this cohort.")
        if left_on is None:
            tx.execute("DELETE FROM memberships WHERE cohort_id = ? AND person_id = ?", [cohort_id, person_id])
            audit.record(tx, who.email, "membership", f"{cohort_id}/{person_id}", "remove", "deleted (added by mistake)")
            return
        if left_on < rows[0][0]:
            raise InvalidData([Problem("left_on", "must be on or after joined_on")], "They cannot leave before they joined.")
        tx.execute("UPDATE memberships SET left_on = ? WHERE cohort_id = ? AND person_id = ?", [left_on, cohort_id, person_id])
        audit.record(tx, who.email, "membership", f"{cohort_id}/{person_id}", "left", f"left {left_on}")


def cohorts(store: Store) -> pd.DataFrame:
    """Every cohort, newest first."""
    return store.query_df("SELECT * FROM cohorts ORDER BY start_date DESC, cohort_id")


def members_of(store: Store, cohort_id: str) -> pd.DataFrame:
    """A cohort's members with their names and dates."""
    return store.query_df(
        "SELECT m.person_id, p.name, p.email, p.team, m.joined_on, m.left_on FROM memberships m "
        "JOIN people p USING (person_id) WHERE m.cohort_id = ? ORDER BY p.name", [cohort_id])


def find_people(store: Store, text: str, limit: int = 50) -> pd.DataFrame:
    """People whose name, email or id contains `text` (plain text, not a pattern)."""
    needle = text.strip().lower()
    return store.query_df(
        "SELECT person_id, name, email, role, team, region, manager_id FROM people "
        "WHERE $t = '' OR contains(lower(name), $t) OR contains(lower(email), $t) OR contains(lower(person_id), $t) "
        "ORDER BY name LIMIT $limit", {"t": needle, "limit": limit})


def save_person(store: Store, actor: Actor | None, values: dict[str, Any]) -> str:
    """Create or edit a person (by id); emails stay unique."""
    who = require(actor, "admin")
    person: Person = validate_record(Person, values)
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        problems = _known(tx, "people", "person_id", person.manager_id, "manager_id", "person")
        if person.manager_id == person.person_id:
            problems.append(Problem("manager_id", "cannot be the person themselves"))
        if tx.query("SELECT 1 FROM people WHERE lower(email) = ? AND person_id <> ?", [person.email, person.person_id]):
            problems.append(Problem("email", "already belongs to another person"))
        if problems:
            raise InvalidData(problems, "; ".join(f"{p.field} {p.message}" for p in problems))
        existed = bool(tx.query("SELECT 1 FROM people WHERE person_id = ?", [person.person_id]))
        tx.execute("DELETE FROM people WHERE person_id = ?", [person.person_id])
        tx.execute("INSERT INTO people VALUES ($person_id, $name, $email, $role, $team, $region, $manager_id)",
                   person.model_dump())
        audit.record(tx, who.email, "person", person.person_id, "edit" if existed else "create", person.name)
    return person.person_id


def add_people(store: Store, actor: Actor | None, rows: list[dict[str, Any]]) -> list[str]:
    """Add several new people at once (from an import report's unknown names); all or nothing."""
    who = require(actor, "admin")
    problems: list[Problem] = []
    people: list[Person] = []
    for n, values in enumerate(rows, start=1):
        try:
            people.append(validate_record(Person, values))
        except InvalidData as exc:
            problems += [Problem(f"row {n}: {p.field}", p.message) for p in exc.problems]
    ids = [p.person_id for p in people]
    emails = [p.email for p in people]
    problems += [Problem(f"row {ids.index(i) + 1}: person_id", "is given twice") for i in set(ids) if ids.count(i) > 1]
    problems += [Problem(f"row {emails.index(e) + 1}: email", "is given twice") for e in set(emails)
                 if emails.count(e) > 1]
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        for n, person in enumerate(people, start=1):
            if tx.query("SELECT 1 FROM people WHERE person_id = ?", [person.person_id]):
                problems.append(Problem(f"row {n}: person_id", "is already a person"))
            if tx.query("SELECT 1 FROM people WHERE lower(email) = ?", [person.email]):
                problems.append(Problem(f"row {n}: email", "already belongs to a person"))
            problems += [Problem(f"row {n}: {p.field}", p.message)
                         for p in _known(tx, "people", "person_id", person.manager_id, "manager_id", "person")]
        if problems:
            raise InvalidData(problems, "Nobody was added: " + "; ".join(f"{p.field} {p.message}" for p in problems))
        for person in people:
            tx.execute("INSERT INTO people VALUES ($person_id, $name, $email, $role, $team, $region, $manager_id)",
                       person.model_dump())
            audit.record(tx, who.email, "person", person.person_id, "create", person.name)
    return ids


# ------------------------------------------------------------------------- message text
def stored_texts(store: Store) -> int:
    """How many events have their words stored (imported with "Import message text")."""
    return int(store.query_value("SELECT count(*) FROM event_texts"))


def purge_texts(store: Store, actor: Actor | None, before: dt.date | None = None) -> int:
    """Delete the stored words of messages (all, or of events before a day); the events themselves stay,
    so every count is unchanged. Admins only; audited. Returns how many were deleted."""
    who = require(actor, "admin")
    with store.transaction() as tx:
        confirm(tx, who, "admin")
        if before is None:
            n = int(tx.query("SELECT count(*) FROM event_texts")[0][0])
            tx.execute("DELETE FROM event_texts")
        else:
            n = int(tx.query("SELECT count(*) FROM event_texts t JOIN events e USING (event_id) "
                             "WHERE CAST(e.occurred_at AS DATE) < ?", [before])[0][0])
            tx.execute("DELETE FROM event_texts WHERE event_id IN (SELECT event_id FROM events "
                       "WHERE CAST(occurred_at AS DATE) < ?)", [before])
        audit.record(tx, who.email, "event_texts", "all" if before is None else f"before {before.isoformat()}",
                     "purge", f"{n:,} message text(s) deleted")
    return n
