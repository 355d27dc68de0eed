"""Decide what each source column feeds: a field, the vault (identifiers), or nothing.

Order of precedence: the mapping file, then HXL hashtags, then header synonyms. In person files a
column nobody recognises is treated as an identifier (it goes to the encrypted vault, never to the
statistical records) unless the mapping says `ignore`: unknown free text is presumed personal.
"""

from __future__ import annotations

from dataclasses import dataclass

from atlas.errors import Issue, RejectedInput
from atlas.ingest.mapping import CONSENT_ONLY_FIELDS, ColumnRule, Mapping
from atlas.ingest.readers.source import SourceColumn
from atlas.ingest.synonyms import HEADER_SYNONYMS, HXL_TAGS
from atlas.store.fields import FIELDS_BY_KIND, IDENTIFIER_FIELDS
from atlas.vocab.normalize import fold


@dataclass(frozen=True)
class Assignment:
    column: SourceColumn
    field: str | None
    identifier: bool
    rule: ColumnRule
    how: str  # mapping | hxl | synonym | unmapped


def _synonym_index(kind: str) -> dict[str, str]:
    allowed = {f.name for f in FIELDS_BY_KIND[kind]} | set(IDENTIFIER_FIELDS) | _consent_only(kind)
    index: dict[str, str] = {}
    for fld, variants in HEADER_SYNONYMS.items():
        if fld not in allowed:
            continue
        for v in (fld, *variants):
            key = fold(v)
            if key and key not in index:
                index[key] = fld
    return index


def _consent_only(kind: str) -> set[str]:
    return set(CONSENT_ONLY_FIELDS) if kind == "person" else set()


def _hxl_field(tag: str | None, kind: str) -> str | None:
    if not tag:
        return None
    parts = tag.lower().split("+")
    allowed = {f.name for f in FIELDS_BY_KIND[kind]} | set(IDENTIFIER_FIELDS)
    exact = "+".join([parts[0], *sorted(parts[1:])])
    known = {"+".join([t.split("+")[0], *sorted(t.split("+")[1:])]): f for t, f in HXL_TAGS.items()}
    fld = known.get(exact)
    return fld if fld in allowed else None


def resolve(columns: list[SourceColumn], mapping: Mapping, file: str) -> tuple[list[Assignment], list[Issue]]:
    """Assign every column; two columns feeding one field is an error the user must settle in the mapping.

    Areas are the exception: several admin-level columns (adm1 and adm2 codes) may feed `area`, and each
    row takes the finest one it has.
    """
    index = _synonym_index(mapping.kind)
    out: list[Assignment] = []
    taken: dict[str, str] = {}
    notes: list[Issue] = []
    for col in columns:
        rule = mapping.rule(col.original) or mapping.rule(col.name)
        how = "mapping"
        if rule is None and mapping.auto:
            fld = _hxl_field(col.hxl, mapping.kind)
            how = "hxl"
            if fld is None:
                fld, how = index.get(fold(col.original) or ""), "synonym"
            rule = ColumnRule(field=fld) if fld else None
        if rule is None or (rule.field is None and not rule.identifier and not rule.ignore):
            identifier = mapping.kind == "person"
            out.append(Assignment(col, None, identifier, ColumnRule(identifier=identifier), "unmapped"))
            continue
        if rule.ignore:
            out.append(Assignment(col, None, False, rule, how))
            continue
        fld = rule.field
        identifier = rule.identifier or fld in IDENTIFIER_FIELDS
        if fld == "area" and not identifier:
            out.append(Assignment(col, fld, False, rule, how))
            continue
        if fld and not identifier:
            if fld in taken and how != "mapping":
                notes.append(Issue("column-ignored", f"also looks like {fld!r}, already fed by {taken[fld]!r}; ignored",
                                   file=file, column=col.original, hint="name it in the mapping file to choose"))
                out.append(Assignment(col, None, mapping.kind == "person", ColumnRule(identifier=mapping.kind == "person"), "unmapped"))
                continue
            if fld in taken:
                raise RejectedInput(
                    f"Columns {taken[fld]!r} and {col.original!r} both feed {fld!r}.",
                    issues=[Issue("ambiguous-mapping", f"two columns feed {fld!r}", file=file, column=col.original,
                                  hint="map one of them to another field or `ignore: true`")],
                )
            taken[fld] = col.original
        out.append(Assignment(col, fld, identifier, rule, how))
    return out, notes
