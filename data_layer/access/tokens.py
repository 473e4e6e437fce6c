"""API tokens: what a script or another machine shows the server's /api/v1 routes instead of a password.

A token is `lcd_<id>_<secret>`: shown once when made, stored as a SHA-256 hash of the secret
(the secret has 256 bits, so a fast hash is enough: nothing to brute-force), listed and revoked
by admins like accounts. A token acts exactly as a signed-in user of its role would
(`Actor("token:<id>", role, name)`; auth.confirm re-checks it in every write's transaction),
and every use leaves an audit entry.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pandas as pd

from data_layer.access.auth import ROLE_RANK, TOKEN_PREFIX, Actor, confirm, require
from data_layer.db import audit
from data_layer.db.store import Store, Transaction
from data_layer.domain.errors import InvalidData, Problem


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(store: Store, actor: Actor | None, name: str, role: str) -> str:
    """A new token with `role` (admins only); returns it in full: the only time it is ever shown."""
    who = require(actor, "admin")
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        return _insert(tx, who.email, name, role)


def _insert(tx: Transaction, created_by: str, name: str, role: str) -> str:
    name = name.strip()
    problems = []
    if not name or len(name) > 100:
        problems.append(Problem("name", "must be 1 to 100 characters"))
    if role not in ROLE_RANK:
        problems.append(Problem("role", f"must be one of {', '.join(ROLE_RANK)}"))
    if problems:
        raise InvalidData(problems)
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    now = audit.utc_now()
    if tx.query("SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL", [name]):
        raise InvalidData([Problem("name", f"is already used by an active token ({name})")])
    tx.execute("INSERT INTO api_tokens (token_id, name, role, token_hash, created_by, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", [token_id, name, role, _hash(secret), created_by, now])
    audit.record(tx, created_by, "token", token_id, "create", f"{name} ({role})", at=now)
    return f"lcd_{token_id}_{secret}"


LOCAL = "local command line"
SERVER = "server"  # the audit trail's name for the server making and revoking its own local token


def renew_local(store: Store, pid: int) -> str:
    """At a server's start: revoke the local command line's tokens of earlier servers (a server that
    was killed could not) and make this server's (an admin token: whoever reads it holds the file)."""
    with store.transaction() as tx:
        for (token_id,) in tx.query("SELECT token_id FROM api_tokens WHERE name LIKE ? AND revoked_at IS NULL",
                                    [LOCAL + "%"]):
            tx.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [audit.utc_now(), token_id])
        return _insert(tx, SERVER, f"{LOCAL} (server pid {pid})", "admin")


def revoke_local(store: Store, token: str) -> None:
    """At a server's stop: revoke the local token it made at its start."""
    parts = token.split("_", 2)
    with store.transaction() as tx:
        tx.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND name LIKE ? AND revoked_at IS NULL",
                   [audit.utc_now(), parts[1] if len(parts) == 3 else "", LOCAL + "%"])
        audit.record(tx, SERVER, "token", parts[1] if len(parts) == 3 else "", "revoke", LOCAL)


def authenticate(store: Store, token: str | None) -> Actor | None:
    """The actor a presented token stands for, or None (unknown, malformed or revoked)."""
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "lcd" or not parts[1] or not parts[2]:
        return None
    row = store.query_one("SELECT name, role, token_hash FROM api_tokens WHERE token_id = ? AND revoked_at IS NULL",
                          [parts[1]])
    if row is None or not hmac.compare_digest(str(row[2]), _hash(parts[2])):
        return None
    store.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_id = ?", [audit.utc_now(), parts[1]])
    return Actor(TOKEN_PREFIX + parts[1], str(row[1]), str(row[0]))


def list_tokens(store: Store, actor: Actor | None) -> pd.DataFrame:
    """Every token without its secret (admins only)."""
    require(actor, "admin")
    return store.query_df("SELECT token_id, name, role, created_by, created_at, last_used_at, revoked_at "
                          "FROM api_tokens ORDER BY created_at, token_id")


def revoke(store: Store, actor: Actor | None, name_or_id: str) -> int:
    """Revoke the active tokens with that name or id (admins only); returns how many."""
    who = require(actor, "admin")
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "admin")  # rights as they are now
        rows = tx.query("SELECT token_id, name FROM api_tokens WHERE (name = ? OR token_id = ?) AND revoked_at IS NULL",
                        [name_or_id, name_or_id])
        if not rows:
            raise InvalidData([Problem("token", f"no active token is called {name_or_id}")])
        for token_id, name in rows:
            tx.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [now, token_id])
            audit.record(tx, who.email, "token", token_id, "revoke", str(name), at=now)
    return len(rows)


def record_call(store: Store, actor: Actor, method: str, path: str, status: int) -> None:
    """The audit entry every API call leaves (who, what, how it ended)."""
    with store.transaction() as tx:
        audit.record(tx, actor.email, "api", path, method.lower(), f"{actor.name or actor.email}: {status}")
