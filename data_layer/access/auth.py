"""Accounts, roles and sign-in, enforced in the data layer so no page can skip them.

Passwords are hashed with argon2id (argon2-cffi, its RFC 9106 defaults) and never stored
or returned in clear. Sign-in failures never say whether an email exists: unknown emails
are hashed against a dummy hash (same time) and counted for lock-out like known ones.
After 5 failures for an email, each further try must wait a delay that doubles, up to 15
minutes. Every write here records one audit entry in the same transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from data_layer.access import sessions
from data_layer.db import audit
from data_layer.db.store import Store, Transaction
from data_layer.domain.errors import InvalidData, LearningCultureError, Problem
from data_layer.domain.models import User, validate_record

ROLE_RANK = {"viewer": 1, "editor": 2, "admin": 3}
MIN_PASSWORD_LENGTH = 10
FREE_FAILURES = 5
MAX_DELAY = dt.timedelta(minutes=15)
GENERIC_FAILURE = "That email and password do not match an active account."
_HASHER = PasswordHasher()  # argon2id, m=64 MiB, t=3, p=4
_DUMMY_HASH = _HASHER.hash("not a real password, used to even out timing")


class NotPermitted(LearningCultureError):
    """The signed-in person's role does not allow this."""

    def __init__(self, message: str = "Not permitted: your role does not allow this.") -> None:
        super().__init__(message)


class SignInFailed(LearningCultureError):
    """Wrong email or password, a disabled account, or a lock-out; the message says which without naming the account."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account (its email), an API token ("token:<id>") or someone at the machine that
    holds the database file ("cli:<OS user>", "inbox:drop folder"; see local_actor), with a role."""

    email: str
    role: str
    name: str = ""

    def can(self, role: str) -> bool:
        """True when this actor's role is `role` or above."""
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]


TOKEN_PREFIX = "token:"  # an API token acts as Actor("token:<id>", its role, its name)
# Doors on the machine that holds the database file itself: whoever can use them can open the file
# anyway, so they act as admins; they are named for the audit trail, and their rights still checked.
LOCAL_DOORS = ("cli", "inbox")


def local_actor(door: str, who: str, name: str) -> Actor:
    """An admin acting through a local door (the command line as an OS user, the drop folder), as such."""
    if door not in LOCAL_DOORS or "@" in who:  # an account's email always has an @: never mistaken for this
        raise ValueError(f"{door}:{who} is not a local door's actor")
    return Actor(email=f"{door}:{who}", role="admin", name=name)


def require(actor: Actor | None, role: str) -> Actor:
    """The actor, if signed in with `role` or above; otherwise NotPermitted."""
    if actor is None or not actor.can(role):
        raise NotPermitted()
    return actor


def confirm(tx: Transaction, actor: Actor, role: str) -> Actor:
    """Inside a write's transaction: the account as it is now must still be active with `role` or above.

    The role a page or form saw may be stale (disabled or demoted since): every write re-reads it
    in the transaction that writes, so nothing is written after the moment rights end.
    """
    if actor.email.partition(":")[0] in LOCAL_DOORS and "@" not in actor.email:
        # no account to re-read: the file's owner at its own machine, checked against the role it was given
        if not actor.can(role):
            raise NotPermitted()
        return actor
    if actor.email.startswith(TOKEN_PREFIX):  # an API token: still there, not revoked, role enough
        rows = tx.query("SELECT role, revoked_at IS NOT NULL FROM api_tokens WHERE token_id = ?",
                        [actor.email.removeprefix(TOKEN_PREFIX)])
    else:
        rows = tx.query("SELECT role, disabled FROM users WHERE email = ?", [actor.email])
    if not rows or rows[0][1] or ROLE_RANK.get(str(rows[0][0]), 0) < ROLE_RANK[role]:
        raise NotPermitted()
    return Actor(actor.email, str(rows[0][0]), actor.name)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData([Problem("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")],
                          f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """An argon2id hash of the password (after checking its length)."""
    _check_password(password)
    return _HASHER.hash(password)


def _norm(email: str) -> str:
    return email.strip().lower()


# ------------------------------------------------------------------------------ reads
def user_count(store: Store) -> int:
    """How many accounts exist (0 means the app opens on first-run setup)."""
    return int(store.query_value("SELECT count(*) FROM users"))


def needs_setup(store: Store) -> bool:
    """True for a database with no accounts at all."""
    return user_count(store) == 0


def active_actor(store: Store, email: str) -> Actor | None:
    """The account as it is now (role changes and disabling apply at once), or None."""
    row = store.query_one("SELECT email, role, name FROM users WHERE email = ? AND NOT disabled", [_norm(email)])
    return None if row is None else Actor(email=row[0], role=row[1], name=row[2])


def list_users(store: Store, actor: Actor | None) -> pd.DataFrame:
    """Every account, without password hashes (admins only)."""
    require(actor, "admin")
    return store.query_df(
        "SELECT email, name, role, disabled, person_id, created_at, password_hash IS NOT NULL AS has_password "
        "FROM users ORDER BY email")


def is_demo(store: Store) -> bool:
    """True only for a database made by `learning-culture demo` (it may show demo credentials)."""
    return bool(store.query_value("SELECT value FROM app_meta WHERE key = 'demo'") == "true")


# ----------------------------------------------------------------------------- writes
def _insert_user(tx: Transaction, user: User, password: str | None, now: dt.datetime) -> None:
    if tx.query("SELECT 1 FROM users WHERE email = ?", [user.email]):
        raise InvalidData([Problem("email", "already has an account")], f"{user.email} already has an account")
    tx.execute(
        "INSERT INTO users (email, name, role, password_hash, disabled, person_id, created_at) "
        "VALUES (?, ?, ?, ?, FALSE, ?, ?)",
        [user.email, user.name, user.role, None if password is None else hash_password(password),
         user.person_id, now],
    )


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace(" ", "").encode()).hexdigest()


