"""Users, organisations, role grants and API keys; secrets are stored only as argon2 hashes.

Every change passes `authorize(..., "manage_users")` and is audited. No one may change their own
roles (a steward needs a second steward), so a single compromised account cannot escalate itself.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from atlas.errors import NotFound, PolicyRefused, RejectedInput
from atlas.privacy.access import ROLES, Actor, authorize
from atlas.privacy.audit import log_event
from atlas.store.tx import atomic

KEY_PREFIX = "atl"
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_hasher = PasswordHasher()


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise RejectedInput(f"Invalid user or organisation name {name!r} (letters, digits, _ . @ - only).")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise RejectedInput(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    return role


def user_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM users").fetchone()
    return int(row[0]) if row else 0


def actor_for(con: duckdb.DuckDBPyConnection, name: str) -> Actor:
    """The actor for a user name; before any user exists the caller is the bootstrap steward."""
    if user_count(con) == 0:
        return Actor(name, frozenset({"steward"}), None, bootstrap=True)
    row = con.execute("SELECT organisation, active FROM users WHERE name = ?", [name]).fetchone()
    if row is None or not row[1]:
        log_event(con, name, "access.refused", name, None, {"reason": "unknown or inactive user"})
        raise PolicyRefused(f"Unknown or inactive user {name!r}.", clause="access:authentication")
    roles = {r[0] for r in con.execute(
        "SELECT role FROM role_grants WHERE user_name = ? AND revoked_at IS NULL", [name]).fetchall()}
    return Actor(name, frozenset(roles), row[0])


def add_user(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, *, role: str, organisation: str | None = None,
             password: str | None = None) -> None:
    """Create a user with one role; the very first user must be a steward (bootstrap)."""
    authorize(actor, "manage_users", {"name": name}, con=con)
    _check_name(name)
    _check_role(role)
    if actor.bootstrap and role != "steward":
        raise PolicyRefused("The first user of a workspace must be a steward.", clause="access:bootstrap")
    if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
        raise RejectedInput(f"User {name!r} already exists.")
    if organisation:
        _check_name(organisation)
        con.execute("INSERT INTO organisations SELECT ?, NULL, now() WHERE NOT EXISTS "
                    "(SELECT 1 FROM organisations WHERE name = ?)", [organisation, organisation])
    digest = _hasher.hash(password) if password else None
    con.execute("INSERT INTO users VALUES (?, ?, ?, true, now(), ?)", [name, organisation, digest, actor.name])
    con.execute("INSERT INTO role_grants VALUES (?, ?, ?, now(), NULL, NULL)", [name, role, actor.name])
    log_event(con, actor.name, "users.add", name, None, {"role": role, "organisation": organisation})


def grant(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, role: str) -> None:
    """Grant a role; self-grants are refused even to stewards (four-eyes principle)."""
    _check_role(role)
    if name == actor.name and not actor.bootstrap:
        log_event(con, actor.name, "access.refused", name, None, {"permission": "manage_users", "role": role,
                                                                 "reason": "self-grant"})
        raise PolicyRefused("No one may grant a role to themselves.", clause="access:self-grant")
    authorize(actor, "manage_users", {"name": name, "role": role}, con=con)
    _require_user(con, name)
    if con.execute("SELECT 1 FROM role_grants WHERE user_name = ? AND role = ? AND revoked_at IS NULL",
                   [name, role]).fetchone():
        return
    con.execute("INSERT INTO role_grants VALUES (?, ?, ?, now(), NULL, NULL)", [name, role, actor.name])
    log_event(con, actor.name, "users.grant", name, None, {"role": role})


def revoke(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, role: str) -> None:
    """Revoke a role; the last steward cannot be removed (the workspace would become unmanageable)."""
    authorize(actor, "manage_users", {"name": name, "role": role}, con=con)
    _require_user(con, name)
    if role == "steward":
        others = con.execute("""SELECT count(DISTINCT g.user_name) FROM role_grants g JOIN users u ON u.name = g.user_name
            WHERE g.role = 'steward' AND g.revoked_at IS NULL AND u.active AND g.user_name <> ?""", [name]).fetchone()
        if not others or not others[0]:
            raise PolicyRefused("The last steward cannot lose the role; add another steward first.",
                                clause="access:last-steward")
    con.execute("UPDATE role_grants SET revoked_at = now(), revoked_by = ? WHERE user_name = ? AND role = ? "
                "AND revoked_at IS NULL", [actor.name, name, role])
    log_event(con, actor.name, "users.revoke", name, None, {"role": role})


def disable_user(con: duckdb.DuckDBPyConnection, actor: Actor, name: str) -> int:
    """Cut a user's access at once: account inactive, every API key revoked; returns keys revoked."""
    authorize(actor, "manage_users", {"name": name}, con=con)
    _require_user(con, name)
    if name == actor.name:
        raise PolicyRefused("No one may disable their own account.", clause="access:self-disable")
    row = con.execute("SELECT count(*) FROM api_keys WHERE user_name = ? AND revoked_at IS NULL", [name]).fetchone()
    con.execute("UPDATE api_keys SET revoked_at = now() WHERE user_name = ? AND revoked_at IS NULL", [name])
    con.execute("UPDATE users SET active = false WHERE name = ?", [name])
    log_event(con, actor.name, "users.disable", name, None, {"api_keys_revoked": int(row[0]) if row else 0})
    return int(row[0]) if row else 0


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cur = con.execute("""SELECT u.name, u.organisation, u.active,
        list(g.role ORDER BY g.role) FILTER (WHERE g.role IS NOT NULL AND g.revoked_at IS NULL) AS roles,
        (SELECT count(*) FROM api_keys k WHERE k.user_name = u.name AND k.revoked_at IS NULL) AS api_keys
        FROM users u LEFT JOIN role_grants g ON g.user_name = u.name GROUP BY ALL ORDER BY u.name""")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _require_user(con: duckdb.DuckDBPyConnection, name: str) -> None:
    if not con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
        raise NotFound(f"No user {name!r}.")


