"""Atlantis, a fictional island country in the open South Atlantic, so demos never touch a real place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from atlas.demo.names import place_names
from atlas.errors import RejectedInput

DEMO_COUNTRY = "XAT"
DEMO_COUNTRY_NAME = "Atlantis (fictional)"
DEMO_LANGUAGE = "eng"
CENTRE = (-27.0, -46.0)
RADIUS = (2.4, 1.7)
GEO_SEED = 20260401
N_ADMIN1 = 8
N_ADMIN2 = 60
CRS = "EPSG:4326"
EQUAL_AREA = "+proj=laea +lat_0=-46 +lon_0=-27 +datum=WGS84 +units=m"


def _coastline(rng: np.random.Generator) -> Polygon:
    """A wobbly closed outline: an ellipse perturbed by a few seeded harmonics."""
    theta = np.linspace(0.0, 2 * np.pi, 240, endpoint=False)
    r = np.ones_like(theta)
    for k, amp in ((2, 0.10), (3, 0.08), (5, 0.05), (9, 0.025), (17, 0.012)):
        r += amp * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    x = CENTRE[0] + RADIUS[0] * r * np.cos(theta)
    y = CENTRE[1] + RADIUS[1] * r * np.sin(theta)
    poly = shapely.make_valid(Polygon(np.column_stack([x, y])))
    return _largest(poly)


def _largest(geom: BaseGeometry) -> Polygon:
    if isinstance(geom, Polygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return max(parts, key=lambda g: g.area)


def _points_inside(rng: np.random.Generator, area: BaseGeometry, count: int) -> np.ndarray:
    """Seeded points inside a shape, spread by a few Lloyd relaxation steps."""
    minx, miny, maxx, maxy = area.bounds
    pts: list[tuple[float, float]] = []
    while len(pts) < count:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(count * 4, 2))
        inside = shapely.contains_xy(area, cand[:, 0], cand[:, 1])
        pts.extend(map(tuple, cand[inside]))
    xy = np.array(pts[:count])
    for _ in range(6):
        cells = _cells(xy, area)
        xy = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    return xy


def _cells(xy: np.ndarray, area: BaseGeometry) -> list[BaseGeometry]:
    """Voronoi cells of the points clipped to the area, in the order of the points."""
    vor = shapely.voronoi_polygons(shapely.MultiPoint(xy), extend_to=area.envelope.buffer(1.0), ordered=True)
    return [cell.intersection(area) for cell in vor.geoms]


def _as_multi(geom: BaseGeometry) -> MultiPolygon:
    polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(polys)


def _admin2_counts(total: int, groups: int, rng: np.random.Generator) -> list[int]:
    base = np.full(groups, total // groups)
    base[rng.permutation(groups)[: total - base.sum()]] += 1
    return [int(b) for b in base]


@lru_cache(maxsize=1)
def _build() -> pd.DataFrame:
    rng = np.random.default_rng(GEO_SEED)
    coast = _coastline(rng)
    names = place_names(N_ADMIN1 + N_ADMIN2, GEO_SEED)
    adm1_xy = _points_inside(rng, coast, N_ADMIN1)
    order = np.lexsort((adm1_xy[:, 0], -np.round(adm1_xy[:, 1], 1)))
    adm1_cells = _cells(adm1_xy[order], coast)
    rows: list[dict[str, object]] = []
    counts = _admin2_counts(N_ADMIN2, N_ADMIN1, rng)
    k = N_ADMIN1
    for i, (cell, n2) in enumerate(zip(adm1_cells, counts), start=1):
        p1 = f"{DEMO_COUNTRY}{i:02d}"
        rows.append({"pcode": p1, "name": names[i - 1], "level": 1, "parent": DEMO_COUNTRY, "geometry": cell})
        sub_xy = _points_inside(rng, cell, n2)
        sub_order = np.lexsort((sub_xy[:, 0], -np.round(sub_xy[:, 1], 2)))
        for j, sub in enumerate(_cells(sub_xy[sub_order], cell), start=1):
            rows.append({"pcode": f"{p1}{j:02d}", "name": names[k], "level": 2, "parent": p1, "geometry": sub})
            k += 1
    frame = pd.DataFrame(rows)
    frame["country"] = DEMO_COUNTRY
    frame["geometry"] = [_as_multi(g) for g in frame["geometry"]]
    return frame


def demo_geography() -> gpd.GeoDataFrame:
    """Admin-1 and admin-2 areas of Atlantis: pcode, name, level, parent, country, geometry (WGS84)."""
    frame = _build().copy()
    cols = ["pcode", "name", "level", "parent", "country", "geometry"]
    return gpd.GeoDataFrame(frame[cols], geometry="geometry", crs=CRS)


def demo_areas() -> pd.DataFrame:
    """The demo areas without geometry, in the shape `generate_population` takes, weighted by land area."""
    geo = demo_geography()
    out = pd.DataFrame(geo.drop(columns="geometry"))
    out["weight"] = geo.geometry.to_crs(EQUAL_AREA).area.to_numpy() / 1e6
    return out


def demo_outline() -> Polygon:
    """The coastline of Atlantis (union of its admin-1 areas)."""
    geo = demo_geography()
    return _largest(shapely.union_all(geo.loc[geo["level"] == 1, "geometry"].to_numpy()))


def cod_ab_frame(level: int) -> gpd.GeoDataFrame:
    """The demo areas of one level with COD-AB attribute names (ADM0_PCODE, ADM1_EN, ...)."""
    if level not in (0, 1, 2):
        raise RejectedInput(f"admin level must be 0, 1 or 2, not {level}")
    geo = demo_geography()
    names = dict(zip(geo["pcode"], geo["name"]))
    if level == 0:
        return gpd.GeoDataFrame(
            {"ADM0_PCODE": [DEMO_COUNTRY], "ADM0_EN": [DEMO_COUNTRY_NAME], "geometry": [demo_outline()]}, crs=CRS
        )
    sel = geo[geo["level"] == level].reset_index(drop=True)
    attrs: dict[str, object] = {}
    if level == 2:
        attrs["ADM2_PCODE"] = sel["pcode"]
        attrs["ADM2_EN"] = sel["name"]
    adm1 = sel["pcode"] if level == 1 else sel["parent"]
    attrs["ADM1_PCODE"] = adm1.to_numpy()
    attrs["ADM1_EN"] = adm1.map(names).to_numpy()
    attrs["ADM0_PCODE"] = DEMO_COUNTRY
    attrs["ADM0_EN"] = DEMO_COUNTRY_NAME
    return gpd.GeoDataFrame(attrs, geometry=sel.geometry.to_numpy(), crs=CRS)


def _driver(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "GeoJSON"
    if suffix == ".gpkg":
        return "GPKG"
    raise RejectedInput(f"write geography as .geojson or .gpkg, not {path.suffix!r}", detail={"path": str(path)})


def write_geography(path: Path) -> Path:
    """Write both levels (pcode, name, level, parent, country) as GeoJSON or GeoPackage."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    demo_geography().to_file(path, driver=_driver(path))
    return path


def write_cod_ab_style(path: Path, level: int) -> Path:
    """Write one admin level the way OCHA publishes COD-AB boundaries, for `atlas geo import`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cod_ab_frame(level).to_file(path, driver=_driver(path))
    return path


def demo_point(pcode: str) -> Point:
    """A point guaranteed inside a demo area (for maps and labels)."""
    geo = demo_geography().set_index("pcode")
    if pcode not in geo.index:
        raise RejectedInput(f"{pcode!r} is not a demo area code")
    return geo.loc[pcode, "geometry"].representative_point()