def issue_setup_code(store: Store) -> str | None:
    """A new one-time setup code for a database with no accounts (None once setup is done).

    Only its hash is stored; the server prints the code in its log, as Jupyter and Grafana do, so
    the first person to open an empty database is not its administrator by default."""
    if not needs_setup(store):
        return None
    raw = base64.b32encode(secrets.token_bytes(10)).decode()  # 80 bits, no 0/1/8/9 confusion
    code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
    with store.transaction() as tx:
        tx.execute("DELETE FROM setup_codes")
        tx.execute("INSERT INTO setup_codes VALUES (?, ?)", [_code_hash(code), audit.utc_now()])
    return code


def setup_code_issued(store: Store) -> bool:
    """True when a setup code is waiting to be used."""
    return bool(store.query_value("SELECT count(*) FROM setup_codes"))


def create_first_admin(store: Store, email: str, name: str, password: str, setup_code: str) -> Actor:
    """First-run setup: create the first admin, given the setup code from the server's log; refused once
    any account exists or with a wrong code (which stays valid: a guess does not burn it)."""
    user = validate_record(User, {"email": email, "name": name, "role": "admin"})
    now = audit.utc_now()
    with store.transaction() as tx:
        if tx.query("SELECT 1 FROM users LIMIT 1"):
            raise NotPermitted("Setup is finished: an account already exists. Sign in instead.")
        stored = tx.query("SELECT code_hash FROM setup_codes")
        if not stored or not any(hmac.compare_digest(row[0], _code_hash(setup_code)) for row in stored):
            raise NotPermitted("That is not the setup code. Copy it from the log of the server (the line "
                               "\"First run: the setup code is ...\").")
        tx.execute("DELETE FROM setup_codes")
        _insert_user(tx, user, password, now)
        audit.record(tx, user.email, "user", user.email, "setup", "first admin created", at=now)
    return Actor(user.email, "admin", user.name)


def add_user(store: Store, actor: Actor | None, email: str, name: str, role: str,
             password: str | None = None, person_id: str | None = None) -> None:
    """Add an account (admins only). No password means single sign-on only."""
    who = require(actor, "admin")
    user = validate_record(User, {"email": email, "name": name, "role": role, "person_id": person_id})
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        _insert_user(tx, user, password, now)
        audit.record(tx, who.email, "user", user.email, "create", f"role {user.role}", at=now)


def _existing(tx: Transaction, email: str) -> tuple[str, bool]:
    rows = tx.query("SELECT role, disabled FROM users WHERE email = ?", [email])
    if not rows:
        raise InvalidData([Problem("email", "has no account")], f"{email} has no account")
    return str(rows[0][0]), bool(rows[0][1])


def _keep_an_admin(tx: Transaction, email: str) -> None:
    others = tx.query("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND email <> ?", [email])
    if not others[0][0]:
        raise InvalidData([Problem("email", "is the last active admin")],
                          "This is the last active admin; make another admin first.")


def set_role(store: Store, actor: Actor | None, email: str, role: str) -> None:
    """Change an account's role (admins only); the last active admin keeps theirs."""
    who = require(actor, "admin")
    email = _norm(email)
    if role not in ROLE_RANK:
        raise InvalidData([Problem("role", "use one of viewer, editor or admin")], "role must be viewer, editor or admin")
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        old, disabled = _existing(tx, email)
        if old == "admin" and role != "admin" and not disabled:
            _keep_an_admin(tx, email)
        tx.execute("UPDATE users SET role = ? WHERE email = ?", [role, email])
        sessions.end_all(tx, email)  # a new role takes a new sign-in
        audit.record(tx, who.email, "user", email, "set_role", f"{old} -> {role}")


