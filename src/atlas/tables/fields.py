"""The person/aggregate fields a table spec may name: the only identifiers that reach a query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["category", "country", "area", "number", "year", "flag", "code"]


@dataclass(frozen=True)
class FieldDef:
    """One field of the vocabulary: its kind, its closed code list (if any), and its hierarchy levels."""

    name: str
    kind: FieldKind
    codes: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    sensitive: bool = False
    dimension: bool = True


SEX = ("female", "male", "other", "unknown")
MIGRATION_STATUS = ("regular", "irregular", "asylum_seeker", "refugee", "stateless", "citizen_abroad", "unknown")
PURPOSE = ("work", "family", "study", "protection", "transit", "other", "unknown")
WG_LEVELS = ("no_difficulty", "some_difficulty", "a_lot_of_difficulty", "cannot_do_at_all", "unknown")
WG_DOMAINS = ("seeing", "hearing", "walking", "remembering", "self_care", "communicating")
LANGUAGE_LEVEL = ("none", "basic", "intermediate", "fluent", "native", "unknown")
AREA_LEVELS = ("adm0", "adm1", "adm2")

_FIELDS: list[FieldDef] = [
    FieldDef("sex", "category", SEX),
    FieldDef("age", "number"),
    FieldDef("age_band", "code"),
    FieldDef("nationality", "country"),
    FieldDef("birth_country", "country"),
    FieldDef("ethnicity", "code", sensitive=True),
    FieldDef("languages", "code"),
    FieldDef("host_language_level", "category", LANGUAGE_LEVEL),
    FieldDef("area", "area", levels=AREA_LEVELS),
    FieldDef("adm0", "area"),
    FieldDef("adm1", "area"),
    FieldDef("adm2", "area"),
    FieldDef("migration_status", "category", MIGRATION_STATUS, sensitive=True),
    FieldDef("purpose", "category", PURPOSE),
    FieldDef("route_origin", "country"),
    FieldDef("route_transit", "country"),
    FieldDef("route_entry_point", "code"),
    FieldDef("route_destination", "country"),
    FieldDef("arrival_year", "year"),
    *[FieldDef(f"disability_{d}", "category", WG_LEVELS, sensitive=True) for d in WG_DOMAINS],
    FieldDef("disability", "flag", ("yes", "no", "unknown"), sensitive=True),
    FieldDef("sector_isic", "code"),
    FieldDef("informal_work", "flag", ("yes", "no", "unknown"), sensitive=True),
    FieldDef("employer_holds_documents", "flag", ("yes", "no", "unknown"), sensitive=True),
    FieldDef("unpaid_wages", "flag", ("yes", "no", "unknown"), sensitive=True),
    FieldDef("isco", "code"),
    FieldDef("isced", "code"),
    FieldDef("diaspora", "flag", ("yes", "no", "unknown")),
    FieldDef("trafficking_indicator", "flag", ("yes", "no", "unknown"), sensitive=True),
    FieldDef("source_batch", "code"),
    FieldDef("period", "code"),
    FieldDef("record_date", "code", dimension=False),
    FieldDef("household_id", "code", dimension=False),
    FieldDef("weight", "number", dimension=False),
    FieldDef("sampling_weight", "number", dimension=False),
    FieldDef("count", "number", dimension=False),
    FieldDef("income", "number", dimension=False),
    FieldDef("remittances", "number", dimension=False),
]

FIELDS: dict[str, FieldDef] = {f.name: f for f in _FIELDS}


def field_names() -> list[str]:
    """Names accepted in filters and dimensions, sorted for error hints."""
    return sorted(FIELDS)


def get_field(name: str) -> FieldDef:
    """The definition of `name`; KeyError when unknown (the spec layer turns it into an Issue)."""
    return FIELDS[name]
