"""Value maps: each distinct raw value of a coded column is resolved once, then looked up by every row.

Folding and fuzzy hints cost microseconds per value; done on distinct values only (thousands), the
per-row work is one ENUM cast of the raw string and a list index (`lookups`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from atlas.ingest.columns import Assignment
from atlas.store.fields import Field
from atlas.vocab import lookup
from atlas.vocab.ages import AGE_SCHEMES, band_labels
from atlas.vocab.categories import missing_variants
from atlas.vocab.normalize import fold_many

LIST_SEPARATORS = r"[;,|/+]"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ValueMap:
    """raw -> code for one column, registered as the temp table `table` with columns raw, code, ok, hint; every
    distinct raw value has a row (a list with no parts too, with ok NULL)."""

    table: str
    field: Field
    bad_values: int


def vocab_for(field: Field) -> str:
    if field.kind in ("country", "country_list"):
        return "country"
    if field.kind == "language_list":
        return "language"
    if field.kind == "bool":
        return "yes_no"
    return field.vocab or field.name


def _lookup(vocab: str) -> pa.Table:
    """Vocabulary keys; age bands are accepted under the labels of every band scheme."""
    if vocab != "age_band":
        return lookup.lookup_table(vocab)
    labels = sorted({b for scheme in AGE_SCHEMES for b in band_labels(scheme)})
    return pa.table({"key": fold_many(pa.array(labels, pa.string())), "code": pa.array(labels, pa.string())})


def warm_lookup(field: Field) -> None:
    """Build (and cache) the vocabulary table `build_value_map` will join for `field`."""
    _lookup(vocab_for(field))


def _with_gazetteer_countries(con: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Table:
    """Countries whose boundaries were imported count as known codes (user-assigned ones like XAT too)."""
    extra = [r[0] for r in con.execute("SELECT DISTINCT country FROM geo_sets WHERE active").fetchall()]
    known = set(table.column("code").to_pylist())
    extra = [c for c in extra if c not in known]
    if not extra:
        return table
    keys = fold_many(pa.array(extra, pa.string()))
    return pa.concat_tables([table, pa.table({"key": keys, "code": pa.array(extra, pa.string())})])


def _fold_table(values: list[str]) -> pa.Table:
    arr = pa.array(values, pa.string())
    return pa.table({"raw": arr, "k": fold_many(arr)})


def _overrides(assign: Assignment) -> pa.Table:
    raws = list(assign.rule.values)
    codes = [assign.rule.values[r] for r in raws]
    folded = fold_many(pa.array(raws, pa.string())) if raws else pa.array([], pa.string())
    return pa.table({"k": folded, "code": pa.array(codes, pa.string())})


def build_value_map(con: duckdb.DuckDBPyConnection, assign: Assignment, field: Field, distinct: list[str],
                    name: str, *, allow_total: bool = False) -> ValueMap:
    """Resolve the distinct raw values of one column into `name` (a temp table on `con`)."""
    vocab = vocab_for(field)
    con.register("vm_in", _fold_table(distinct))
    con.register("vm_lk", _with_gazetteer_countries(con, _lookup(vocab)) if vocab == "country" else _lookup(vocab))
    con.register("vm_ov", _overrides(assign))
    con.register("vm_missing", pa.table({"k": fold_many(pa.array(list(missing_variants()), pa.string()))}))
    listy = field.kind in ("country_list", "language_list")
    total = "trim(i.raw) = '_T'" if allow_total else "false"
    if listy:
        con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {name} AS
        WITH parts AS (
          SELECT raw, pos, trim(part) AS part FROM (
            SELECT raw, unnest(string_split_regex(raw, '{LIST_SEPARATORS}')) AS part,
                   unnest(range(len(string_split_regex(raw, '{LIST_SEPARATORS}')))) AS pos FROM vm_in)
        ), resolved AS (
          SELECT parts.raw, parts.pos, parts.part, coalesce(ov.code, lk.code) AS code
          FROM parts LEFT JOIN vm_ov ov ON ov.k = atlas_fold(parts.part)
                     LEFT JOIN vm_lk lk ON lk.key = atlas_fold(parts.part)
          WHERE parts.part <> ''
        )
        SELECT i.raw, r.code, r.ok, r.bad_part FROM vm_in i LEFT JOIN (
          SELECT raw, list(code ORDER BY pos) FILTER (WHERE code IS NOT NULL) AS code,
                 bool_and(code IS NOT NULL) AS ok,
                 string_agg(CASE WHEN code IS NULL THEN part END, ', ') AS bad_part
          FROM resolved GROUP BY raw) r ON r.raw = i.raw""")
    else:
        con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {name} AS
        SELECT i.raw,
               CASE WHEN {total} THEN '_T' WHEN m.k IS NOT NULL THEN '{UNKNOWN}' ELSE coalesce(ov.code, lk.code) END AS code,
               ({total} OR m.k IS NOT NULL OR ov.code IS NOT NULL OR lk.code IS NOT NULL) AS ok,
               CAST(NULL AS VARCHAR) AS bad_part
        FROM vm_in i LEFT JOIN vm_missing m ON m.k = i.k
             LEFT JOIN vm_ov ov ON ov.k = i.k LEFT JOIN vm_lk lk ON lk.key = i.k""")
    for t in ("vm_in", "vm_lk", "vm_ov", "vm_missing"):
        con.unregister(t)
    con.execute(f"ALTER TABLE {name} ADD COLUMN hint VARCHAR")
    bad = con.execute(f"SELECT raw, coalesce(bad_part, raw) FROM {name} WHERE NOT ok").fetchall()
    for raw, part in bad:
        hint = lookup.suggest(vocab, part) if vocab != "age_band" else None
        if hint:
            con.execute(f"UPDATE {name} SET hint = ? WHERE raw = ?", [f"{part!r} -> did you mean {hint}?", raw])
    return ValueMap(name, field, len(bad))