def set_disabled(store: Store, actor: Actor | None, email: str, disabled: bool) -> None:
    """Disable (or re-enable) an account (admins only); a disabled account cannot sign in."""
    who = require(actor, "admin")
    email = _norm(email)
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        role, _ = _existing(tx, email)
        if disabled and role == "admin":
            _keep_an_admin(tx, email)
        tx.execute("UPDATE users SET disabled = ? WHERE email = ?", [disabled, email])
        sessions.end_all(tx, email)
        audit.record(tx, who.email, "user", email, "disable" if disabled else "enable")


def reset_password(store: Store, actor: Actor | None, email: str, password: str) -> None:
    """Set a new password for an account (admins only); also clears its lock-out."""
    who = require(actor, "admin")
    email = _norm(email)
    hashed = hash_password(password)
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        _existing(tx, email)
        tx.execute("UPDATE users SET password_hash = ? WHERE email = ?", [hashed, email])
        sessions.end_all(tx, email)
        tx.execute("DELETE FROM sign_in_limits WHERE key = ? OR starts_with(key, ?)",
                   [f"account:{email}", f"pair:{email}|"])
        audit.record(tx, who.email, "user", email, "reset_password")


def lockout_delay(failures: int, free: int = FREE_FAILURES) -> dt.timedelta:
    """How long to wait after `failures` failed tries: nothing for the first `free`, then 1 s, 2 s, 4 s ... 15 min."""
    if failures < free:
        return dt.timedelta(0)
    return min(MAX_DELAY, dt.timedelta(seconds=2 ** min(failures - free, 20)))


# Three counters limit guessing, each with its own allowance of free failures:
#   "pair"    one account from one client address (5): a person mistyping is slowed, nobody else;
#   "address" one client address, whatever the account (20): one address cannot lock everyone out,
#             nor try many accounts;
#   "account" one account from any address (50): many addresses cannot brute-force one account.
# Counters forget failures an hour old; a successful sign-in clears its pair and account counters.
LIMITS = (("pair", FREE_FAILURES), ("address", 20), ("account", 50))
_FORGET = dt.timedelta(hours=1)
# Attempts on one account run one at a time (striped locks, so memory stays bounded): the attempt
# is recorded and the lock decided before the slow password check, inside this lock, so parallel
# attempts cannot all slip through between one check and the next.
_STRIPES = [threading.Lock() for _ in range(256)]


def _stripe(email: str) -> threading.Lock:
    return _STRIPES[int(hashlib.sha1(email.encode()).hexdigest()[:8], 16) % len(_STRIPES)]


def _limit_keys(email: str, client: str | None) -> list[tuple[str, int]]:
    address = (client or "-").strip()[:64] or "-"
    keys = {"pair": f"pair:{email}|{address}", "address": f"address:{address}", "account": f"account:{email}"}
    return [(keys[kind], free) for kind, free in LIMITS if not (kind == "address" and address == "-")]


def _reserve_attempt(tx: Transaction, email: str, client: str | None, now: dt.datetime) -> None:
    """Refuse when a counter is locked; otherwise count this attempt as a failure until it succeeds."""
    keys = _limit_keys(email, client)
    rows = {str(k): (int(f), t, lk) for k, f, t, lk in tx.query(
        "SELECT key, failures, last_failed_at, locked_until FROM sign_in_limits WHERE list_contains(?, key)",
        [[k for k, _ in keys]])}
    waits = [lk for _k, (_f, _t, lk) in rows.items() if lk is not None and lk > now]
    if waits:
        wait = int((max(waits) - now).total_seconds()) + 1
        raise SignInFailed(f"Too many failed attempts. Wait {wait} seconds before trying again.")
    for key, free in keys:
        failures, last, _lk = rows.get(key, (0, now, None))
        failures = 1 if now - last > _FORGET else failures + 1
        delay = lockout_delay(failures, free)
        tx.execute("INSERT OR REPLACE INTO sign_in_limits VALUES (?, ?, ?, ?)",
                   [key, failures, now, now + delay if delay else None])


