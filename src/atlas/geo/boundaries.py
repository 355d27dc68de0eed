"""Import official boundaries (OCHA COD-AB, geoBoundaries, any GeoJSON/GeoPackage/shapefile) as versioned sets.

Boundary sets change (districts split, P-codes renumbered), so each import is a new set; the newest set
of a (country, level) is active and older ones stay for earlier releases.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pyarrow as pa

from atlas.errors import Issue, RejectedInput
from atlas.store.tx import allocate, begin

NAME_LANGS = ("EN", "FR", "ES", "PT", "AR", "RU", "ZH", "HT")


@dataclass(frozen=True)
class GeoImport:
    set_id: int
    country: str
    level: int
    features: int
    version: str


@dataclass(frozen=True)
class ColumnPlan:
    pcode: str
    name: str | None
    names: dict[str, str]
    parent: str | None
    version: str | None


def _find(columns: list[str], *patterns: str) -> str | None:
    upper = {c.upper(): c for c in columns}
    for pat in patterns:
        for cu, c in upper.items():
            if re.fullmatch(pat, cu):
                return c
    return None


def plan_columns(columns: list[str], level: int, pcode: str | None = None, name: str | None = None,
                 parent: str | None = None) -> ColumnPlan:
    """Recognise COD-AB (ADMn_PCODE, ADMn_EN…), geoBoundaries (shapeISO, shapeName) and plain layouts."""
    pcode = pcode or _find(columns, rf"ADM{level}_PCODE", rf"ADMIN{level}PCODE", r"PCODE", r"P_CODE", r"SHAPEISO", r"SHAPEID")
    if pcode is None:
        raise RejectedInput(
            f"No P-code column found for admin level {level}; name it with --pcode-field.",
            issues=[Issue("missing-pcode-column", f"columns are: {', '.join(columns)}", column=None)],
        )
    names = {lang: c for lang in NAME_LANGS if (c := _find(columns, rf"ADM{level}_{lang}", rf"ADM{level}NAME_{lang}"))}
    name = name or names.get("EN") or names.get("FR") or _find(columns, rf"ADM{level}_NAME", r"SHAPENAME", r"NAME", r"NAME_EN")
    parent = parent or (_find(columns, rf"ADM{level - 1}_PCODE") if level > 1 else None)
    version = _find(columns, r"VALIDON", r"DATE", r"VALID_ON")
    return ColumnPlan(pcode, name, names, parent, version)


def import_boundaries(con: duckdb.DuckDBPyConnection, path: Path, *, country: str, level: int,
                      pcode_field: str | None = None, name_field: str | None = None,
                      parent_field: str | None = None, version: str | None = None) -> GeoImport:
    """Load one boundary file into a new active set, in one transaction."""
    if level < 1 or level > 5:
        raise RejectedInput(f"Admin level must be 1 to 5, got {level}.")
    country = country.upper()
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise RejectedInput(f"{path} is not a readable boundary file ({type(exc).__name__}).",
                            issues=[Issue("unreadable-boundaries", str(exc)[:200], file=str(path))]) from exc
    if gdf.empty:
        raise RejectedInput(f"{path} has no features.", issues=[Issue("empty-boundaries", "no features", file=str(path))])
    plan = plan_columns(list(gdf.columns), level, pcode_field, name_field, parent_field)
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    frame = _frame(gdf, plan, country, level, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    version = version or (str(gdf[plan.version].iloc[0])[:10] if plan.version else digest[:12])
    return _store(con, frame, country=country, level=level, version=version, source=path, digest=digest)


def _frame(gdf: gpd.GeoDataFrame, plan: ColumnPlan, country: str, level: int, path: Path) -> pd.DataFrame:
    codes = gdf[plan.pcode].astype(str).str.strip().str.upper().str.replace("-", "", regex=False)
    issues = [Issue("blank-pcode", "feature has no P-code", file=str(path), row=i + 1, column=plan.pcode)
              for i in codes.index[codes.isin(["", "NONE", "NAN"])]]
    dup = codes[codes.duplicated(keep=False)]
    issues += [Issue("duplicate-pcode", "P-code used by more than one feature", file=str(path), row=int(i) + 1,
                     column=plan.pcode, value=v) for i, v in dup.items()]
    if issues:
        raise RejectedInput(f"{len(issues)} problem(s) in {path.name}; nothing was imported.", issues=issues)
    parent = (gdf[plan.parent].astype(str).str.strip().str.upper().str.replace("-", "", regex=False)
              if plan.parent else pd.Series([country] * len(gdf)))
    names_json = [json.dumps({lang: str(row[col]) for lang, col in plan.names.items() if pd.notna(row[col])},
                             ensure_ascii=False) for _, row in gdf[list(plan.names.values())].iterrows()]
    metric = gdf.geometry.to_crs("+proj=cea")
    return pd.DataFrame({
        "pcode": codes.values,
        "name": gdf[plan.name].astype(str).values if plan.name else codes.values,
        "names": names_json,
        "parent": parent.values,
        "geometry": gdf.geometry.to_wkb().values,
        "area_km2": (metric.area / 1e6).round(3).values,
    })


def _store(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, country: str, level: int, version: str,
           source: Path, digest: str) -> GeoImport:
    begin(con)
    try:
        set_id = allocate(con, "geo_sets", "set_id")
        con.execute("UPDATE geo_sets SET active = false WHERE country = ? AND level = ?", [country, level])
        con.execute("INSERT INTO geo_sets VALUES (?, ?, ?, ?, ?, ?, ?, now(), true)",
                    [set_id, country, level, version, source.name, digest, len(frame)])
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        con.register("geo_incoming", arrow)
        con.execute("""INSERT INTO geo_areas SELECT ?, ?, ?, pcode, name, names::JSON, parent, geometry, area_km2
                       FROM geo_incoming""", [set_id, country, level])
        con.unregister("geo_incoming")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return GeoImport(set_id, country, level, len(frame), version)


def active_areas(con: duckdb.DuckDBPyConnection, country: str | None = None) -> pd.DataFrame:
    """The active gazetteer: pcode, name, level, parent, country (no geometry)."""
    sql = """SELECT a.country, a.level, a.pcode, a.name, a.parent FROM geo_areas a
             JOIN geo_sets s USING (set_id) WHERE s.active"""
    params: list[str] = []
    if country:
        sql += " AND a.country = ?"
        params.append(country.upper())
    return con.execute(sql + " ORDER BY a.level, a.pcode", params).df()


def active_geometries(con: duckdb.DuckDBPyConnection, country: str, level: int) -> gpd.GeoDataFrame:
    df = con.execute("""SELECT a.pcode, a.name, a.parent, a.geometry FROM geo_areas a JOIN geo_sets s USING (set_id)
                        WHERE s.active AND a.country = ? AND a.level = ? ORDER BY a.pcode""",
                     [country.upper(), level]).df()
    return gpd.GeoDataFrame(df.drop(columns="geometry"), geometry=gpd.GeoSeries.from_wkb(df["geometry"].map(bytes)), crs=4326)
