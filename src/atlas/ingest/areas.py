"""Resolve area values (P-codes, names in any case or accent, ISO3 for a whole country) to the gazetteer."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from atlas.vocab.normalize import fold_many


def build_area_map(con: duckdb.DuckDBPyConnection, distinct: list[str], name: str, country: str | None) -> int:
    """Create temp table `name` (raw, pcode, level, adm1, adm2); returns how many raw values stay unknown.

    A name matches only when it is unique among the active areas (of `country` when given), so
    "Saint-Marc" never silently picks one of two namesakes.
    """
    arr = pa.array(distinct, pa.string())
    con.register("am_in", pa.table({"raw": arr, "k": fold_many(arr)}))
    con.execute(f"""
    CREATE OR REPLACE TEMP TABLE {name} AS
    WITH g AS (
      SELECT a.country, a.level, a.pcode, a.parent, atlas_fold(a.name) AS k
      FROM geo_areas a JOIN geo_sets s USING (set_id)
      WHERE s.active AND (CAST(? AS VARCHAR) IS NULL OR a.country = ?)
    ), names AS (
      SELECT k, any_value(pcode) AS pcode FROM g GROUP BY k HAVING count(*) = 1
    ), resolved AS (
      SELECT i.raw, coalesce(byc.pcode, byn.pcode,
                             CASE WHEN length(upper(trim(i.raw))) = 3 AND upper(trim(i.raw)) IN
                                  (SELECT DISTINCT country FROM g) THEN upper(trim(i.raw)) END) AS pcode
      FROM am_in i
      LEFT JOIN g byc ON byc.pcode = replace(upper(trim(i.raw)), '-', '')
      LEFT JOIN names byn ON byn.k = i.k
    )
    SELECT r.raw, r.pcode, coalesce(g.level, 0) AS level,
           CASE g.level WHEN 1 THEN g.pcode WHEN 2 THEN g.parent
                        WHEN 3 THEN (SELECT p.parent FROM g p WHERE p.pcode = g.parent) END AS adm1,
           CASE g.level WHEN 2 THEN g.pcode WHEN 3 THEN g.parent END AS adm2
    FROM resolved r LEFT JOIN g ON g.pcode = r.pcode""", [country, country])
    con.unregister("am_in")
    row = con.execute(f"SELECT count(*) FROM {name} WHERE pcode IS NULL").fetchone()
    return int(row[0]) if row else 0


def area_hints(con: duckdb.DuckDBPyConnection, table: str, country: str | None, limit: int = 500) -> dict[str, str]:
    """Closest active area name for each unknown raw value of area map `table`, in one query."""
    rows = con.execute(f"""
      WITH u AS (SELECT raw, atlas_fold(raw) AS k FROM {table} WHERE pcode IS NULL LIMIT {int(limit)}),
           g AS (SELECT a.pcode, a.name, atlas_fold(a.name) AS k FROM geo_areas a JOIN geo_sets s USING (set_id)
                 WHERE s.active AND (CAST(? AS VARCHAR) IS NULL OR a.country = ?))
      SELECT u.raw, arg_max(g.pcode || ' (' || g.name || ')', jaro_winkler_similarity(g.k, u.k)),
             max(jaro_winkler_similarity(g.k, u.k))
      FROM u CROSS JOIN g GROUP BY u.raw""", [country, country]).fetchall()
    return {raw: f"{raw!r} -> did you mean {best}?" for raw, best, sim in rows if sim is not None and sim >= 0.85}
