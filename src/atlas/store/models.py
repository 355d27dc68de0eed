"""The server-mode schema as SQLAlchemy 2 tables: the same tables, columns and column order as the embedded store.

Service code inserts positionally (`INSERT INTO batches VALUES (...)`), so the order here must follow
store/schema.py, privacy/schema.py and sharing/schema.py; a test compares both stores column by column.
PostgreSQL additionally gets the keyring row, unique audit sequence numbers and a few indexes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    SmallInteger,
    Table,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

from atlas.store.fields import AGGREGATE_FIELDS, PERSON_FIELDS, Field

metadata = MetaData()

TZ = DateTime(timezone=True)
TEXTS = ARRAY(Text)

_SQL_TYPES: dict[str, TypeEngine] = {
    "VARCHAR": Text(), "VARCHAR[]": TEXTS, "DATE": Date(), "SMALLINT": SmallInteger(), "INTEGER": Integer(),
    "BIGINT": BigInteger(), "DOUBLE": Double(), "BOOLEAN": Boolean(),
}


def field_columns(fields: tuple[Field, ...]) -> list[Column]:
    """Columns of the canonical fields, typed from their DuckDB type name."""
    return [Column(f.name, _SQL_TYPES[f.sql]) for f in fields]


def _c(name: str, type_: TypeEngine, *, nullable: bool = True, **kw: object) -> Column:
    return Column(name, type_, nullable=nullable and not kw.get("primary_key"), **kw)  # type: ignore[arg-type]


# JSON is kept as text: DuckDB reads PostgreSQL json as VARCHAR anyway, and its UPDATEs send VARCHAR,
# which a json column refuses. DuckDB's JSON functions take text, and the text is kept byte for byte.
S, I, B, D, J, BL = Text, Integer, BigInteger, Double, Text, LargeBinary

# --- migration 1: foundation -------------------------------------------------------------------------
# Ids come from sequences in server mode (store/tx.py `allocate`), so concurrent writers never wait for each other.
for _table, _column in (("batches", "batch_id"), ("geo_sets", "set_id"), ("incidents", "incident_id"),
                        ("run_requests", "request_id")):
    Sequence(f"{_table}_{_column}_seq", metadata=metadata)
batches = Table(
    "batches", metadata,
    _c("batch_id", I(), primary_key=True, autoincrement=False), _c("kind", S(), nullable=False), _c("source", S()),
    _c("file_name", S()), _c("sha256", S(), nullable=False), _c("size_bytes", B()), _c("format", S()),
    _c("encoding", S()), _c("mapping", J()), _c("legal_basis", S()), _c("purposes", TEXTS), _c("policy", S()),
    _c("user_name", S()), _c("started_at", TZ), _c("finished_at", TZ), _c("rows_read", B()),
    _c("rows_stored", B()), _c("rows_quarantined", B()), _c("issues_count", B()),
    _c("forced", Boolean(), server_default=false()), _c("vocab_version", S()),
)
persons = Table(
    "persons", metadata,
    _c("batch_id", I(), nullable=False), _c("source_row", B(), nullable=False), _c("pseudonym", S()),
    _c("adm1", S()), _c("adm2", S()), _c("record_key", D(), nullable=False),
    *field_columns(PERSON_FIELDS), _c("_issues", TEXTS), _c("_raw", J()),
    Index("persons_batch", "batch_id"), Index("persons_pseudonym", "pseudonym"),
)
aggregates = Table(
    "aggregates", metadata,
    _c("batch_id", I(), nullable=False), _c("source_row", B(), nullable=False), _c("adm1", S()), _c("adm2", S()),
    *field_columns(AGGREGATE_FIELDS), _c("_issues", TEXTS), _c("_raw", J()),
    Index("aggregates_batch", "batch_id"),
)
issues = Table(
    "issues", metadata,
    _c("batch_id", I(), nullable=False), _c("file", S()), _c("row_number", B()), _c("column_name", S()),
    _c("value", S()), _c("code", S()), _c("message", S()), _c("hint", S()),
    Index("issues_batch", "batch_id"),
)
quarantine = Table(
    "quarantine", metadata,
    _c("batch_id", I(), nullable=False), _c("row_number", B(), nullable=False), _c("raw", J(), nullable=False),
    _c("reasons", TEXTS), _c("status", S(), server_default=text("'open'")), _c("fixed", J()), _c("resolved_at", TZ),
    Index("quarantine_batch", "batch_id"),
)
geo_sets = Table(
    "geo_sets", metadata,
    _c("set_id", I(), primary_key=True, autoincrement=False), _c("country", S(), nullable=False),
    _c("level", SmallInteger(), nullable=False), _c("version", S()), _c("source_file", S()), _c("sha256", S()),
    _c("features", I()), _c("imported_at", TZ), _c("active", Boolean()),
)
geo_areas = Table(
    "geo_areas", metadata,
    _c("set_id", I(), nullable=False), _c("country", S(), nullable=False), _c("level", SmallInteger(), nullable=False),
    _c("pcode", S(), nullable=False), _c("name", S()), _c("names", J()), _c("parent", S()), _c("geometry", BL()),
    _c("area_km2", D()),
)
keyring = Table(
    "keyring", metadata,
    _c("id", SmallInteger(), primary_key=True, autoincrement=False), _c("doc", S(), nullable=False),
    _c("updated_at", TZ, server_default=text("now()")),
)

# --- migration 2: privacy ----------------------------------------------------------------------------
vault = Table(
    "vault", metadata,
    _c("pseudonym", S(), nullable=False), _c("field", S(), nullable=False), _c("batch_id", I()),
    _c("key_id", I(), nullable=False), _c("nonce", BL(), nullable=False), _c("ciphertext", BL(), nullable=False),
    _c("stored_at", TZ), _c("lookup", S()),
    Index("vault_pseudonym", "pseudonym"), Index("vault_lookup", "lookup"),
)
consent_events = Table(
    "consent_events", metadata,
    _c("pseudonym", S(), nullable=False), _c("purposes", TEXTS), _c("given_at", Date()), _c("channel", S()),
    _c("withdrawn_at", TZ), _c("recorded_at", TZ),
)
retention_rules = Table(
    "retention_rules", metadata,
    _c("scope", S(), nullable=False), _c("name", S(), nullable=False), _c("days", I(), nullable=False),
    _c("action", S(), nullable=False), _c("note", S()), PrimaryKeyConstraint("scope", "name"),
)
retention_runs = Table(
    "retention_runs", metadata, _c("run_at", TZ), _c("today", Date()), _c("actor", S()), _c("report", J()),
)
erasures = Table(
    "erasures", metadata,
    _c("pseudonym", S(), nullable=False), _c("rows_digest", S()), _c("erased_at", TZ), _c("actor", S()),
    _c("reason", S()),
)
erased_rows = Table(
    "erased_rows", metadata, _c("row_hash", S(), primary_key=True), _c("erased_at", TZ),
)
data_usage = Table(
    "data_usage", metadata,
    _c("object_kind", S(), nullable=False), _c("object_id", S(), nullable=False), _c("batch_id", I(), nullable=False),
    _c("purpose", S()), _c("recipient", S()), _c("used_at", TZ),
)
organisations = Table(
    "organisations", metadata, _c("name", S(), primary_key=True), _c("kind", S()), _c("created_at", TZ),
)
users = Table(
    "users", metadata,
    _c("name", S(), primary_key=True), _c("organisation", S()), _c("password_hash", S()),
    _c("active", Boolean(), server_default=true()), _c("created_at", TZ), _c("created_by", S()),
)
role_grants = Table(
    "role_grants", metadata,
    _c("user_name", S(), nullable=False), _c("role", S(), nullable=False), _c("granted_by", S()),
    _c("granted_at", TZ), _c("revoked_at", TZ), _c("revoked_by", S()),
)
api_keys = Table(
    "api_keys", metadata,
    _c("key_id", S(), primary_key=True), _c("user_name", S(), nullable=False), _c("secret_hash", S(), nullable=False),
    _c("label", S()), _c("created_at", TZ), _c("expires_at", TZ), _c("revoked_at", TZ), _c("last_used_at", TZ),
)
audit_log = Table(
    "audit_log", metadata,
    _c("seq", B(), primary_key=True, autoincrement=False), _c("logged_at", TZ, nullable=False),
    _c("actor", S(), nullable=False), _c("action", S(), nullable=False), _c("object", S()), _c("purpose", S()),
    _c("detail", J()), _c("prev_hash", S(), nullable=False), _c("hash", S(), nullable=False),
)
audit_heads = Table(
    "audit_heads", metadata,
    _c("seq", B(), nullable=False), _c("hash", S(), nullable=False), _c("signed_at", TZ), _c("public_key", S()),
    _c("signature", S()),
)
incidents = Table(
    "incidents", metadata,
    _c("incident_id", I(), primary_key=True, autoincrement=False), _c("reported_at", TZ), _c("reported_by", S()),
    _c("severity", S()), _c("summary", S()), _c("affected", S()), _c("recipient", S()), _c("actions", S()),
    _c("status", S()), _c("closed_at", TZ),
)
release_fingerprints = Table(
    "release_fingerprints", metadata,
    _c("release_id", S(), nullable=False), _c("file", S(), nullable=False), _c("recipient", S(), nullable=False),
    _c("marked_at", TZ), _c("n_rows", B()), _c("mark", S()),
)

# --- migration 3: sharing ----------------------------------------------------------------------------
agreements = Table(
    "agreements", metadata,
    _c("name", S(), nullable=False), _c("version", I(), nullable=False), _c("body", J(), nullable=False),
    _c("sha256", S(), nullable=False), _c("added_at", TZ), _c("added_by", S()), PrimaryKeyConstraint("name", "version"),
)
agreement_states = Table(
    "agreement_states", metadata,
    _c("name", S(), nullable=False), _c("status", S(), nullable=False), _c("reason", S()), _c("changed_at", TZ),
    _c("changed_by", S()),
)
crisis_activations = Table(
    "crisis_activations", metadata,
    _c("name", S(), nullable=False), _c("activated_by", S(), nullable=False), _c("trigger", S()),
    _c("starts_at", TZ, nullable=False), _c("ends_at", TZ, nullable=False), _c("ended_at", TZ), _c("ended_by", S()),
)
releases = Table(
    "releases", metadata,
    _c("release_id", S(), primary_key=True), _c("agreement", S(), nullable=False), _c("agreement_version", I()),
    _c("version", I(), nullable=False), _c("kind", S(), nullable=False), _c("recipient", S(), nullable=False),
    _c("purpose", S()), _c("path", S(), nullable=False), _c("manifest_sha256", S()), _c("created_at", TZ),
    _c("created_by", S()), _c("request_id", I()),
)
release_tables = Table(
    "release_tables", metadata,
    _c("release_id", S(), nullable=False), _c("recipient", S(), nullable=False), _c("table_name", S(), nullable=False),
    _c("population", S(), nullable=False), _c("dimensions", J(), nullable=False), _c("cells", J(), nullable=False),
    _c("published_at", TZ),
)
run_requests = Table(
    "run_requests", metadata,
    _c("request_id", I(), primary_key=True, autoincrement=False), _c("agreement", S(), nullable=False),
    _c("spec", J(), nullable=False), _c("purpose", S(), nullable=False), _c("requester", S(), nullable=False),
    _c("organisation", S()), _c("status", S(), nullable=False), _c("reason", S()), _c("submitted_at", TZ),
    _c("decided_by", S()), _c("decided_at", TZ), _c("release_id", S()), _c("cells", B()),
)
schedule_runs = Table(
    "schedule_runs", metadata,
    _c("agreement", S(), nullable=False), _c("slot", TZ, nullable=False), _c("attempt", I(), nullable=False),
    _c("status", S(), nullable=False), _c("error", S()), _c("release_id", S()), _c("ran_at", TZ),
)

# --- migration 4: contingency directory --------------------------------------------------------------
networks = Table(
    "networks", metadata,
    _c("network_id", S(), primary_key=True), _c("name", S(), nullable=False), _c("kind", S(), nullable=False),
    _c("formal", Boolean(), nullable=False), _c("nationalities", TEXTS), _c("areas", TEXTS), _c("languages", TEXTS),
    _c("services", TEXTS), _c("reach", S()), _c("members_estimate", I()), _c("founded_year", I()),
    _c("public_listing", Boolean(), nullable=False, server_default=false()), _c("source", S()),
    _c("active", Boolean(), nullable=False, server_default=true()), _c("updated_at", TZ), _c("updated_by", S()),
)
focal_points = Table(
    "focal_points", metadata,
    _c("focal_id", S(), primary_key=True), _c("pseudonym", S(), nullable=False), _c("network_id", S()),
    _c("role", S()), _c("areas", TEXTS), _c("languages", TEXTS), _c("verified_at", Date()),
    _c("active", Boolean(), nullable=False, server_default=true()), _c("added_at", TZ), _c("added_by", S()),
)
focal_consents = Table(
    "focal_consents", metadata,
    _c("focal_id", S(), nullable=False), _c("purposes", TEXTS), _c("recipients", TEXTS), _c("scope", S()),
    _c("given_at", Date()), _c("expires_at", Date()), _c("withdrawn_at", TZ), _c("recorded_at", TZ, nullable=False),
    _c("recorded_by", S()),
)
evidence = Table(
    "evidence", metadata,
    _c("evidence_id", S(), primary_key=True), _c("title", S(), nullable=False), _c("body", S()), _c("places", TEXTS),
    _c("nationalities", TEXTS), _c("themes", TEXTS), _c("period_start", Date()), _c("period_end", Date()),
    _c("method", S()), _c("sensitivity", S(), nullable=False), _c("reliability", S()), _c("credibility", I()),
    _c("source", S()), _c("file_name", S()), _c("sha256", S()), _c("sealed_pseudonym", S()),
    _c("review_status", S(), nullable=False), _c("findings", J()), _c("reviewed_by", S()), _c("reviewed_at", TZ),
    _c("added_at", TZ), _c("added_by", S()),
)
evidence_links = Table(
    "evidence_links", metadata,
    _c("evidence_id", S(), nullable=False), _c("target_kind", S(), nullable=False), _c("target_id", S(), nullable=False),
    _c("linked_at", TZ), _c("linked_by", S()),
)
trafficking_reports = Table(
    "trafficking_reports", metadata,
    _c("report_id", S(), primary_key=True), _c("kind", S(), nullable=False), _c("indicator", S(), nullable=False),
    _c("area", S(), nullable=False), _c("adm1", S()), _c("route_origin", S()), _c("route_transit", TEXTS),
    _c("route_destination", S()), _c("period_start", Date(), nullable=False), _c("period_end", Date(), nullable=False),
    _c("source_type", S(), nullable=False), _c("source", S()), _c("confidence", S(), nullable=False),
    _c("added_at", TZ), _c("added_by", S()),
)
