"""The audit trail: an append-only, hash-chained log whose head is signed with the workspace's Ed25519 key.

Each entry's hash covers its own content and the previous hash, so altering, removing, inserting or
reordering an entry breaks the chain at that entry. A signed head also catches an attacker who
recomputes every hash after a change, and one who cuts entries off the end.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from atlas.store.keys import Keys
from atlas.store.tx import atomic, lock

GENESIS = "0" * 64
SIGN_EVERY = 100


def canonical(seq: int, at: datetime, actor: str, action: str, obj: str | None, purpose: str | None,
              detail: Any) -> bytes:
    """One unambiguous byte encoding per entry (sorted keys, UTC microseconds, no whitespace)."""
    doc = {"seq": seq, "at": at.astimezone(UTC).isoformat(timespec="microseconds"), "actor": actor,
           "action": action, "object": obj, "purpose": purpose, "detail": detail}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + body).hexdigest()


def _head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    row = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def log_event(con: duckdb.DuckDBPyConnection, actor: str, action: str, object: str | None = None,
              purpose: str | None = None, detail: dict | None = None, *, keys: Keys | None = None) -> int:
    """Append one entry (never raises on content); with `keys`, signs the head every SIGN_EVERY entries."""
    with atomic(con):
        lock(con, "audit_log")  # several workers on PostgreSQL: one chain, never two entries with one parent
        seq, prev = _head(con)
        seq += 1
        at = datetime.now(UTC)
        detail_json = json.loads(json.dumps(detail or {}, default=str, sort_keys=True))
        digest = entry_hash(prev, canonical(seq, at, actor, action, object, purpose, detail_json))
        con.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, at, actor, action, object, purpose, json.dumps(detail_json, sort_keys=True), prev, digest],
        )
        if keys is not None and seq % SIGN_EVERY == 0:
            sign_head(con, keys)
    return seq


def _signer(keys: Keys) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(keys.signing_seed)


def public_key_hex(keys: Keys) -> str:
    return _signer(keys).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _head_message(seq: int, digest: str) -> bytes:
    return f"atlas-audit-head:{seq}:{digest}".encode()


def sign_head(con: duckdb.DuckDBPyConnection, keys: Keys) -> int:
    """Sign the current chain head (call at the end of every command); returns the signed seq."""
    with atomic(con):
        lock(con, "audit_log")
        seq, digest = _head(con)
        if seq == 0:
            return 0
        last = con.execute("SELECT max(seq) FROM audit_heads").fetchone()
        if last and last[0] == seq:
            return seq
        signature = _signer(keys).sign(_head_message(seq, digest)).hex()
        con.execute("INSERT INTO audit_heads VALUES (?, ?, now(), ?, ?)", [seq, digest, public_key_hex(keys), signature])
    return seq


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    entries: int
    signed_heads: int
    first_bad_seq: int | None = None
    problem: str | None = None
    problems: list[str] = field(default_factory=list)


def _bad(entries: int, heads: int, seq: int | None, problem: str) -> AuditVerification:
    return AuditVerification(False, entries, heads, seq, problem, [problem])


def verify_chain(con: duckdb.DuckDBPyConnection, keys: Keys | None = None) -> AuditVerification:
    """Recompute the chain; names the first entry that was altered, removed, inserted or reordered."""
    rows = con.execute(
        "SELECT seq, logged_at, actor, action, object, purpose, detail, prev_hash, hash FROM audit_log ORDER BY seq, hash"
    ).fetchall()
    heads = con.execute("SELECT seq, hash, public_key, signature FROM audit_heads ORDER BY seq").fetchall()
    prev, hashes = GENESIS, {}
    for expected, (seq, at, actor, action, obj, purpose, detail, prev_hash, digest) in enumerate(rows, start=1):
        if seq != expected:
            if seq > expected:
                return _bad(len(rows), len(heads), expected, f"entry {expected} is missing (removed)")
            return _bad(len(rows), len(heads), seq, f"entry {seq} appears twice (inserted)")
        if prev_hash != prev:
            return _bad(len(rows), len(heads), seq, f"entry {seq} does not follow entry {seq - 1} (inserted or reordered)")
        body = canonical(seq, at, actor, action, obj, purpose, json.loads(detail) if detail else {})
        if entry_hash(prev, body) != digest:
            return _bad(len(rows), len(heads), seq, f"entry {seq} was altered (its content does not match its hash)")
        hashes[seq], prev = digest, digest
    return _check_heads(len(rows), heads, hashes, keys)


def _check_heads(n: int, heads: list, hashes: dict[int, str], keys: Keys | None) -> AuditVerification:
    expected_pk = public_key_hex(keys) if keys else None
    good = 0
    for seq, digest, pk, signature in heads:
        if expected_pk is not None and pk != expected_pk:
            return _bad(n, len(heads), seq, f"signed head {seq} carries a foreign public key (forged signature)")
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(pk)).verify(bytes.fromhex(signature),
                                                                         _head_message(seq, digest))
        except (InvalidSignature, ValueError):
            return _bad(n, len(heads), seq, f"the signature of head {seq} is invalid (forged or altered)")
        if seq not in hashes:
            return _bad(n, len(heads), min(seq, n + 1), f"entries after {n} were removed (signed head {seq} is missing)")
        if hashes[seq] != digest:
            start = max((h[0] for h in heads if h[0] < seq), default=0) + 1
            return _bad(n, len(heads), start,
                        f"entries {start}..{seq} were rewritten (chain recomputed; signed head {seq} no longer matches)")
        good += 1
    return AuditVerification(True, n, good)


def tail(con: duckdb.DuckDBPyConnection, n: int = 20) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT seq, logged_at, actor, action, object, purpose, detail FROM audit_log ORDER BY seq DESC LIMIT ?", [n]
    ).fetchall()
    cols = ("seq", "logged_at", "actor", "action", "object", "purpose", "detail")
    return [dict(zip(cols, r, strict=True)) for r in reversed(rows)]


def entries(con: duckdb.DuckDBPyConnection, *, limit: int = 50, offset: int = 0, action: str | None = None,
            actor: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """One page of the trail, oldest first, optionally for one action (prefix) or actor; with the total."""
    where = "WHERE (? IS NULL OR action = ? OR starts_with(action, ? || '.')) AND (? IS NULL OR actor = ?)"
    params: list[Any] = [action, action, action, actor, actor]
    n = con.execute(f"SELECT count(*) FROM audit_log {where}", params).fetchone()
    rows = _dicts(con, f"""SELECT seq, logged_at, actor, action, object, purpose, detail FROM audit_log {where}
        ORDER BY seq LIMIT ? OFFSET ?""", [*params, limit, offset])
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if r["detail"] else {}
    return (int(n[0]) if n else 0), rows


@dataclass(frozen=True)
class AuditReport:
    start: datetime
    end: datetime
    entries: int
    by_actor: list[dict[str, Any]]
    vault_access: list[dict[str, Any]]
    refusals: list[dict[str, Any]]
    permission_changes: list[dict[str, Any]]


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def audit_report(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> AuditReport:
    """Oversight summary for a period: who did what to which object, for which purpose."""
    window = "logged_at >= ? AND logged_at < ?"
    p = [start, end]
    n = con.execute(f"SELECT count(*) FROM audit_log WHERE {window}", p).fetchone()
    by_actor = _dicts(con, f"""SELECT actor, action, coalesce(purpose, '') AS purpose, count(*) AS n,
        count(DISTINCT object) AS objects, min(logged_at) AS first, max(logged_at) AS last FROM audit_log WHERE {window}
        GROUP BY ALL ORDER BY actor, action, purpose""", p)
    vault = _dicts(con, f"""SELECT seq, logged_at, actor, action, object, purpose FROM audit_log
        WHERE {window} AND action LIKE 'vault.%' ORDER BY seq""", p)
    refusals = _dicts(con, f"""SELECT seq, logged_at, actor, action, object, detail FROM audit_log
        WHERE {window} AND action = 'access.refused' ORDER BY seq""", p)
    changes = _dicts(con, f"""SELECT seq, logged_at, actor, action, object, detail FROM audit_log
        WHERE {window} AND action LIKE 'users.%' ORDER BY seq""", p)
    return AuditReport(start, end, int(n[0]) if n else 0, by_actor, vault, refusals, changes)
