"""The canonical person and aggregate fields: name, storage type and how ingest normalises them.

One list drives the store schema, the ingest normaliser and the table layer, so a field is declared
once. `kind` names the normaliser; `vocab` names the code list for `code` fields.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    sql: str
    kind: str  # country | country_list | language_list | code | pcode | int | year | date | bool | number | text | id
    vocab: str | None = None
    min: float | None = None
    max: float | None = None
    label: str = ""


WG_DOMAINS = ("seeing", "hearing", "walking", "cognition", "self_care", "communication")

PERSON_FIELDS: tuple[Field, ...] = (
    Field("record_id", "VARCHAR", "id", label="Record identifier (pseudonymised)"),
    Field("event_date", "DATE", "date", label="Date of registration or interview"),
    Field("sex", "VARCHAR", "code", "sex", label="Sex"),
    Field("age", "SMALLINT", "int", min=0, max=120, label="Age in completed years"),
    Field("age_band", "VARCHAR", "code", "age_band", label="Age band"),
    Field("nationality", "VARCHAR", "country", label="Country of nationality"),
    Field("birth_country", "VARCHAR", "country", label="Country of birth"),
    Field("ethnicity", "VARCHAR", "text", label="Ethnic group (source code list)"),
    Field("languages", "VARCHAR[]", "language_list", label="Languages spoken (ISO 639-3)"),
    Field("host_language_level", "VARCHAR", "code", "language_level", label="Capability in the host language"),
    Field("host_country", "VARCHAR", "country", label="Country of residence (host State)"),
    Field("area", "VARCHAR", "pcode", label="Finest known admin area (P-code)"),
    Field("migration_status", "VARCHAR", "code", "migration_status", label="Migration status"),
    Field("purpose", "VARCHAR", "code", "purpose", label="Purpose of migration"),
    Field("origin_country", "VARCHAR", "country", label="Route: origin"),
    Field("transit_countries", "VARCHAR[]", "country_list", label="Route: transit countries"),
    Field("entry_point", "VARCHAR", "text", label="Route: entry point"),
    Field("destination_country", "VARCHAR", "country", label="Route: intended destination"),
    Field("arrival_year", "SMALLINT", "year", min=1900, label="Year of arrival"),
    *(Field(f"wg_{d}", "VARCHAR", "code", "wg_level", label=f"Washington Group: {d.replace('_', '-')}")
      for d in WG_DOMAINS),
    Field("sector_isic", "VARCHAR", "code", "isic_section", label="Sector of work (ISIC section)"),
    Field("informal_work", "BOOLEAN", "bool", label="Works informally"),
    Field("employer_holds_documents", "BOOLEAN", "bool", label="Employer holds identity documents"),
    Field("unpaid_wages", "BOOLEAN", "bool", label="Unpaid wages"),
    Field("isco_major", "VARCHAR", "code", "isco_major", label="Occupation (ISCO-08 major group)"),
    Field("isced_level", "VARCHAR", "code", "isced_level", label="Education (ISCED 2011)"),
    Field("diaspora", "BOOLEAN", "bool", label="Member of the diaspora"),
    Field("unaccompanied_child", "BOOLEAN", "bool", label="Unaccompanied or separated child"),
    Field("household_id", "VARCHAR", "id", label="Household (pseudonymised)"),
    Field("sampling_weight", "DOUBLE", "number", min=0, label="Sampling weight"),
    Field("consent_purposes", "VARCHAR[]", "text", label="Purposes consented to"),
    Field("consent_date", "DATE", "date", label="Date of consent"),
    Field("consent_withdrawn", "BOOLEAN", "bool", label="Consent withdrawn"),
    Field("entry_mode", "VARCHAR", "text", label="Route: mode of entry (land, sea, air)"),
)

AGGREGATE_FIELDS: tuple[Field, ...] = (
    Field("period", "VARCHAR", "text", label="Reference period (YYYY, YYYY-MM or YYYY-MM-DD)"),
    Field("area", "VARCHAR", "pcode", label="Admin area (P-code) or country (ISO3)"),
    Field("country", "VARCHAR", "country", label="Country (ISO3)"),
    Field("nationality", "VARCHAR", "country", label="Nationality / origin country"),
    Field("origin_country", "VARCHAR", "country", label="Origin"),
    Field("destination_country", "VARCHAR", "country", label="Destination"),
    Field("entry_point", "VARCHAR", "text", label="Entry point"),
    Field("sex", "VARCHAR", "code", "sex", label="Sex"),
    Field("age_band", "VARCHAR", "text", label="Age band (source bands)"),
    Field("migration_status", "VARCHAR", "code", "migration_status", label="Migration status"),
    Field("purpose", "VARCHAR", "code", "purpose", label="Purpose"),
    Field("indicator", "VARCHAR", "text", label="What is counted (e.g. idps, arrivals, stock)"),
    Field("value", "DOUBLE", "number", min=0, label="The count or amount"),
)

IDENTIFIER_FIELDS = ("name", "phone", "email", "document_number", "address", "contact")

FIELDS_BY_KIND = {"person": PERSON_FIELDS, "aggregate": AGGREGATE_FIELDS}


RECORD_ID_IS_PSEUDONYM = "="


def record_id_sql(alias: str) -> str:
    """A persons row's record id. Ingest pseudonymises the source's record id into the row's pseudonym, so it
    stores only this marker in `record_id` (NULL when the row had no id) instead of writing the 64 characters twice;
    rows written otherwise keep their own value."""
    if not alias.isidentifier():
        raise ValueError(f"invalid table alias {alias!r}")
    return (f"CASE WHEN {alias}.record_id = '{RECORD_ID_IS_PSEUDONYM}' THEN {alias}.pseudonym "
            f"ELSE {alias}.record_id END")


def field_map(kind: str) -> dict[str, Field]:
    return {f.name: f for f in FIELDS_BY_KIND[kind]}
