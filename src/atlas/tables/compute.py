"""From stored records to finest-level counts: one Ibis expression, run on DuckDB, PostgreSQL or Spark.

Eligibility (purpose, legal basis, consent, withdrawal) is decided by the store that holds the
records; the aggregation itself is a backend-neutral Ibis expression (`aggregate_expr`), so the very
same code runs in-process on DuckDB and distributed on Spark for national-scale microdata.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from atlas.errors import RejectedInput
from atlas.tables.fields import FIELDS
from atlas.tables.spec import DimensionSpec, FilterClause, TableSpec

AREA_FIELDS = ("area", "adm0", "adm1", "adm2")
SEVERE = ("a_lot_of_difficulty", "cannot_do_at_all")
WG = ("wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care", "wg_communication")
CKEY_SCALE = 4294967296  # record keys in units of 2^-32, summed exactly as integers

_OPS: dict[str, Callable[[ir.Column, Any], ir.BooleanValue]] = {
    "eq": lambda c, v: c == v, "ne": lambda c, v: c != v, "lt": lambda c, v: c < v, "le": lambda c, v: c <= v,
    "gt": lambda c, v: c > v, "ge": lambda c, v: c >= v, "in": lambda c, v: c.isin(v),
    "not_in": lambda c, v: ~c.isin(v), "between": lambda c, v: c.between(v[0], v[1]),
    "is_null": lambda c, v: c.isnull(), "not_null": lambda c, v: c.notnull(),
}


def _area_column(t: ir.Table, d: DimensionSpec) -> ir.Column:
    """The finest known area at or above the asked level (the margins code handles 'not stated below')."""
    level = d.level or ("adm2" if d.field == "area" else d.field)
    chain = {"adm0": ["adm0"], "adm1": ["adm1", "adm0"], "adm2": ["adm2", "adm1", "adm0"]}[level]
    return ibis.coalesce(*(t[c] for c in chain), ibis.literal("_T"))


def _dimension_column(t: ir.Table, d: DimensionSpec) -> ir.Value:
    if d.field in AREA_FIELDS:
        return _area_column(t, d)
    col = t[d.field]
    if FIELDS[d.field].kind in ("number", "year"):
        return col
    if FIELDS[d.field].kind == "flag":
        return col.cast("string").fill_null("unknown")
    return col.cast("string").fill_null("unknown")


def aggregate_expr(t: ir.Table, spec: TableSpec) -> ir.Table:
    """Finest-level cells of `spec` over a table of eligible records: value, n, ckey [, top1, top2]."""
    for clause in spec.filter:
        t = t.filter(_predicate(t, clause))
    keys = {d.field: _dimension_column(t, d) for d in spec.dimensions}
    m = spec.measure
    if spec.kind == "aggregate":
        value = t["value"].sum()
        metrics = {"value": value, "n": value.cast("int64")}
    elif m.kind == "count":
        metrics = {"value": t.count(), "n": t.count(), "ckey": t["ckey_units"].sum()}
    else:
        field = t[m.field]  # type: ignore[index]
        metrics = {"value": field.sum(), "n": field.count(), "top1": field.max()}
    out = t.group_by(**keys).aggregate(**metrics)
    if spec.kind == "person" and m.kind == "sum":
        out = out.join(_second_largest(t, keys, m.field), list(keys), how="left")  # type: ignore[arg-type]
    return out


def _second_largest(t: ir.Table, keys: dict[str, ir.Value], field: str) -> ir.Table:
    """Second-largest contribution per cell (for the p% and (n,k) dominance rules), portable SQL."""
    ranked = t.mutate(**keys).mutate(_rn=ibis.row_number().over(group_by=list(keys), order_by=ibis.desc(t[field])))
    return ranked.filter(ranked._rn == 2).group_by(list(keys)).aggregate(top2=ranked[field].max())


def _predicate(t: ir.Table, clause: FilterClause) -> ir.BooleanValue:
    if clause.field not in t.columns:
        raise RejectedInput(f"filter field {clause.field!r} is not in these records")
    return _OPS[clause.op](t[clause.field], clause.value)


def eligible_sql(kind: str, purpose: str) -> str:
    """Records that may enter a table for `purpose`, with the derived columns tables use."""
    from atlas.privacy.consent import eligible_records_filter

    if kind == "aggregate":
        return """SELECT a.*, coalesce(g.country, a.country) AS adm0
                  FROM aggregates a LEFT JOIN atlas_gazetteer g ON g.pcode = a.area"""
    severe = ", ".join(f"'{s}'" for s in SEVERE)
    any_severe = " OR ".join(f"persons.{w} IN ({severe})" for w in WG)
    all_null = " AND ".join(f"(persons.{w} IS NULL OR persons.{w} = 'unknown')" for w in WG)
    return f"""SELECT persons.*, coalesce(g.country, persons.host_country) AS adm0,
                 CASE WHEN {any_severe} THEN true WHEN {all_null} THEN NULL ELSE false END AS wg_disability,
                 persons.languages[1] AS main_language,
                 CAST(floor(persons.record_key * {CKEY_SCALE}) AS BIGINT) AS ckey_units
               FROM persons LEFT JOIN atlas_gazetteer g ON g.pcode = persons.area
               WHERE {eligible_records_filter(purpose, "persons")}
                 AND NOT coalesce(persons.consent_withdrawn, false)"""


def prepare_duckdb(con: duckdb.DuckDBPyConnection, kind: str, purpose: str) -> None:
    con.execute("""CREATE OR REPLACE TEMP VIEW atlas_gazetteer AS
                   SELECT a.pcode, a.country, a.level, a.parent FROM geo_areas a JOIN geo_sets s USING (set_id)
                   WHERE s.active""")
    con.execute(f"CREATE OR REPLACE TEMP VIEW eligible AS {eligible_sql(kind, purpose)}")


def finest_counts(con: duckdb.DuckDBPyConnection, spec: TableSpec, purpose: str = "statistics") -> pd.DataFrame:
    """Finest-level cells of `spec` computed in the embedded store (DuckDB) through Ibis."""
    prepare_duckdb(con, spec.kind, purpose)
    backend = ibis.duckdb.from_connection(con)
    return backend.to_pandas(aggregate_expr(backend.table("eligible"), spec))


def gazetteer(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(code, parent, level, name) of every active area plus its countries, for area hierarchies."""
    return con.execute("""
        WITH a AS (SELECT a.pcode, a.parent, a.level, a.name, a.country
                   FROM geo_areas a JOIN geo_sets s USING (set_id) WHERE s.active)
        SELECT DISTINCT country AS code, NULL AS parent, 'adm0' AS level, country AS name FROM a
        UNION ALL
        SELECT pcode, parent, 'adm' || level, name FROM a ORDER BY 3, 1""").df()
