"""Which admin areas a profile covers: an admin code, or a drawn polygon resolved to the stored boundaries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
from shapely import make_valid, unary_union
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from atlas.errors import Issue, NotFound, RejectedInput
from atlas.tables.spec import FilterClause

EQUAL_AREA = "+proj=cea"
MIN_SHARE = 0.5


@dataclass(frozen=True)
class AreaSelection:
    """The areas of one profile, at one admin level, and how they were chosen."""

    asked: str
    level: str  # adm0 | adm1 | adm2
    codes: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)
    how: str = "code"  # code | polygon
    share_inside: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        shown = [self.names.get(c, c) for c in self.codes]
        return shown[0] if len(shown) == 1 else f"{len(shown)} areas ({', '.join(shown[:4])}{'…' if len(shown) > 4 else ''})"

    def filter(self) -> list[FilterClause]:
        """The population filter of every table of the profile (records known at this level or finer)."""
        if len(self.codes) == 1:
            return [FilterClause(field=self.level, op="eq", value=self.codes[0])]
        return [FilterClause(field=self.level, op="in", value=list(self.codes))]


def resolve_code(con: duckdb.DuckDBPyConnection, code: str) -> AreaSelection:
    """An admin code (P-code) or a country (ISO3) of the active boundaries."""
    wanted = code.strip().upper().replace("-", "")
    row = con.execute("""SELECT a.level, a.pcode, a.name FROM geo_areas a JOIN geo_sets s USING (set_id)
                         WHERE s.active AND a.pcode = ? LIMIT 1""", [wanted]).fetchone()
    if row:
        return AreaSelection(code, f"adm{int(row[0])}", (row[1],), {row[1]: str(row[2])})
    country = con.execute("""SELECT DISTINCT a.country FROM geo_areas a JOIN geo_sets s USING (set_id)
                             WHERE s.active AND a.country = ?""", [wanted]).fetchone()
    if country:
        return AreaSelection(code, "adm0", (wanted,), {wanted: wanted})
    raise NotFound(f"no active admin area has the code {code!r}",
                   issues=[Issue("unknown-area", "not a P-code or country of the imported boundaries", value=code,
                                 hint="list the areas with `atlas geo list`, or pass --polygon FILE")])


def read_polygon(path: Path | dict[str, Any]) -> BaseGeometry:
    """The union of the polygons of a GeoJSON geometry, Feature or FeatureCollection (WGS84 lon/lat),
    given as a file or as the parsed document (an API body)."""
    if isinstance(path, dict):
        doc: Any = path
        path = Path("<request body>")
    else:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RejectedInput(f"{path} is not a readable GeoJSON file",
                                issues=[Issue("polygon-unreadable", str(exc)[:200], file=str(path))]) from None
    if not isinstance(doc, dict):
        raise RejectedInput(f"{path} is not a GeoJSON object", issues=[Issue("polygon-shape", "not an object")])
    try:
        features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
        geoms = [(f.get("geometry") if f.get("type") == "Feature" else f) for f in features]  # type: ignore[union-attr]
        shapes = [shape(g) for g in geoms if g]
    except Exception as exc:  # noqa: BLE001 - any malformed GeoJSON is the caller's input, never a server error
        raise RejectedInput(f"{path} holds an invalid geometry",
                            issues=[Issue("polygon-invalid", str(exc)[:200] or type(exc).__name__,
                                          file=str(path))]) from None
    polys = [s for s in shapes if s.geom_type in ("Polygon", "MultiPolygon")]
    if not polys or len(polys) != len(shapes):
        raise RejectedInput(f"{path} must hold polygons only",
                            issues=[Issue("polygon-type", "points and lines do not enclose an area", file=str(path),
                                          value=", ".join(sorted({s.geom_type for s in shapes})) or "none")])
    try:
        return unary_union([make_valid(p) for p in polys])
    except (GEOSException, ValueError) as exc:
        raise RejectedInput(f"{path} holds polygons that cannot be combined",
                            issues=[Issue("polygon-invalid", str(exc)[:200], file=str(path))]) from None


def resolve_polygon(con: duckdb.DuckDBPyConnection, path: Path | dict[str, Any], *,
                    min_share: float = MIN_SHARE) -> AreaSelection:
    """Finest-level areas with at least `min_share` of their land inside the polygon (else the largest overlap)."""
    polygon = read_polygon(path)
    level = con.execute("SELECT max(level) FROM geo_sets WHERE active").fetchone()
    if not level or level[0] is None:
        raise NotFound("no boundaries imported", issues=[Issue("no-boundaries", "import them with `atlas geo import`")])
    df = con.execute("""SELECT a.pcode, a.name, a.geometry FROM geo_areas a JOIN geo_sets s USING (set_id)
                        WHERE s.active AND a.level = ? ORDER BY a.pcode""", [int(level[0])]).df()
    areas = gpd.GeoDataFrame(df.drop(columns="geometry"), crs=4326,
                             geometry=gpd.GeoSeries.from_wkb(df["geometry"].map(bytes)))
    areas = areas[areas.intersects(polygon)]
    if areas.empty:
        raise NotFound(f"the polygon in {path} covers no imported area",
                       issues=[Issue("polygon-outside", "no area intersects it", file=str(path),
                                     hint="coordinates must be WGS84 longitude, latitude")])
    metric = areas.to_crs(EQUAL_AREA)
    inside = gpd.GeoSeries([polygon], crs=4326).to_crs(EQUAL_AREA).iloc[0]
    share = (metric.intersection(inside).area / metric.area).round(3)
    picked = share[share >= min_share] if (share >= min_share).any() else share[share == share.max()]
    codes = tuple(areas.loc[picked.index, "pcode"])
    if not codes:
        raise NotFound(f"the polygon in {path} covers no imported area with measurable land",
                       issues=[Issue("polygon-outside", "no overlap with a positive area", file=str(path))])
    names = dict(zip(areas["pcode"], areas["name"].astype(str), strict=True))
    asked = "polygon" if isinstance(path, dict) else str(path)
    return AreaSelection(asked, f"adm{int(level[0])}", codes, {c: names[c] for c in codes}, "polygon",
                         {c: float(share[i]) for i, c in zip(picked.index, codes, strict=True)})
