"""Accounts, roles and sign-in, enforced in the data layer so no page can skip them.

Passwords are hashed with argon2id (argon2-cffi, its RFC 9106 defaults) and never stored
or returned in clear. Sign-in failures never say whether an email exists: unknown emails
are hashed against a dummy hash (same time) and counted for lock-out like known ones.
After 5 failures for an email, each further try must wait a delay that doubles, up to 15
minutes. Every write here records one audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from data_layer import audit
from data_layer.errors import InvalidData, LearningCultureError, Problem
from data_layer.models import User, validate_record
from data_layer.store import Store, Transaction

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
    """Who is acting: an account's email and role (the CLI acts as an admin named 'cli')."""

    email: str
    role: str
    name: str = ""

    def can(self, role: str) -> bool:
        """True when this actor's role is `role` or above."""
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]


CLI_ACTOR = Actor(email="cli", role="admin", name="command line")


def require(actor: Actor | None, role: str) -> Actor:
    """The actor, if signed in with `role` or above; otherwise NotPermitted."""
    if actor is None or not actor.can(role):
        raise NotPermitted()
    return actor


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


def create_first_admin(store: Store, email: str, name: str, password: str) -> Actor:
    """First-run setup: create the first admin; refused once any account exists."""
    user = validate_record(User, {"email": email, "name": name, "role": "admin"})
    now = audit.utc_now()
    with store.transaction() as tx:
        if tx.query("SELECT 1 FROM users LIMIT 1"):
            raise NotPermitted("Setup is finished: an account already exists. Sign in instead.")
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
        old, disabled = _existing(tx, email)
        if old == "admin" and role != "admin" and not disabled:
            _keep_an_admin(tx, email)
        tx.execute("UPDATE users SET role = ? WHERE email = ?", [role, email])
        audit.record(tx, who.email, "user", email, "set_role", f"{old} -> {role}")


def set_disabled(store: Store, actor: Actor | None, email: str, disabled: bool) -> None:
    """Disable (or re-enable) an account (admins only); a disabled account cannot sign in."""
    who = require(actor, "admin")
    email = _norm(email)
    with store.transaction() as tx:
        role, _ = _existing(tx, email)
        if disabled and role == "admin":
            _keep_an_admin(tx, email)
        tx.execute("UPDATE users SET disabled = ? WHERE email = ?", [disabled, email])
        audit.record(tx, who.email, "user", email, "disable" if disabled else "enable")


def reset_password(store: Store, actor: Actor | None, email: str, password: str) -> None:
    """Set a new password for an account (admins only); also clears its lock-out."""
    who = require(actor, "admin")
    email = _norm(email)
    hashed = hash_password(password)
    with store.transaction() as tx:
        _existing(tx, email)
        tx.execute("UPDATE users SET password_hash = ? WHERE email = ?", [hashed, email])
        tx.execute("DELETE FROM login_attempts WHERE email = ?", [email])
        audit.record(tx, who.email, "user", email, "reset_password")


def lockout_delay(failures: int) -> dt.timedelta:
    """How long to wait after `failures` failed tries: nothing for the first 5, then 1 s, 2 s, 4 s ... 15 min."""
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    return min(MAX_DELAY, dt.timedelta(seconds=2 ** min(failures - FREE_FAILURES, 20)))


def sign_in(store: Store, email: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check a password; return the actor, or raise SignInFailed with a message that reveals nothing."""
    now = now or audit.utc_now()
    email = _norm(email)[:320]
    locked = store.query_one("SELECT locked_until FROM login_attempts WHERE email = ?", [email])
    if locked and locked[0] is not None and locked[0] > now:
        wait = int((locked[0] - now).total_seconds()) + 1
        raise SignInFailed(f"Too many failed attempts. Wait {wait} seconds before trying again.")
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
            tx.execute("DELETE FROM login_attempts WHERE email = ?", [email])
            audit.record(tx, email, "session", email, "sign_in", at=now)
        else:
            prev = tx.query("SELECT failures FROM login_attempts WHERE email = ?", [email])
            failures = (prev[0][0] if prev else 0) + 1
            delay = lockout_delay(failures)
            tx.execute("INSERT OR REPLACE INTO login_attempts VALUES (?, ?, ?, ?)",
                       [email, failures, now, now + delay if delay else None])
            audit.record(tx, email, "session", email, "sign_in_failed", f"failure {failures}", at=now)
    if not ok or row is None:
        raise SignInFailed(GENERIC_FAILURE)
    if _HASHER.check_needs_rehash(row[0]):
        with store.transaction() as tx:
            tx.execute("UPDATE users SET password_hash = ? WHERE email = ?", [_HASHER.hash(password), email])
    return Actor(email=email, role=str(row[1]), name=str(row[2]))


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
    """Note a sign-out (or an idle timeout) in the audit trail."""
    with store.transaction() as tx:
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
