"""Tables of the contingency directory: networks, focal points and their consent, evidence, trafficking reports.

Plain, portable DDL (VARCHAR, INTEGER, BOOLEAN, DATE, TIMESTAMPTZ, JSON, VARCHAR[]) so the PostgreSQL
mirror can declare the same tables. Nothing here holds a personal identifier: focal points' names and
contact details live in the vault under a pseudonym, and evidence text that may identify someone is
sealed there too while only a redacted copy is searchable.
"""

from __future__ import annotations

import duckdb

TABLES = (
    """CREATE TABLE networks (
      network_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, kind VARCHAR NOT NULL, formal BOOLEAN NOT NULL,
      nationalities VARCHAR[], areas VARCHAR[], languages VARCHAR[], services VARCHAR[], reach VARCHAR,
      members_estimate INTEGER, founded_year INTEGER, public_listing BOOLEAN NOT NULL DEFAULT false,
      source VARCHAR, active BOOLEAN NOT NULL DEFAULT true, updated_at TIMESTAMPTZ, updated_by VARCHAR)""",
    """CREATE TABLE focal_points (
      focal_id VARCHAR PRIMARY KEY, pseudonym VARCHAR NOT NULL, network_id VARCHAR, role VARCHAR,
      areas VARCHAR[], languages VARCHAR[], verified_at DATE, active BOOLEAN NOT NULL DEFAULT true,
      added_at TIMESTAMPTZ, added_by VARCHAR)""",
    """CREATE TABLE focal_consents (
      focal_id VARCHAR NOT NULL, purposes VARCHAR[], recipients VARCHAR[], scope VARCHAR,
      given_at DATE, expires_at DATE, withdrawn_at TIMESTAMPTZ, recorded_at TIMESTAMPTZ NOT NULL,
      recorded_by VARCHAR)""",
    """CREATE TABLE evidence (
      evidence_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, body VARCHAR, places VARCHAR[],
      nationalities VARCHAR[], themes VARCHAR[], period_start DATE, period_end DATE, method VARCHAR,
      sensitivity VARCHAR NOT NULL, reliability VARCHAR, credibility INTEGER, source VARCHAR, file_name VARCHAR,
      sha256 VARCHAR, sealed_pseudonym VARCHAR, review_status VARCHAR NOT NULL, findings JSON,
      reviewed_by VARCHAR, reviewed_at TIMESTAMPTZ, added_at TIMESTAMPTZ, added_by VARCHAR)""",
    """CREATE TABLE evidence_links (
      evidence_id VARCHAR NOT NULL, target_kind VARCHAR NOT NULL, target_id VARCHAR NOT NULL,
      linked_at TIMESTAMPTZ, linked_by VARCHAR)""",
    """CREATE TABLE trafficking_reports (
      report_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, indicator VARCHAR NOT NULL, area VARCHAR NOT NULL,
      adm1 VARCHAR, route_origin VARCHAR, route_transit VARCHAR[], route_destination VARCHAR,
      period_start DATE NOT NULL, period_end DATE NOT NULL, source_type VARCHAR NOT NULL, source VARCHAR,
      confidence VARCHAR NOT NULL, added_at TIMESTAMPTZ, added_by VARCHAR)""",
)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Schema version N (see store/schema.py): the directory, evidence library and trafficking reports."""
    for ddl in TABLES:
        con.execute(ddl)
