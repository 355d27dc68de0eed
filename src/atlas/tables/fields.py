"""Fields a table spec may name, derived from the store's canonical list (store/fields.py) and vocab code lists.

These are the only identifiers that can reach a query. Table-only additions: `adm0/adm1/adm2`
(derived from `area` via the gazetteer), `wg_disability` (Washington Group disability flag) and
`main_language` (the first language listed, the mother tongue: `languages` is a list, not a dimension).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from atlas.errors import NotFound
from atlas.store.fields import AGGREGATE_FIELDS, PERSON_FIELDS, Field

FieldKind = Literal["category", "country", "area", "number", "year", "flag", "code", "list", "id"]
AREA_LEVELS = ("adm0", "adm1", "adm2")

# Dimensions that may reveal a sensitive attribute of a small group (DESIGN: status, trafficking, disability).
SENSITIVE = frozenset(
    {
        "migration_status",
        "ethnicity",
        "informal_work",
        "employer_holds_documents",
        "unpaid_wages",
        "unaccompanied_child",
        "wg_disability",
        "wg_seeing",
        "wg_hearing",
        "wg_walking",
        "wg_cognition",
        "wg_self_care",
        "wg_communication",
    }
)
_KINDS: dict[str, FieldKind] = {
    "country": "country",
    "pcode": "area",
    "int": "number",
    "number": "number",
    "year": "year",
    "bool": "flag",
    "code": "code",
    "text": "code",
    "country_list": "list",
    "language_list": "list",
    "id": "id",
    "date": "id",
}
_NOT_DIMENSIONS = frozenset(
    {
        "record_id",
        "event_date",
        "household_id",
        "sampling_weight",
        "consent_purposes",
        "consent_date",
        "value",
        "languages",
        "transit_countries",
    }
)


@dataclass(frozen=True)
class FieldDef:
    """One field: its kind, its closed code list (if any), its area levels, default sensitivity."""

    name: str
    kind: FieldKind
    codes: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    sensitive: bool = False
    dimension: bool = True
    label: str = ""
    vocab: str | None = None
    record_kinds: tuple[str, ...] = ("person", "aggregate")


def _codes(vocab: str | None, kind: str) -> tuple[str, ...]:
    if kind == "bool":
        return ("true", "false")
    if vocab is None:
        return ()
    from atlas.vocab.categories import category

    try:
        return tuple(category(vocab).code_list())
    except NotFound:
        return ()


def _define(f: Field, record_kinds: tuple[str, ...]) -> FieldDef:
    kind = _KINDS.get(f.kind, "code")
    codes = _codes(f.vocab, f.kind)
    kind = "category" if codes and kind == "code" else kind
    return FieldDef(
        name=f.name,
        kind=kind,
        codes=codes,
        levels=AREA_LEVELS if kind == "area" else (),
        sensitive=f.name in SENSITIVE,
        dimension=f.name not in _NOT_DIMENSIONS,
        label=f.label,
        vocab=f.vocab,
        record_kinds=record_kinds,
    )


@cache
def all_fields() -> dict[str, FieldDef]:
    """Every field of person and aggregate records, plus the table-only derived fields."""
    out: dict[str, FieldDef] = {}
    person = {f.name for f in PERSON_FIELDS}
    aggregate = {f.name for f in AGGREGATE_FIELDS}
    for f in (*PERSON_FIELDS, *AGGREGATE_FIELDS):
        kinds = tuple(k for k, names in (("person", person), ("aggregate", aggregate)) if f.name in names)
        out.setdefault(f.name, _define(f, kinds))
    for lv in AREA_LEVELS:
        out[lv] = FieldDef(lv, "area", label=f"Admin area ({lv})")
    out["wg_disability"] = FieldDef(
        "wg_disability",
        "flag",
        ("true", "false"),
        sensitive=True,
        label="Disability (Washington Group short set)",
    )
    out["wg_disability"] = replace(out["wg_disability"], record_kinds=("person",))
    out["main_language"] = FieldDef(
        "main_language", "code", label="Main language (first listed, ISO 639-3)", record_kinds=("person",)
    )
    out["sampling_weight"] = FieldDef(
        "sampling_weight", "number", dimension=False, label="Sampling weight", record_kinds=("person",)
    )
    return out


FIELDS: dict[str, FieldDef] = all_fields()


def field_names() -> list[str]:
    """Names accepted in filters and dimensions, sorted for error hints."""
    return sorted(all_fields())


def get_field(name: str) -> FieldDef:
    """The definition of `name`; KeyError when unknown (the spec layer turns it into an Issue)."""
    return all_fields()[name]


def code_labels(name: str, lang: str = "en") -> dict[str, str]:
    """Labels of a field's codes: vocab code lists, and country names for country fields."""
    f = all_fields().get(name)
    if f is None:
        return {}
    if f.kind == "country":
        from atlas.tables.hierarchy import m49_table

        t = m49_table()
        return dict(zip(t["iso3"], t["name"], strict=True))
    if f.vocab:
        from atlas.vocab.categories import category

        try:
            return {c.code: c.label(lang) for c in category(f.vocab).codes}
        except NotFound:
            return {}
    return {}
