"""Compliance: the record of processing activities, generated from the workspace, and the incident register."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from atlas.errors import NotFound, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.privacy.fingerprint import Trace, recipient_secret, trace_file
from atlas.privacy.purposes import LEGAL_BASES, PURPOSES
from atlas.store.keys import Keys
from atlas.store.tx import allocate

SEVERITIES = ("low", "medium", "high", "critical")
SECURITY_MEASURES = (
    "Store encrypted at rest (DuckDB AES-256-GCM) under data keys wrapped by a master key (envelope encryption)",
    "Identifiers split into a vault, encrypted field by field (AES-256-GCM, AAD bound to pseudonym and field)",
    "Records linked to identifiers only by a keyed pseudonym (HMAC-SHA256)",
    "Role-based least-privilege access, checked in one place; passwords and API keys hashed with argon2id",
    "Append-only hash-chained audit trail with Ed25519-signed heads",
    "Disclosure control on every published table; per-recipient fingerprints on shared releases",
    "Retention rules applied with store compaction; erasures survive re-ingest",
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() "
                            "AND table_name = ?", [name]).fetchone())


def processing_record(con: duckdb.DuckDBPyConnection, actor: Actor) -> dict[str, Any]:
    """Record of processing activities: sources, purposes, legal bases, recipients, retention, transfers."""
    authorize(actor, "read_compliance", None, con=con)
    sources = _rows(con, """SELECT coalesce(source, '(unnamed)') AS source, kind, legal_basis,
        list_sort(list_distinct(flatten(list(purposes)))) AS purposes, count(*) AS batches,
        sum(coalesce(rows_stored, 0)) AS rows_stored, min(started_at) AS first_ingest, max(started_at) AS last_ingest
        FROM batches GROUP BY ALL ORDER BY source, kind""")
    recipients = _rows(con, """SELECT recipient, list_sort(list_distinct(list(purpose))) AS purposes,
        list_sort(list_distinct(list(object_kind))) AS kinds, count(DISTINCT object_id) AS objects,
        max(used_at) AS last_transfer FROM data_usage WHERE recipient IS NOT NULL GROUP BY recipient ORDER BY 1""")
    fingerprinted = _rows(con, """SELECT recipient, count(DISTINCT release_id) AS releases FROM release_fingerprints
        GROUP BY recipient ORDER BY 1""")
    record = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": sources,
        "legal_bases": {b: LEGAL_BASES[b] for b in sorted({s["legal_basis"] for s in sources if s["legal_basis"]})
                        if b in LEGAL_BASES},
        "purposes": {p: PURPOSES.get(p, p) for p in sorted({p for s in sources for p in (s["purposes"] or [])})},
        "recipients": recipients,
        "transfers": fingerprinted,
        "retention": _rows(con, "SELECT scope, name, days, action FROM retention_rules ORDER BY scope, name"),
        "categories_of_data": {"records": "pseudonymised person-level records (see store fields)",
                               "vault": _rows(con, "SELECT field, count(*) AS entries FROM vault GROUP BY 1 ORDER BY 1")},
        "access": _rows(con, """SELECT role, count(DISTINCT user_name) AS users FROM role_grants
            WHERE revoked_at IS NULL GROUP BY 1 ORDER BY 1"""),
        "erasures": _count(con, "SELECT count(*) FROM erasures"),
        "incidents_open": _count(con, "SELECT count(*) FROM incidents WHERE status = 'open'"),
        "security_measures": list(SECURITY_MEASURES),
    }
    if _has_table(con, "agreements"):
        record["agreements"] = _rows(con, "SELECT * FROM agreements")
    log_event(con, actor.name, "compliance.record", None, "oversight")
    return record


def add_incident(con: duckdb.DuckDBPyConnection, actor: Actor, summary: str, *, severity: str = "medium",
                 affected: str | None = None, recipient: str | None = None, actions: str | None = None) -> int:
    """Register a breach or misuse (who, what, which recipient, what was done about it)."""
    authorize(actor, "manage_incidents", None, con=con)
    if severity not in SEVERITIES or not summary.strip():
        raise RejectedInput(f"An incident needs a summary and a severity in {SEVERITIES}.")
    incident_id = allocate(con, "incidents", "incident_id")
    con.execute("INSERT INTO incidents VALUES (?, now(), ?, ?, ?, ?, ?, ?, 'open', NULL)",
                [incident_id, actor.name, severity, summary, affected, recipient, actions])
    log_event(con, actor.name, "incident.add", str(incident_id), "oversight", {"severity": severity,
                                                                              "recipient": recipient})
    return incident_id


def close_incident(con: duckdb.DuckDBPyConnection, actor: Actor, incident_id: int, actions: str) -> None:
    authorize(actor, "manage_incidents", None, con=con)
    if not con.execute("SELECT 1 FROM incidents WHERE incident_id = ?", [incident_id]).fetchone():
        raise NotFound(f"No incident {incident_id}.")
    con.execute("UPDATE incidents SET status = 'closed', closed_at = now(), actions = ? WHERE incident_id = ?",
                [actions, incident_id])
    log_event(con, actor.name, "incident.close", str(incident_id), "oversight")


def list_incidents(con: duckdb.DuckDBPyConnection, actor: Actor) -> list[dict[str, Any]]:
    authorize(actor, "read_compliance", None, con=con)
    return _rows(con, "SELECT * FROM incidents ORDER BY incident_id")


def record_fingerprint(con: duckdb.DuckDBPyConnection, release_id: str, file: str, recipient: str, n_rows: int,
                       mark: str) -> None:
    """The sharing layer records each fingerprinted file so `trace` knows whom to test."""
    con.execute("INSERT INTO release_fingerprints VALUES (?, ?, ?, now(), ?, ?)", [release_id, file, recipient,
                                                                                  n_rows, mark])


def trace_leak(con: duckdb.DuckDBPyConnection, keys: Keys, actor: Actor, path: Path) -> Trace:
    """Trace a leaked CSV against every recipient that ever received a fingerprinted file; audited."""
    authorize(actor, "manage_incidents", None, con=con)
    names = [r[0] for r in con.execute("SELECT DISTINCT recipient FROM release_fingerprints ORDER BY 1").fetchall()]
    result = trace_file(path, {n: recipient_secret(keys, n) for n in names})
    log_event(con, actor.name, "incident.trace", path.name, "oversight",
              {"recipient": result.recipient, "score": round(result.score, 3)})
    return result
