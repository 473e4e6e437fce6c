"""Sign-in sessions like any web app's: a random token in an HttpOnly cookie, its hash here.

Signing in (in the app) makes a *ticket*: a random value kept by that browser tab's server-side
session and sent once to the server's `/auth/v1/session` route, which trades it for a session
token set as an HttpOnly cookie. Only SHA-256 hashes of tickets and tokens are stored, with the
account, the expiry and the last use, so a copy of the database signs nobody in. A refresh, a
new tab or a shared link carries the cookie and opens signed in. The tab that signed in follows
its session through the ticket (the session row keeps the ticket's hash as its origin). Every
page run checks the session again: signing out, disabling an account, changing its role or
resetting its password deletes every session of that account at once; a session idle longer
than the idle limit, or older than 30 days, ends too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from data_layer.db.store import Store, Transaction

SESSION_LIFE = dt.timedelta(days=30)  # at most, even when used every day
TOUCH_EVERY = dt.timedelta(seconds=60)  # last use is written at most once a minute


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _valid(value: str | None) -> bool:
    return bool(value) and len(value or "") <= 200


def open_tab(store: Store, email: str, now: dt.datetime) -> str:
    """After a sign-in: a ticket for this tab (its session follows it) to trade for a cookie."""
    ticket = secrets.token_urlsafe(32)
    with store.transaction() as tx:
        tx.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
        tx.execute("INSERT INTO sessions VALUES (?, ?, 'ticket', NULL, ?, ?, ?)",
                   [_hash(ticket), email, now, now, now + SESSION_LIFE])
    return ticket


def redeem(store: Store, ticket: str, now: dt.datetime) -> str | None:
    """A new session token for a live ticket (traded once), or None."""
    if not _valid(ticket):
        return None
    token = secrets.token_urlsafe(32)
    with store.transaction() as tx:
        rows = tx.query("SELECT email, expires_at FROM sessions WHERE token_hash = ? AND kind = 'ticket'",
                        [_hash(ticket)])
        if not rows or rows[0][1] < now:
            return None
        email = str(rows[0][0])
        if not tx.query("SELECT 1 FROM users WHERE email = ? AND NOT disabled", [email]):
            return None
        tx.execute("DELETE FROM sessions WHERE token_hash = ?", [_hash(ticket)])
        tx.execute("INSERT INTO sessions VALUES (?, ?, 'session', ?, ?, ?, ?)",
                   [_hash(token), email, _hash(ticket), now, now, now + SESSION_LIFE])
    return token


_COLUMNS = "SELECT token_hash, email, last_used_at, expires_at FROM sessions"
BY_COOKIE = _COLUMNS + " WHERE token_hash = ? AND kind = 'session'"
# One statement for a tab: its traded session or, before the trade, its ticket. Two separate
# reads would race the trade (redeem deletes the ticket and adds the session in between) and
# find neither, signing the person out in the middle of their first page.
BY_TAB = (_COLUMNS + " WHERE (origin = ? AND kind = 'session') OR (token_hash = ? AND kind = 'ticket')"
          " ORDER BY kind = 'session' DESC LIMIT 1")


def _live(store: Store, sql: str, keys: list[str], now: dt.datetime, idle: dt.timedelta) -> str | None:
    row = store.query_one(sql, keys)
    if row is None:
        return None
    token_hash, email, last, expires = str(row[0]), str(row[1]), row[2], row[3]
    if now > expires or now - last > idle:
        with store.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE token_hash = ?", [token_hash])
        return None
    if now - last > TOUCH_EVERY:
        with store.transaction() as tx:
            tx.execute("UPDATE sessions SET last_used_at = ? WHERE token_hash = ?", [now, token_hash])
    return email


def cookie_email(store: Store, token: str | None, now: dt.datetime, idle: dt.timedelta) -> str | None:
    """The account of a live session cookie (touching its last use), or None."""
    if not _valid(token):
        return None
    return _live(store, BY_COOKIE, [_hash(str(token))], now, idle)


def tab_email(store: Store, ticket: str | None, now: dt.datetime, idle: dt.timedelta) -> str | None:
    """The account of the tab that signed in with `ticket`, while its session lives, or None."""
    if not _valid(ticket):
        return None
    key = _hash(str(ticket))
    return _live(store, BY_TAB, [key, key], now, idle)


def end_token(store: Store, token: str | None) -> None:
    """End one session (its cookie then opens nothing)."""
    if _valid(token):
        with store.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE token_hash = ?", [_hash(str(token))])


def end_all(tx: Transaction, email: str) -> None:
    """End every session and ticket of an account (inside the transaction that changes it)."""
    tx.execute("DELETE FROM sessions WHERE email = ?", [email])


def count_sessions(store: Store, email: str) -> int:
    """How many sessions (cookies traded or tickets waiting) an account has."""
    return int(store.query_value("SELECT count(*) FROM sessions WHERE email = ?", [email]))
