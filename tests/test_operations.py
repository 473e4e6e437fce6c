"""The operations layer: one function per thing a person can do, the same for every door.

Every import, whatever its door, is logged, checks the alerts and tells the caches; every write
is re-checked in its transaction for the actor who made it (a revoked token writes nothing);
the local doors act as admins recorded as themselves; results travel over the wire unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from data_layer import alerts, cli
from data_layer.access import auth, tokens
from data_layer.access.auth import Actor, NotPermitted
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.ingest.pipeline import SourceFile
from data_layer.operations import accounts, database, imports
from data_layer.operations.base import Door
from data_layer.operations.catalog import OPERATIONS

from .conftest import LOCAL_ADMIN, SMALL, USERS, add_test_users

TODAY = dt.date(2026, 5, 31)  # last 90 days: members p1, p3, p4 of tests/data/small
NEW_MEMBER = b"cohort_id,person_id,joined_on,left_on\nc1,p6,2026-05-01,\n"


def test_an_import_from_the_page_door_is_logged_checks_alerts_and_clears_caches(
        small_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    cleared: list[str] = []
    monkeypatch.setattr(imports, "_after_import", [lambda: cleared.append("cleared")])
    add_test_users(small_store)
    out = tmp_path / "alerts.log"
    alerts.create(small_store, LOCAL_ADMIN, name="Growing", metric="members", window_days=90, rule="above",
                  threshold=3, min_sample=0, destination=f"file:{out}")
    admin = auth.active_actor(small_store, USERS["admin"])
    checked = imports.import_mapped(small_store, admin, Door("page"), [SourceFile("memberships.csv", NEW_MEMBER)],
                                        imports.ImportParams(dry_run=True))
    assert checked.rows == {"memberships": 1} and checked.alerts == [] and cleared == []  # a dry run: nothing after
    done = imports.import_mapped(small_store, admin, Door("page"), [SourceFile("memberships.csv", NEW_MEMBER)],
                                     imports.ImportParams())
    # p6 makes 4 members over the 90 days, above the line of 3: the import says so, and the alert is sent
    assert [(a.event, a.delivered) for a in done.alerts] == [("fired", True)]
    assert "Members for all cohorts is 4" in json.loads(out.read_text())["text"]
    assert cleared == ["cleared"]
    run = small_store.query_one("SELECT who, via, files, outcome FROM import_runs")
    assert run == (USERS["admin"], "page", ["memberships.csv"], "imported")


def test_a_revoked_token_writes_nothing_though_it_was_valid_when_the_call_began(small_store: Store,
                                                                               tmp_path: Path) -> None:
    token = tokens.create(small_store, LOCAL_ADMIN, "nightly", "admin")
    actor = tokens.authenticate(small_store, token)
    assert actor is not None and actor.role == "admin"
    tokens.revoke(small_store, LOCAL_ADMIN, "nightly")  # between the check at the door and the write
    with pytest.raises(NotPermitted):
        accounts.add_account(small_store, actor, accounts.AddParams(email="new@example.com", name="New",
                                                                    role="viewer", password="a long password"))
    (tmp_path / "memberships.csv").write_bytes(NEW_MEMBER)
    with pytest.raises(NotPermitted):
        imports.import_data(small_store, actor, Door("api", (tmp_path / "memberships.csv",)), imports.ImportParams())
    with pytest.raises(NotPermitted):
        accounts.create_token(small_store, actor, accounts.TokenParams(name="another", role="admin"))
    assert small_store.query_value("SELECT count(*) FROM users") == 0
    assert small_store.query_value("SELECT count(*) FROM memberships WHERE person_id = 'p6'") == 0
    assert small_store.query_value("SELECT count(*) FROM api_tokens WHERE name = 'another'") == 0


def test_each_operation_holds_every_door_to_the_role_in_the_table(small_store: Store) -> None:
    editor = Actor("token:x", "editor", "an editor's script")
    with pytest.raises(NotPermitted, match="import needs the admin role"):
        imports.import_data(small_store, editor, Door("api"), imports.ImportParams())
    with pytest.raises(NotPermitted, match="purge-text needs the admin role"):
        database.purge_text(small_store, editor, database.PurgeParams())
    assert database.report(small_store, editor, database.ReportParams(today=TODAY)).values["members"] == 3
    assert {name: op.role for name, op in OPERATIONS.items() if op.role != "admin"} == {
        "report": "viewer", "digest": "editor", "test-results": "editor"}


def test_local_doors_are_admins_recorded_as_themselves_and_no_account_can_pass_for_one(store: Store) -> None:
    with pytest.raises(ValueError, match="not a local door"):
        auth.local_actor("cli", "eve@example.com", "Eve")
    with pytest.raises(ValueError, match="not a local door"):
        auth.local_actor("server", "root", "root")
    # An account whose email merely starts like a local door's is an account: re-read, and refused once disabled.
    auth.add_user(store, LOCAL_ADMIN, "cli:eve@example.com", "Eve", "admin", "a long password")
    auth.add_user(store, LOCAL_ADMIN, "ann@example.com", "Ann", "admin", "a long password")
    eve = auth.active_actor(store, "cli:eve@example.com")
    assert eve is not None
    auth.set_disabled(store, LOCAL_ADMIN, "cli:eve@example.com", True)
    with pytest.raises(NotPermitted):
        accounts.set_role(store, eve, accounts.SetRoleParams(email="ann@example.com", role="viewer"))
    assert store.query_value("SELECT role FROM users WHERE email = 'ann@example.com'") == "admin"


def test_the_command_line_imports_as_itself(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    assert cli.main(["import", str(SMALL), "--db", str(db)]) == 0
    assert cli.main(["users", "add", "bo@example.com", "--name", "Bo", "--role", "viewer", "--sso-only",
                     "--db", str(db)]) == 0
    with open_database(db) as s:
        assert s.query("SELECT who, via FROM import_runs") == [("command line", "cli")]
        actors = {r[0] for r in s.query("SELECT actor FROM audit_log WHERE entity IN ('import', 'user')")}
    assert len(actors) == 1 and actors.pop().startswith("cli:")


def test_results_travel_over_the_wire_unchanged() -> None:
    """What the server sends is read back by the command line as the very result the operation returned."""
    samples = [
        imports.ImportOutcome({"deals": 12}, False, ["a warning"], ["a note"], 1.5,
                              [imports.AlertNote("fired", "Members is 4", False, "the webhook answered 503")], ["reading"]),
        accounts.Tokens([accounts.TokenRow("ab12", "nightly", "editor", False, dt.datetime(2026, 5, 1, 9, 30)),
                         accounts.TokenRow("cd34", "old", "admin", True, None)]),
        database.BackupOutcome(Path("/srv/backups/lc-20260531.duckdb"), {"people": 6}),
        database.PurgeOutcome(3, dt.date(2026, 1, 1)),
    ]
    for result in samples:
        adapter = TypeAdapter(type(result))
        wire = json.loads(json.dumps(adapter.dump_python(result, mode="json")))
        assert adapter.validate_python(wire) == result
