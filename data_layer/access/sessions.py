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
import threading

from data_layer.db.store import Store, Transaction

SESSION_LIFE = dt.timedelta(days=30)  # at most, even when used every day
# Last use is written at most every 5 minutes per session, and never by the page run itself: it
# is queued and written by one background thread, all waiting sessions in one transaction, so
# forty people opening pages do not each wait for the write lock behind a post-mortem save.
TOUCH_EVERY = dt.timedelta(minutes=5)
FLUSH_SECONDS = 2.0


class _Touches:
    """Sessions' last use, waiting to be written (per Store), and the thread that writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[Store, dict[str, dt.datetime]]] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, store: Store, token_hash: str, now: dt.datetime) -> None:
        with self._lock:
            self._waiting.setdefault(id(store), (store, {}))[1][token_hash] = now
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="session-touches", daemon=True)
                self._thread.start()
        self._wake.set()

    def waiting(self, store: Store, token_hash: str) -> dt.datetime | None:
        """A use of this session not yet written, if any (idle time counts from it)."""
        with self._lock:
            entry = self._waiting.get(id(store))
            return entry[1].get(token_hash) if entry else None

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            self.flush()
            threading.Event().wait(FLUSH_SECONDS)  # gather the touches of the next seconds into one write

    def flush(self) -> None:
        """Write every waiting touch now (one transaction per database)."""
        with self._lock:
            snapshot = [(store, dict(touches)) for store, touches in self._waiting.values()]
        for store, touches in snapshot:
            try:
                with store.transaction() as tx:
                    tx.executemany("UPDATE sessions SET last_used_at = ? WHERE token_hash = ? AND last_used_at < ?",
                                   [[at, key, at] for key, at in touches.items()])
            except Exception:  # noqa: BLE001 - a closed or busy database: last use is a hint, the next touch retries
                continue
            with self._lock:  # forget what is written now (readers saw it as waiting until then)
                waiting = self._waiting.get(id(store), (store, {}))[1]
                for key, at in touches.items():
                    if waiting.get(key) == at:
                        del waiting[key]
                if not waiting:
                    self._waiting.pop(id(store), None)


_touches = _Touches()


def flush_touches() -> None:
    """Write the queued last-use times at once (before reading them back, or before closing a database)."""
    _touches.flush()


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
    # A use still waiting to be written counts (asked before reading the row: once the writer has
    # forgotten it, the row holds it).
    asked_before = {key: _touches.waiting(store, key) for key in keys}
    row = store.query_one(sql, keys)
    if row is None:
        return None
    token_hash, email, last, expires = str(row[0]), str(row[1]), row[2], row[3]
    queued = asked_before.get(token_hash) or _touches.waiting(store, token_hash)
    if queued is not None and queued > last:
        last = queued
    if now > expires or now - last > idle:
        with store.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE token_hash = ?", [token_hash])
        return None
    if now - last > TOUCH_EVERY:
        _touches.add(store, token_hash, now)  # written off this page run, within seconds
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