@lru_cache(maxsize=1)
def _decoy() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def login(con: duckdb.DuckDBPyConnection, name: str, password: str) -> Actor:
    """Password login (audited, success or failure, without saying which part was wrong)."""
    row = con.execute("SELECT password_hash FROM users WHERE name = ? AND active", [name]).fetchone()
    stored = row[0] if row and row[0] else None
    try:
        ok = _hasher.verify(stored or _decoy(), password) and stored is not None  # same cost for unknown users
    except (VerificationError, InvalidHashError):
        ok = False
    log_event(con, name, "login" if ok else "login.failed", name)
    if not ok:
        raise PolicyRefused("Wrong user name or password.", clause="access:authentication")
    return actor_for(con, name)


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    token: str  # shown once, never stored
    expires_at: datetime


def create_api_key(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, *, days: int = 90,
                   label: str | None = None) -> NewApiKey:
    """A key `atl_<id>_<secret>`: the id is looked up, the secret verified against its argon2 hash."""
    if name != actor.name:
        authorize(actor, "manage_users", {"name": name}, con=con)
    _require_user(con, name)
    if not 1 <= days <= 366:
        raise RejectedInput("API keys expire within 1 to 366 days.")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=days)
    con.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, now(), ?, NULL, NULL)",
                [key_id, name, _hasher.hash(secret), label, expires])
    log_event(con, actor.name, "users.key-create", name, None, {"key_id": key_id, "expires_at": expires.isoformat()})
    return NewApiKey(key_id, f"{KEY_PREFIX}_{key_id}_{secret}", expires)


def revoke_api_key(con: duckdb.DuckDBPyConnection, actor: Actor, key_id: str) -> None:
    row = con.execute("SELECT user_name FROM api_keys WHERE key_id = ?", [key_id]).fetchone()
    if row is None:
        raise NotFound(f"No API key {key_id!r}.")
    if row[0] != actor.name:
        authorize(actor, "manage_users", {"name": row[0]}, con=con)
    con.execute("UPDATE api_keys SET revoked_at = now() WHERE key_id = ? AND revoked_at IS NULL", [key_id])
    log_event(con, actor.name, "users.key-revoke", row[0], None, {"key_id": key_id})


def authenticate_api_key(con: duckdb.DuckDBPyConnection, token: str, *,
                         verified: MutableMapping[str, tuple[str, str]] | None = None) -> Actor:
    """The actor behind an API key; expired, revoked, malformed or wrong keys are refused and audited.

    `verified` (key id -> (stored hash, SHA-256 of the secret)) lets a long-running server skip the
    deliberately slow argon2 check for a secret it has already verified; expiry and revocation are
    still read from the store on every call, so they take effect at once.
    """
    parts = token.split("_", 2)
    refused = PolicyRefused("Invalid, expired or revoked API key.", clause="access:api-key")
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        log_event(con, "anonymous", "login.failed", None, None, {"method": "api-key", "reason": "malformed"})
        raise refused
    row = con.execute("SELECT user_name, secret_hash, expires_at, revoked_at FROM api_keys WHERE key_id = ?",
                      [parts[1]]).fetchone()
    digest = hashlib.sha256(parts[2].encode()).hexdigest()
    try:
        ok = bool(row and row[3] is None and row[2] > datetime.now(UTC) and (
            (verified is not None and verified.get(parts[1]) == (row[1], digest)) or _hasher.verify(row[1], parts[2])))
    except (VerificationError, InvalidHashError):
        ok = False
    if ok and row is not None and verified is not None:
        verified[parts[1]] = (row[1], digest)
    if not ok or row is None:
        log_event(con, row[0] if row else "anonymous", "login.failed", None, None,
                  {"method": "api-key", "key_id": parts[1]})
        raise refused
    user = str(row[0])
    with atomic(con):  # READ COMMITTED on PostgreSQL: concurrent requests with one key wait, never fail
        con.execute("UPDATE api_keys SET last_used_at = now() WHERE key_id = ? AND (last_used_at IS NULL OR "
                    "last_used_at < now() - INTERVAL 1 MINUTE)", [parts[1]])
    log_event(con, user, "login", user, None, {"method": "api-key", "key_id": parts[1]})
    return actor_for(con, user)


SESSION_LABEL = "session"


def create_session(con: duckdb.DuckDBPyConnection, name: str, password: str, *, hours: int = 8) -> NewApiKey:
    """Password login opening a browser/API session: an API key labelled `session` that expires in hours."""
    actor = login(con, name, password)
    if not 1 <= hours <= 24 * 30:
        raise RejectedInput("Sessions last 1 hour to 30 days.")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    con.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, now(), ?, NULL, NULL)",
                [key_id, actor.name, _hasher.hash(secret), SESSION_LABEL, expires])
    log_event(con, actor.name, "session.open", actor.name, None, {"key_id": key_id, "expires_at": expires.isoformat()})
    return NewApiKey(key_id, f"{KEY_PREFIX}_{key_id}_{secret}", expires)


def list_api_keys(con: duckdb.DuckDBPyConnection, actor: Actor, name: str | None = None) -> list[dict[str, Any]]:
    """A user's keys and sessions (never their secrets); other users' keys need manage_users."""
    name = name or actor.name
    if name != actor.name:
        authorize(actor, "manage_users", {"name": name}, con=con)
    cur = con.execute("SELECT key_id, label, created_at, expires_at, revoked_at, last_used_at FROM api_keys "
                      "WHERE user_name = ? ORDER BY created_at", [name])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
