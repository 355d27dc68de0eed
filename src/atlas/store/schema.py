"""The embedded store's schema, created and upgraded by numbered migrations (never edited in place)."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from atlas.communities.directory_schema import migrate as _v4_directory
from atlas.privacy.schema import migrate as _v2_privacy
from atlas.sharing.schema import migrate as _v3_sharing
from atlas.store.fields import AGGREGATE_FIELDS, PERSON_FIELDS


def _columns(fields: tuple) -> str:
    return ",\n  ".join(f"{f.name} {f.sql}" for f in fields)


# Rows that fail validation are written with `_issues` and `_raw` set, then moved to `quarantine` and
# deleted inside the same transaction: one pass over the file, and both columns are NULL in stored rows.


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
    CREATE TABLE batches (
      batch_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, source VARCHAR, file_name VARCHAR,
      sha256 VARCHAR NOT NULL, size_bytes BIGINT, format VARCHAR, encoding VARCHAR, mapping JSON,
      legal_basis VARCHAR, purposes VARCHAR[], policy VARCHAR, user_name VARCHAR,
      started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, rows_read BIGINT, rows_stored BIGINT,
      rows_quarantined BIGINT, issues_count BIGINT, forced BOOLEAN DEFAULT false, vocab_version VARCHAR)""")
    con.execute(f"""
    CREATE TABLE persons (
      batch_id INTEGER NOT NULL, source_row BIGINT NOT NULL, pseudonym VARCHAR,
      adm1 VARCHAR, adm2 VARCHAR, record_key DOUBLE NOT NULL,
      {_columns(PERSON_FIELDS)},
      _issues VARCHAR[], _raw JSON)""")
    con.execute(f"""
    CREATE TABLE aggregates (
      batch_id INTEGER NOT NULL, source_row BIGINT NOT NULL, adm1 VARCHAR, adm2 VARCHAR,
      {_columns(AGGREGATE_FIELDS)},
      _issues VARCHAR[], _raw JSON)""")
    con.execute("""
    CREATE TABLE issues (
      batch_id INTEGER NOT NULL, file VARCHAR, row_number BIGINT, column_name VARCHAR, value VARCHAR,
      code VARCHAR, message VARCHAR, hint VARCHAR)""")
    con.execute("""
    CREATE TABLE quarantine (
      batch_id INTEGER NOT NULL, row_number BIGINT NOT NULL, raw JSON NOT NULL, reasons VARCHAR[],
      status VARCHAR DEFAULT 'open', fixed JSON, resolved_at TIMESTAMPTZ)""")
    con.execute("""
    CREATE TABLE geo_sets (
      set_id INTEGER PRIMARY KEY, country VARCHAR NOT NULL, level TINYINT NOT NULL, version VARCHAR,
      source_file VARCHAR, sha256 VARCHAR, features INTEGER, imported_at TIMESTAMPTZ, active BOOLEAN)""")
    con.execute("""
    CREATE TABLE geo_areas (
      set_id INTEGER NOT NULL, country VARCHAR NOT NULL, level TINYINT NOT NULL, pcode VARCHAR NOT NULL,
      name VARCHAR, names JSON, parent VARCHAR, geometry BLOB, area_km2 DOUBLE)""")


MIGRATIONS: list[tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]]] = [
    (1, "foundation: batches, persons, aggregates, issues, quarantine, geography", _v1),
    (2, "privacy: vault, consent, retention, erasures, users, audit trail, incidents", _v2_privacy),
    (3, "sharing: agreements, crisis activations, releases, special-run requests, schedule", _v3_sharing),
    (4, "contingency directory: networks, focal points and consent, evidence, trafficking reports", _v4_directory),
]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)")
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def upgrade(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction; returns the versions applied."""
    applied = []
    start = current_version(con)
    for version, name, step in MIGRATIONS:
        if version <= start:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            step(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
