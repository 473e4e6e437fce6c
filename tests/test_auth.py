"""Accounts, sign-in, lock-out, roles and the audit trail, called directly on the data layer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data_layer.access import auth
from data_layer.db.audit import AuditQuery, read_trail
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData

from .conftest import LOCAL_ADMIN, PASSWORD, USERS, add_test_users

NOW = dt.datetime(2026, 11, 22, 9, 0, 0)
ADMIN = auth.Actor(USERS["admin"], "admin")
EDITOR = auth.Actor(USERS["editor"], "editor")
VIEWER = auth.Actor(USERS["viewer"], "viewer")


@pytest.fixture
def accounts(store: Store) -> Store:
    add_test_users(store)
    return store


def audit_actions(store: Store) -> list[tuple[str, str, str]]:
    return [(r[0], r[1], r[2]) for r in store.query("SELECT actor, action, entity_id FROM audit_log ORDER BY audit_id")]


def test_no_clear_text_password_anywhere_in_the_database_file(tmp_path: Path) -> None:
    secret = "Unmistakable-Secret-4711"
    path = tmp_path / "a.duckdb"
    with open_database(path) as s:
        auth.add_user(s, LOCAL_ADMIN, "ana@example.com", "Ana", "viewer", secret)
        auth.reset_password(s, LOCAL_ADMIN, "ana@example.com", secret + "-2")
        stored = s.query_value("SELECT password_hash FROM users")
        s.checkpoint()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in data and secret.encode("utf-16-le") not in data
    assert stored.startswith("$argon2id$")


def test_sign_in_works_and_is_case_insensitive_on_email(accounts: Store) -> None:
    actor = auth.sign_in(accounts, "  Editor@Example.com ", PASSWORD, now=NOW)
    assert (actor.email, actor.role) == ("editor@example.com", "editor")


@pytest.mark.parametrize(("email", "password"), [
    ("editor@example.com", "wrong password!"),
    ("nobody@example.com", PASSWORD),
    ("nobody@example.com", "wrong password!"),
])
def test_failures_never_say_whether_the_email_exists(accounts: Store, email: str, password: str) -> None:
    with pytest.raises(auth.SignInFailed) as caught:
        auth.sign_in(accounts, email, password, now=NOW)
    assert str(caught.value) == auth.GENERIC_FAILURE


def test_a_disabled_account_cannot_sign_in_and_gets_the_same_message(accounts: Store) -> None:
    auth.set_disabled(accounts, ADMIN, USERS["editor"], True)
    with pytest.raises(auth.SignInFailed, match=auth.GENERIC_FAILURE):
        auth.sign_in(accounts, USERS["editor"], PASSWORD, now=NOW)
    assert auth.active_actor(accounts, USERS["editor"]) is None


def test_after_five_failures_a_growing_delay_applies(accounts: Store) -> None:
    email = USERS["viewer"]
    for i in range(5):
        with pytest.raises(auth.SignInFailed, match=auth.GENERIC_FAILURE):
            auth.sign_in(accounts, email, "wrong", now=NOW + dt.timedelta(seconds=i))
    # 5th failure at NOW+4s locks for 1 s: even the right password waits.
    with pytest.raises(auth.SignInFailed, match="Wait 1 seconds"):
        auth.sign_in(accounts, email, PASSWORD, now=NOW + dt.timedelta(seconds=4.5))
    with pytest.raises(auth.SignInFailed, match=auth.GENERIC_FAILURE):
        auth.sign_in(accounts, email, "wrong", now=NOW + dt.timedelta(seconds=6))   # 6th failure: 2 s
    with pytest.raises(auth.SignInFailed, match="Too many failed attempts"):
        auth.sign_in(accounts, email, PASSWORD, now=NOW + dt.timedelta(seconds=7))
    actor = auth.sign_in(accounts, email, PASSWORD, now=NOW + dt.timedelta(seconds=8.5))
    assert actor.role == "viewer"
    # Success clears the count: the next mistake is free again.
    with pytest.raises(auth.SignInFailed, match=auth.GENERIC_FAILURE):
        auth.sign_in(accounts, email, "wrong", now=NOW + dt.timedelta(seconds=9))


def test_unknown_emails_are_locked_out_the_same_way(accounts: Store) -> None:
    for i in range(5):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(accounts, "ghost@example.com", "x", now=NOW + dt.timedelta(seconds=i))
    with pytest.raises(auth.SignInFailed, match="Too many failed attempts"):
        auth.sign_in(accounts, "ghost@example.com", "x", now=NOW + dt.timedelta(seconds=4.2))


def test_lockout_delays_double_up_to_fifteen_minutes() -> None:
    assert [auth.lockout_delay(n).total_seconds() for n in (4, 5, 6, 7, 10)] == [0, 1, 2, 4, 32]
    assert auth.lockout_delay(40) == dt.timedelta(minutes=15)


def test_sessions_expire_after_the_idle_time() -> None:
    idle = dt.timedelta(hours=12)
    assert not auth.session_expired(NOW, NOW + dt.timedelta(hours=12), idle)
    assert auth.session_expired(NOW, NOW + dt.timedelta(hours=12, seconds=1), idle)


def test_setup_creates_the_first_admin_once_and_only_with_the_setup_code(store: Store) -> None:
    assert auth.needs_setup(store)
    with pytest.raises(auth.NotPermitted, match="not the setup code"):  # none issued yet
        auth.create_first_admin(store, "mallory@example.com", "Mallory", "a long password", "")
    code = auth.issue_setup_code(store)
    assert code is not None and len(code.replace("-", "")) == 16
    assert store.query_value("SELECT code_hash FROM setup_codes") != code  # stored hashed only
    with pytest.raises(auth.NotPermitted, match="not the setup code"):  # a guess is refused ...
        auth.create_first_admin(store, "mallory@example.com", "Mallory", "a long password", "AAAA-BBBB-CCCC-DDDD")
    assert auth.user_count(store) == 0 and auth.setup_code_issued(store)  # ... and does not burn the code
    admin = auth.create_first_admin(store, "Boss@Example.com", "Boss", "a long password", code.lower())
    assert (admin.email, admin.role) == ("boss@example.com", "admin")
    assert not auth.needs_setup(store) and not auth.setup_code_issued(store)
    assert auth.issue_setup_code(store) is None  # setup is over: no code any more
    with pytest.raises(auth.NotPermitted, match="Setup is finished"):
        auth.create_first_admin(store, "second@example.com", "Eve", "another long password", code)
    assert auth.user_count(store) == 1


def test_short_passwords_and_bad_emails_are_refused_with_a_sentence(accounts: Store) -> None:
    with pytest.raises(InvalidData, match="at least 10 characters"):
        auth.add_user(accounts, ADMIN, "new@example.com", "New", "viewer", "short")
    with pytest.raises(InvalidData) as caught:
        auth.add_user(accounts, ADMIN, "not an email", "New", "viewer", "long enough password")
    assert caught.value.problems[0].field == "email"
    with pytest.raises(InvalidData, match="already has an account"):
        auth.add_user(accounts, ADMIN, USERS["viewer"], "Again", "viewer", "long enough password")


WRITES = [
    ("add_user", lambda s, a: auth.add_user(s, a, "x@example.com", "X", "viewer", "long enough password")),
    ("set_role", lambda s, a: auth.set_role(s, a, USERS["viewer"], "admin")),
    ("set_disabled", lambda s, a: auth.set_disabled(s, a, USERS["admin"], True)),
    ("reset_password", lambda s, a: auth.reset_password(s, a, USERS["admin"], "attacker password!")),
    ("list_users", lambda s, a: auth.list_users(s, a)),
]


@pytest.mark.parametrize("actor", [None, VIEWER, EDITOR], ids=["nobody", "viewer", "editor"])
@pytest.mark.parametrize(("name", "write"), WRITES, ids=[w[0] for w in WRITES])
def test_admin_functions_refuse_everyone_else_and_write_nothing(accounts: Store, actor: auth.Actor | None,
                                                                name: str, write: object) -> None:
    before = accounts.query("SELECT * FROM users ORDER BY email")
    audit_before = accounts.query_value("SELECT count(*) FROM audit_log")
    with pytest.raises(auth.NotPermitted, match="Not permitted"):
        write(accounts, actor)  # type: ignore[operator]
    assert accounts.query("SELECT * FROM users ORDER BY email") == before
    assert accounts.query_value("SELECT count(*) FROM audit_log") == audit_before


def test_the_last_active_admin_cannot_be_demoted_or_disabled(accounts: Store) -> None:
    with pytest.raises(InvalidData, match="last active admin"):
        auth.set_role(accounts, ADMIN, USERS["admin"], "viewer")
    with pytest.raises(InvalidData, match="last active admin"):
        auth.set_disabled(accounts, ADMIN, USERS["admin"], True)
    auth.set_role(accounts, ADMIN, USERS["editor"], "admin")
    auth.set_disabled(accounts, ADMIN, USERS["admin"], True)  # now fine: another admin exists


def test_a_role_change_applies_at_once(accounts: Store) -> None:
    auth.set_role(accounts, ADMIN, USERS["viewer"], "editor")
    actor = auth.active_actor(accounts, USERS["viewer"])
    assert actor is not None and actor.role == "editor"


def test_every_kind_of_write_leaves_one_audit_entry(store: Store) -> None:
    auth.create_first_admin(store, "boss@example.com", "Boss", "a long password", auth.issue_setup_code(store) or "")
    boss = auth.Actor("boss@example.com", "admin")
    auth.add_user(store, boss, "ana@example.com", "Ana", "viewer", "ana's long password")
    auth.set_role(store, boss, "ana@example.com", "editor")
    auth.set_disabled(store, boss, "ana@example.com", True)
    auth.set_disabled(store, boss, "ana@example.com", False)
    auth.reset_password(store, boss, "ana@example.com", "a new long password")
    auth.sign_in(store, "ana@example.com", "a new long password", now=NOW)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(store, "ana@example.com", "wrong", now=NOW)
    auth.record_sign_out(store, auth.Actor("ana@example.com", "editor"))
    assert audit_actions(store) == [
        ("boss@example.com", "setup", "boss@example.com"),
        ("boss@example.com", "create", "ana@example.com"),
        ("boss@example.com", "set_role", "ana@example.com"),
        ("boss@example.com", "disable", "ana@example.com"),
        ("boss@example.com", "enable", "ana@example.com"),
        ("boss@example.com", "reset_password", "ana@example.com"),
        ("ana@example.com", "sign_in", "ana@example.com"),
        ("ana@example.com", "sign_in_failed", "ana@example.com"),
        ("ana@example.com", "sign_out", "ana@example.com"),
    ]


def test_audit_filters_treat_input_as_plain_text(accounts: Store) -> None:
    before = accounts.query_value("SELECT count(*) FROM audit_log")
    for hostile in ["' OR 1=1 --", "%", "_", "x'); DELETE FROM audit_log; --"]:
        assert read_trail(accounts, AuditQuery(actor=hostile)).empty
        assert read_trail(accounts, AuditQuery(text=hostile)).empty
    assert accounts.query_value("SELECT count(*) FROM audit_log") == before
    found = read_trail(accounts, AuditQuery(actor="cli", text="EDITOR@", action="create"))
    assert list(found["entity_id"]) == [USERS["editor"]]


def test_sso_maps_known_active_emails_only(accounts: Store) -> None:
    assert auth.sign_in_sso(accounts, "Admin@Example.com").role == "admin"
    with pytest.raises(auth.SignInFailed, match="no access"):
        auth.sign_in_sso(accounts, "stranger@example.com")
    with pytest.raises(auth.SignInFailed, match="no access"):
        auth.sign_in_sso(accounts, None)


def test_production_hashes_use_rfc_9106_parameters_and_weaker_ones_are_rehashed(tmp_path: Path) -> None:
    """The suite hashes cheaply (conftest); a fresh process, as the app runs, does not; and a
    sign-in there upgrades a cheap hash to the strong one."""
    import subprocess
    import sys

    db = tmp_path / "hash.duckdb"
    with open_database(db) as s:
        auth.add_user(s, LOCAL_ADMIN, "cheap@example.com", "Cheap", "viewer", "correct horse battery")
        assert s.query_value("SELECT password_hash FROM users").startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    script = ("import sys; from data_layer.access import auth; from data_layer.db.migrations import open_database\n"
              "print(auth.hash_password('correct horse battery')[:30])\n"
              "with open_database(sys.argv[1]) as s:\n"
              "    auth.sign_in(s, 'cheap@example.com', 'correct horse battery')\n"
              "    print(s.query_value('SELECT password_hash FROM users')[:30])\n")
    out = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout.split()
    assert out == ["$argon2id$v=19$m=65536,t=3,p=4"] * 2
