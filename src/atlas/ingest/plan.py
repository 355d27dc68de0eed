"""Turn column assignments into the SQL columns of one ingest: which value maps, joins and checks."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import duckdb

from atlas.ingest import consent, rowsql
from atlas.ingest.areas import area_hints, build_area_map
from atlas.ingest.columns import Assignment
from atlas.ingest.lookups import Lookup, area_lookup, coded_lookup
from atlas.ingest.mapping import CONSENT_ONLY_FIELDS, Mapping
from atlas.ingest.valuemaps import build_value_map, warm_lookup
from atlas.store.fields import Field, field_map
from atlas.vocab.ages import AGE_SCHEMES, band_labels

CODED_KINDS = ("code", "country", "country_list", "language_list", "bool")


@dataclass
class Plan:
    columns: dict[str, rowsql.Column]
    hints: dict[tuple[str, str], str]  # (source column, raw value) -> hint
    identifiers: list[Assignment]


def warm_vocabularies(kind: str) -> threading.Thread:
    """Build the look-up tables of the kind's vocabularies (about a second of Python over pycountry and CLDR)
    in a background thread, while DuckDB parses the file with the GIL released; join it before `build_plan`."""
    fields = field_map(kind)
    coded = [f for f in fields.values() if f.kind in CODED_KINDS]
    thread = threading.Thread(target=_warm, args=(coded,), name="atlas-vocab", daemon=True)
    thread.start()
    return thread


def _warm(fields: list[Field]) -> None:
    for f in fields:
        try:
            warm_lookup(f)
        except Exception:  # noqa: BLE001, S112 - a vocabulary that fails here fails again, reported, in build_plan
            continue


def distinct_values(con: duckdb.DuckDBPyConnection, assigns: list[Assignment]) -> dict[str, list[str]]:
    """Distinct raw values of every coded column of the source view `src`: one DISTINCT per column, as a
    UNION ALL, reads only that column and runs on every thread (one aggregate of many DISTINCT lists did not)."""
    names = list(dict.fromkeys(a.column.name for a in assigns))
    if not names:
        return {}
    parts = " UNION ALL ".join(f"SELECT {i} AS i, v FROM (SELECT DISTINCT {n} AS v FROM src) WHERE v IS NOT NULL"
                               for i, n in enumerate(names))
    out: dict[str, list[str]] = {n: [] for n in names}
    for i, value in con.execute(parts).fetchall():
        out[names[i]].append(value)
    return out


def build_plan(con: duckdb.DuckDBPyConnection, assigns: list[Assignment], mapping: Mapping, today: date) -> Plan:
    fields = field_map(mapping.kind)
    mapped = [a for a in assigns if a.field and not a.identifier and a.field in fields]
    consent_only = [a for a in assigns if a.field in CONSENT_ONLY_FIELDS and not a.identifier and mapping.kind == "person"]
    coded = [a for a in mapped if fields[a.field].kind in CODED_KINDS or fields[a.field].kind == "pcode"
             or a.field == "consent_purposes"]
    coded += [a for a in consent_only if a.field == "consent_channel"]
    distinct = distinct_values(con, coded)
    cols: dict[str, rowsql.Column] = {}
    hints: dict[tuple[str, str], str] = {}
    areas: list[tuple[Assignment, Lookup]] = []
    for i, a in enumerate(mapped):
        fld = fields[a.field]  # type: ignore[index]
        if fld.name == "consent_purposes":
            hints.update({(a.column.name, raw): h for raw, h in consent.value_map(
                con, f"cp_{i}", distinct[a.column.name], consent.PURPOSE_INDEX, is_list=True).items()})
            cols[fld.name] = consent.purposes_column(fld, a, coded_lookup(con, f"cp_{i}", "code", resolved_only=True))
        elif fld.kind == "pcode":
            name = f"am_{i}"
            unknown = build_area_map(con, distinct[a.column.name], name, mapping.country)
            if unknown:
                hints.update({(a.column.name, raw): h for raw, h in area_hints(con, name, mapping.country).items()})
            areas.append((a, area_lookup(con, name, rowsql.MISSING_SQL)))
            cols[fld.name] = rowsql.area(fld, [x for x, _ in areas], [m for _, m in areas], con)
        elif fld.kind in CODED_KINDS:
            vm = build_value_map(con, a, fld, distinct[a.column.name], f"vm_{i}",
                                 allow_total=mapping.kind == "aggregate")
            if vm.bad_values:
                for raw, hint in con.execute(f"SELECT raw, hint FROM {vm.table} WHERE hint IS NOT NULL").fetchall():
                    hints[(a.column.name, raw)] = hint
            cols[fld.name] = rowsql.coded(fld, a, coded_lookup(con, vm.table, fld.kind))
        elif fld.kind in ("int", "year"):
            cols[fld.name] = rowsql.number(fld, a, integer=True, today=today)
        elif fld.kind == "number":
            cols[fld.name] = rowsql.number(fld, a, integer=False, today=today)
        elif fld.kind == "date":
            cols[fld.name] = rowsql.day(fld, a, today=today, fmt=mapping.date_format)
        elif fld.name == "record_id" and mapping.kind == "person":
            cols[fld.name] = rowsql.record_id(fld, a)
        elif fld.kind == "id":
            con.execute(rowsql.pseudonym_map(f"pm_{i}", a))
            cols[fld.name] = rowsql.identifier(fld, a, f"pm_{i}")
        elif fld.sql == "VARCHAR[]":
            cols[fld.name] = rowsql.text_list(fld, a)
        else:
            cols[fld.name] = rowsql.text(fld, a)
    for a in consent_only:
        if a.field == "consent_channel":
            hints.update({(a.column.name, raw): h for raw, h in consent.value_map(
                con, "cc_0", distinct[a.column.name], consent.CHANNEL_INDEX, is_list=False).items()})
            cols["consent_channel"] = consent.channel_column(a, coded_lookup(con, "cc_0", "code", resolved_only=True))
        else:
            cols["consent_withdrawn_date"] = rowsql.day(consent.WITHDRAWN_DATE_FIELD, a, today=today,
                                                        fmt=mapping.date_format)
    if "age" in cols and "age_band" not in cols and "age_band" in fields:
        cols["age_band"] = rowsql.Column(fields["age_band"], age_band_sql(cols["age"].value))
    return Plan(cols, hints, [a for a in assigns if a.identifier])


def age_band_sql(age: str, scheme: str = "5y") -> str:
    """Standard 5-year band of an age expression, as a CASE (no per-row Python)."""
    bounds = AGE_SCHEMES[scheme]
    labels = band_labels(scheme)
    whens = " ".join(f"WHEN ({age}) < {hi} THEN '{lab}'" for hi, lab in zip(bounds[1:], labels, strict=False))
    return f"CASE WHEN ({age}) IS NULL OR ({age}) < 0 THEN NULL {whens} ELSE '{labels[-1]}' END"
