"""Cookie sessions: made from a one-time ticket, checked on every run, ended everywhere at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data_layer.access import auth, sessions
from data_layer.db.migrations import open_database
from data_layer.db.store import Store

from .conftest import LOCAL_ADMIN, USERS

NOW = dt.datetime(2026, 5, 1, 9, 0)
IDLE = dt.timedelta(hours=12)


@pytest.fixture
def accounts(store: Store) -> Store:
    for role, email in USERS.items():
        auth.add_user(store, LOCAL_ADMIN, email, role.title(), role, "a long enough password")
    return store


def signed_in(store: Store, email: str, now: dt.datetime = NOW) -> tuple[str, str]:
    ticket = sessions.open_tab(store, email, now)
    token = sessions.redeem(store, ticket, now)
    assert token is not None
    return ticket, token


def test_a_ticket_is_traded_once_for_a_cookie_session(accounts: Store) -> None:
    ticket = sessions.open_tab(accounts, USERS["editor"], NOW)
    assert sessions.tab_email(accounts, ticket, NOW, IDLE) == USERS["editor"]  # before the cookie is set
    token = sessions.redeem(accounts, ticket, NOW)
    assert token and token != ticket
    assert sessions.redeem(accounts, ticket, NOW) is None  # once only
    assert sessions.cookie_email(accounts, token, NOW, IDLE) == USERS["editor"]
    assert sessions.tab_email(accounts, ticket, NOW, IDLE) == USERS["editor"]  # the tab follows its session
    assert sessions.cookie_email(accounts, "forged", NOW, IDLE) is None
    assert sessions.cookie_email(accounts, None, NOW, IDLE) is None


def test_a_new_sign_in_gets_a_new_token(accounts: Store) -> None:
    _t1, first = signed_in(accounts, USERS["viewer"])
    _t2, second = signed_in(accounts, USERS["viewer"])
    assert first != second
    assert accounts.query_value("SELECT count(*) FROM sessions WHERE email = ?", [USERS["viewer"]]) == 2


def test_idle_sessions_end_and_use_keeps_them_alive(accounts: Store) -> None:
    _ticket, token = signed_in(accounts, USERS["viewer"])
    assert sessions.cookie_email(accounts, token, NOW + dt.timedelta(hours=11), IDLE) == USERS["viewer"]
    # Used at 11 h: idle is counted from there.
    assert sessions.cookie_email(accounts, token, NOW + dt.timedelta(hours=22), IDLE) == USERS["viewer"]
    assert sessions.cookie_email(accounts, token, NOW + dt.timedelta(hours=34, minutes=1), IDLE) is None
    assert accounts.query_value("SELECT count(*) FROM sessions WHERE email = ?", [USERS["viewer"]]) == 0  # ended, not just refused


@pytest.mark.parametrize("ending", ["sign_out", "disable", "role", "password"])
def test_every_session_of_an_account_ends_at_once(accounts: Store, ending: str) -> None:
    email = USERS["editor"]
    t1, c1 = signed_in(accounts, email)
    t2, c2 = signed_in(accounts, email)
    _t3, other = signed_in(accounts, USERS["viewer"])
    if ending == "sign_out":
        auth.record_sign_out(accounts, auth.Actor(email, "editor"))
    elif ending == "disable":
        auth.set_disabled(accounts, LOCAL_ADMIN, email, True)
    elif ending == "role":
        auth.set_role(accounts, LOCAL_ADMIN, email, "viewer")
    else:
        auth.reset_password(accounts, LOCAL_ADMIN, email, "another long password")
    for token in (c1, c2):
        assert sessions.cookie_email(accounts, token, NOW, IDLE) is None
    for ticket in (t1, t2):
        assert sessions.tab_email(accounts, ticket, NOW, IDLE) is None
    assert sessions.cookie_email(accounts, other, NOW, IDLE) == USERS["viewer"]


def test_a_disabled_account_cannot_trade_a_ticket(accounts: Store) -> None:
    ticket = sessions.open_tab(accounts, USERS["editor"], NOW)
    accounts.execute("UPDATE users SET disabled = TRUE WHERE email = ?", [USERS["editor"]])
    assert sessions.redeem(accounts, ticket, NOW) is None


def test_tokens_and_tickets_are_never_stored_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_database(path) as store:
        auth.add_user(store, LOCAL_ADMIN, USERS["viewer"], "V", "viewer", "a long enough password")
        ticket, token = signed_in(store, USERS["viewer"])
        store.execute("CHECKPOINT")
        stored = [str(v) for row in store.query("SELECT * FROM sessions") for v in row]
    assert ticket not in stored and token not in stored
    raw = path.read_bytes()
    assert ticket.encode() not in raw and token.encode() not in raw


def test_a_tab_stays_signed_in_while_its_ticket_is_traded(accounts: Store) -> None:
    """The page checks the tab's session while the browser trades the ticket for a cookie: at
    no moment of the trade may the check find neither the ticket nor the session."""
    import threading

    email = USERS["editor"]
    for _ in range(20):
        ticket = sessions.open_tab(accounts, email, NOW)
        seen: list[str | None] = []
        traded = threading.Event()

        def check(ticket: str, seen: list[str | None], traded: threading.Event) -> None:
            while not traded.is_set():
                seen.append(sessions.tab_email(accounts, ticket, NOW, IDLE))
            seen.append(sessions.tab_email(accounts, ticket, NOW, IDLE))

        checker = threading.Thread(target=check, args=(ticket, seen, traded))
        checker.start()
        assert sessions.redeem(accounts, ticket, NOW) is not None
        traded.set()
        checker.join()
        assert seen and set(seen) == {email}
