"""Admin writes: saved mappings, cohorts, memberships and people (validated, audited, admins only)."""

from __future__ import annotations

import datetime as dt

import pytest

from data_layer.access import auth
from data_layer.db.store import Store
from data_layer.directory import admin
from data_layer.domain.errors import InvalidData
from data_layer.ingest.pipeline import preset_mapping

from .conftest import USERS, add_test_users

ADMIN = auth.Actor(USERS["admin"], "admin")


@pytest.fixture
def db(small_store: Store) -> Store:
    add_test_users(small_store)
    return small_store


def test_saved_mappings_come_back_by_name(db: Store) -> None:
    admin.save_mapping(db, ADMIN, "Salesforce Q4", preset_mapping("crm_opportunities"))
    assert admin.saved_mappings(db) == {"Salesforce Q4": preset_mapping("crm_opportunities")}
    with pytest.raises(InvalidData, match="Give the mapping a name"):
        admin.save_mapping(db, ADMIN, "  ", preset_mapping("crm_opportunities"))


def test_cohorts_and_memberships(db: Store) -> None:
    admin.save_cohort(db, ADMIN, {"cohort_id": "c3", "name": "Beacon", "program": "Ecosystem Selling",
                                  "start_date": "2026-06-01", "facilitator_id": "p5", "channel": "#cohort-beacon"})
    admin.add_member(db, ADMIN, "c3", "p6", dt.date(2026, 6, 1))
    assert list(admin.members_of(db, "c3")["person_id"]) == ["p6"]
    with pytest.raises(InvalidData, match="already a member"):
        admin.add_member(db, ADMIN, "c3", "p6", dt.date(2026, 6, 2))
    with pytest.raises(InvalidData, match="person_id is not a known person"):
        admin.add_member(db, ADMIN, "c3", "ghost", dt.date(2026, 6, 2))
    with pytest.raises(InvalidData, match="cannot leave before they joined"):
        admin.remove_member(db, ADMIN, "c3", "p6", dt.date(2026, 5, 1))
    admin.remove_member(db, ADMIN, "c3", "p6", dt.date(2026, 7, 1))
    assert db.query_value("SELECT left_on FROM memberships WHERE cohort_id = 'c3'") == dt.date(2026, 7, 1)
    admin.remove_member(db, ADMIN, "c3", "p6")
    assert admin.members_of(db, "c3").empty
    with pytest.raises(InvalidData, match="end_date"):
        admin.save_cohort(db, ADMIN, {"cohort_id": "c4", "name": "x", "program": "y", "start_date": "2026-06-01",
                                      "end_date": "2026-05-01"})
    actions = [r[0] for r in db.query("SELECT action FROM audit_log WHERE actor = ? ORDER BY audit_id", [ADMIN.email])]
    assert actions == ["create", "add", "left", "remove"]


def test_people_are_validated_and_emails_stay_unique(db: Store) -> None:
    admin.save_person(db, ADMIN, {"person_id": "p7", "name": "Gus", "email": "Gus@Example.com", "role": "AE",
                                  "manager_id": "p1"})
    assert db.query_value("SELECT email FROM people WHERE person_id = 'p7'") == "gus@example.com"
    with pytest.raises(InvalidData, match="email already belongs to another person"):
        admin.save_person(db, ADMIN, {"person_id": "p8", "name": "Copy", "email": "ana@example.com", "role": "AE"})
    with pytest.raises(InvalidData, match="manager_id cannot be the person themselves"):
        admin.save_person(db, ADMIN, {"person_id": "p7", "name": "Gus", "email": "gus@example.com", "role": "AE",
                                      "manager_id": "p7"})
    assert list(admin.find_people(db, "GUS")["person_id"]) == ["p7"]
    assert admin.find_people(db, "' OR 1=1 --").empty


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_may(db: Store, role: str) -> None:
    who = auth.Actor(USERS[role], role)
    before = db.query("SELECT (SELECT count(*) FROM cohorts), (SELECT count(*) FROM people), "
                      "(SELECT count(*) FROM memberships), (SELECT count(*) FROM import_mappings)")
    for write in (lambda: admin.save_mapping(db, who, "x", preset_mapping("crm_opportunities")),
                  lambda: admin.save_cohort(db, who, {"cohort_id": "c9", "name": "x", "program": "y",
                                                      "start_date": "2026-01-01"}),
                  lambda: admin.add_member(db, who, "c1", "p6", dt.date(2026, 1, 1)),
                  lambda: admin.remove_member(db, who, "c1", "p1"),
                  lambda: admin.save_person(db, who, {"person_id": "p9", "name": "x", "email": "x@example.com",
                                                      "role": "AE"})):
        with pytest.raises(auth.NotPermitted):
            write()
    assert db.query("SELECT (SELECT count(*) FROM cohorts), (SELECT count(*) FROM people), "
                    "(SELECT count(*) FROM memberships), (SELECT count(*) FROM import_mappings)") == before
