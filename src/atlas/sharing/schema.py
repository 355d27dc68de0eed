"""Tables of the sharing layer (migration 3): agreements and their states, crises, releases, requests, schedule."""

from __future__ import annotations

import duckdb

_TABLES = (
    """CREATE TABLE agreements (
      name VARCHAR NOT NULL, version INTEGER NOT NULL, body JSON NOT NULL, sha256 VARCHAR NOT NULL,
      added_at TIMESTAMPTZ, added_by VARCHAR, PRIMARY KEY (name, version))""",
    """CREATE TABLE agreement_states (
      name VARCHAR NOT NULL, status VARCHAR NOT NULL, reason VARCHAR, changed_at TIMESTAMPTZ, changed_by VARCHAR)""",
    """CREATE TABLE crisis_activations (
      name VARCHAR NOT NULL, activated_by VARCHAR NOT NULL, trigger VARCHAR, starts_at TIMESTAMPTZ NOT NULL,
      ends_at TIMESTAMPTZ NOT NULL, ended_at TIMESTAMPTZ, ended_by VARCHAR)""",
    """CREATE TABLE releases (
      release_id VARCHAR PRIMARY KEY, agreement VARCHAR NOT NULL, agreement_version INTEGER, version INTEGER NOT NULL,
      kind VARCHAR NOT NULL, recipient VARCHAR NOT NULL, purpose VARCHAR, path VARCHAR NOT NULL,
      manifest_sha256 VARCHAR, created_at TIMESTAMPTZ, created_by VARCHAR, request_id INTEGER)""",
    """CREATE TABLE release_tables (
      release_id VARCHAR NOT NULL, recipient VARCHAR NOT NULL, table_name VARCHAR NOT NULL,
      population VARCHAR NOT NULL, dimensions JSON NOT NULL, cells JSON NOT NULL, published_at TIMESTAMPTZ)""",
    """CREATE TABLE run_requests (
      request_id INTEGER PRIMARY KEY, agreement VARCHAR NOT NULL, spec JSON NOT NULL, purpose VARCHAR NOT NULL,
      requester VARCHAR NOT NULL, organisation VARCHAR, status VARCHAR NOT NULL, reason VARCHAR,
      submitted_at TIMESTAMPTZ, decided_by VARCHAR, decided_at TIMESTAMPTZ, release_id VARCHAR, cells BIGINT)""",
    """CREATE TABLE schedule_runs (
      agreement VARCHAR NOT NULL, slot TIMESTAMPTZ NOT NULL, attempt INTEGER NOT NULL, status VARCHAR NOT NULL,
      error VARCHAR, release_id VARCHAR, ran_at TIMESTAMPTZ)""",
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Schema version 3: what agreements allow and what each recipient already holds."""
    for ddl in _TABLES:
        con.execute(ddl)
