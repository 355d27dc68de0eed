"""Tables of the privacy layer (migration 2): vault, consent, retention, erasures, users, audit, compliance."""

from __future__ import annotations

import duckdb

_TABLES = (
    """CREATE TABLE vault (
      pseudonym VARCHAR NOT NULL, field VARCHAR NOT NULL, batch_id INTEGER, key_id INTEGER NOT NULL,
      nonce BLOB NOT NULL, ciphertext BLOB NOT NULL, stored_at TIMESTAMPTZ, lookup VARCHAR)""",
    """CREATE TABLE consent_events (
      pseudonym VARCHAR NOT NULL, purposes VARCHAR[], given_at DATE, channel VARCHAR,
      withdrawn_at TIMESTAMPTZ, recorded_at TIMESTAMPTZ)""",
    """CREATE TABLE retention_rules (
      scope VARCHAR NOT NULL, name VARCHAR NOT NULL, days INTEGER NOT NULL, action VARCHAR NOT NULL,
      note VARCHAR, PRIMARY KEY (scope, name))""",
    """CREATE TABLE retention_runs (
      run_at TIMESTAMPTZ, today DATE, actor VARCHAR, report JSON)""",
    """CREATE TABLE erasures (
      pseudonym VARCHAR NOT NULL, rows_digest VARCHAR, erased_at TIMESTAMPTZ, actor VARCHAR, reason VARCHAR)""",
    """CREATE TABLE erased_rows (row_hash VARCHAR PRIMARY KEY, erased_at TIMESTAMPTZ)""",
    """CREATE TABLE data_usage (
      object_kind VARCHAR NOT NULL, object_id VARCHAR NOT NULL, batch_id INTEGER NOT NULL, purpose VARCHAR,
      recipient VARCHAR, used_at TIMESTAMPTZ)""",
    """CREATE TABLE organisations (name VARCHAR PRIMARY KEY, kind VARCHAR, created_at TIMESTAMPTZ)""",
    """CREATE TABLE users (
      name VARCHAR PRIMARY KEY, organisation VARCHAR, password_hash VARCHAR, active BOOLEAN DEFAULT true,
      created_at TIMESTAMPTZ, created_by VARCHAR)""",
    """CREATE TABLE role_grants (
      user_name VARCHAR NOT NULL, role VARCHAR NOT NULL, granted_by VARCHAR, granted_at TIMESTAMPTZ,
      revoked_at TIMESTAMPTZ, revoked_by VARCHAR)""",
    """CREATE TABLE api_keys (
      key_id VARCHAR PRIMARY KEY, user_name VARCHAR NOT NULL, secret_hash VARCHAR NOT NULL, label VARCHAR,
      created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ, last_used_at TIMESTAMPTZ)""",
    """CREATE TABLE audit_log (
      seq BIGINT NOT NULL, logged_at TIMESTAMPTZ NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
      object VARCHAR, purpose VARCHAR, detail JSON, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)""",
    """CREATE TABLE audit_heads (
      seq BIGINT NOT NULL, hash VARCHAR NOT NULL, signed_at TIMESTAMPTZ, public_key VARCHAR, signature VARCHAR)""",
    """CREATE TABLE incidents (
      incident_id INTEGER PRIMARY KEY, reported_at TIMESTAMPTZ, reported_by VARCHAR, severity VARCHAR,
      summary VARCHAR, affected VARCHAR, recipient VARCHAR, actions VARCHAR, status VARCHAR, closed_at TIMESTAMPTZ)""",
    """CREATE TABLE release_fingerprints (
      release_id VARCHAR NOT NULL, file VARCHAR NOT NULL, recipient VARCHAR NOT NULL, marked_at TIMESTAMPTZ,
      n_rows BIGINT, mark VARCHAR)""",
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Schema version 2: everything data protection needs to enforce and to prove."""
    for ddl in _TABLES:
        con.execute(ddl)