def sign_in(store: Store, email: str, password: str, now: dt.datetime | None = None,
            client: str | None = None) -> Actor:
    """Check a password; return the actor, or raise SignInFailed with a message that reveals nothing.

    `client` is the address the attempt comes from (the app passes the browser's IP address).
    """
    now = now or audit.utc_now()
    email = _norm(email)[:320]
    with _stripe(email):
        with store.transaction() as tx:
            _reserve_attempt(tx, email, client, now)
        row = store.query_one("SELECT password_hash, role, name, disabled FROM users WHERE email = ?", [email])
        ok = False
        try:
            # Always run one verification, so a missing account takes as long as a wrong password.
            ok = _HASHER.verify(row[0] if row and row[0] else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and row is not None and row[0] is not None and not row[3]
        with store.transaction() as tx:
            if ok and row is not None:
                keys = [k for k, _free in _limit_keys(email, client) if not k.startswith("address:")]
                tx.execute("DELETE FROM sign_in_limits WHERE list_contains(?, key)", [keys])
                audit.record(tx, email, "session", email, "sign_in", at=now)
            else:
                audit.record(tx, email, "session", email, "sign_in_failed", f"from {client or 'unknown'}", at=now)
    if not ok or row is None:
        raise SignInFailed(GENERIC_FAILURE)
    if _HASHER.check_needs_rehash(row[0]):
        with store.transaction() as tx:
            tx.execute("UPDATE users SET password_hash = ? WHERE email = ?", [_HASHER.hash(password), email])
    return Actor(email=email, role=str(row[1]), name=str(row[2]))


def unlock(store: Store, actor: Actor | None, email: str) -> None:
    """Clear an account's sign-in lock-out from every address (admins only)."""
    who = require(actor, "admin")
    email = _norm(email)
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        tx.execute("DELETE FROM sign_in_limits WHERE key = ? OR starts_with(key, ?)",
                   [f"account:{email}", f"pair:{email}|"])
        audit.record(tx, who.email, "user", email, "unlock")


def locked_accounts(store: Store, now: dt.datetime | None = None) -> list[str]:
    """Accounts (or unknown emails) locked out from some address right now."""
    now = now or audit.utc_now()
    rows = store.query("SELECT DISTINCT split_part(substr(key, length(split_part(key, ':', 1)) + 2), '|', 1) "
                       "FROM sign_in_limits WHERE (starts_with(key, 'pair:') OR starts_with(key, 'account:')) "
                       "AND locked_until > ? ORDER BY 1", [now])
    return [str(r[0]) for r in rows]


def sign_in_sso(store: Store, email: str | None) -> Actor:
    """Map a single-sign-on identity to an account; unknown or disabled emails get no access."""
    actor = active_actor(store, email or "")
    with store.transaction() as tx:
        audit.record(tx, _norm(email or "unknown"), "session", _norm(email or ""),
                     "sign_in" if actor else "sign_in_failed", "single sign-on")
    if actor is None:
        raise SignInFailed("Your single sign-on account has no access to this dashboard. "
                           "Ask an administrator to add your email.")
    return actor


def record_sign_out(store: Store, actor: Actor) -> None:
    """Sign out: end every session of the account (every tab and browser) and note it in the audit trail."""
    with store.transaction() as tx:
        sessions.end_all(tx, actor.email)
        audit.record(tx, actor.email, "session", actor.email, "sign_out")


def session_expired(last_seen: dt.datetime, now: dt.datetime, idle: dt.timedelta) -> bool:
    """True when a session has been idle longer than `idle`."""
    return now - last_seen > idle


DEMO_USERS = (
    ("viewer@demo.example", "Demo Executive", "viewer", "demo-viewer-pass"),
    ("editor@demo.example", "Demo Enablement", "editor", "demo-editor-pass"),
    ("admin@demo.example", "Demo Admin", "admin", "demo-admin-pass"),
)


def create_demo_users(tx: Transaction) -> None:
    """One account per role for demo databases (their credentials are shown on the sign-in page)."""
    now = audit.utc_now()
    tx.execute("DELETE FROM users WHERE email LIKE '%@demo.example'")
    # The editor and admin write as demo people (a marketer, a partner manager), so what they
    # write counts for those people's cohorts and contributions.
    linked = {
        "editor": tx.query("SELECT min(person_id) FROM people WHERE role = 'marketer'"),
        "admin": tx.query("SELECT min(person_id) FROM people WHERE role = 'partner manager'"),
    }
    for email, name, role, password in DEMO_USERS:
        person = linked.get(role, [[None]])[0][0]
        tx.execute("INSERT INTO users (email, name, role, password_hash, disabled, person_id, created_at) "
                   "VALUES (?, ?, ?, ?, FALSE, ?, ?)", [email, name, role, hash_password(password), person, now])
        audit.record(tx, "demo", "user", email, "create", f"demo account, role {role}", at=now)
