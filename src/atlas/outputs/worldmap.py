"""Country outlines for world maps and route maps, offline, from Natural Earth as shipped inside a dependency's wheel.

pyogrio (a pinned dependency of GeoPandas I/O) ships Natural Earth 1:110m admin-0 countries in its wheel;
nothing is downloaded. Countries are keyed by ISO 3166-1 alpha-3, the code Atlas stores for countries.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from matplotlib.figure import Figure

from atlas.errors import Issue, NotFound
from atlas.outputs.maps import MapOptions, choropleth
from atlas.protection.protected import ProtectedTable

EQUAL_EARTH = "EPSG:8857"
# Natural Earth leaves these without an ISO code (-99); UN statistics count Somaliland in Somalia and northern
# Cyprus in Cyprus, and code Kosovo as XKX.
_NO_ISO = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX", "Somaliland": "SOM", "N. Cyprus": "CYP"}


def natural_earth_path() -> Path:
    """Where the Natural Earth 1:110m countries shipped with pyogrio are on this machine."""
    import pyogrio

    path = Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"
    if not path.exists():
        raise NotFound("Natural Earth countries are not installed",
                       issues=[Issue("world-outlines", str(path), hint="install the pinned pyogrio wheel")])
    return path


@cache
def _outlines() -> gpd.GeoDataFrame:
    raw = gpd.read_file(natural_earth_path())
    code = raw["iso_a3"].where(raw["iso_a3"] != "-99", raw["name"].map(_NO_ISO))
    out = gpd.GeoDataFrame({"pcode": code, "name": raw["name"], "continent": raw["continent"]},
                           geometry=raw.geometry, crs=raw.crs or "EPSG:4326")
    return out[out["pcode"].notna() & (out["pcode"] != "ATA")].reset_index(drop=True)


def world_outlines() -> gpd.GeoDataFrame:
    """Countries (pcode = ISO3, name, continent, geometry in WGS84), Antarctica left out."""
    return _outlines().copy()


def country_points(codes: list[str] | None = None) -> pd.DataFrame:
    """A point inside the largest part of each country (code, lon, lat), where route lines start and end."""
    parts = _outlines().explode(index_parts=False)
    parts = parts.assign(area=shapely.area(parts.geometry.to_numpy())).sort_values("area", ascending=False)
    big = parts.drop_duplicates("pcode")
    pts = big.geometry.representative_point()
    out = pd.DataFrame({"code": big["pcode"].to_numpy(), "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()})
    return out if codes is None else out[out["code"].isin(codes)].reset_index(drop=True)


def world_map(table: ProtectedTable, options: MapOptions | None = None) -> Figure:
    """Choropleth of a table by country on an Equal Earth projection."""
    o = options or MapOptions(scheme="natural_breaks", size=(11, 5.6))
    return choropleth(table, world_outlines().to_crs(EQUAL_EARTH), o)


def write_world_map(table: ProtectedTable, out: Path, options: MapOptions | None = None) -> Path:
    """Save the world map as SVG or PNG (by suffix)."""
    import matplotlib.pyplot as plt

    from atlas.outputs.shaping import rc_for

    o = options or MapOptions(scheme="natural_breaks", size=(11, 5.6))
    fig = world_map(table, o)
    fmt = out.suffix.lstrip(".").lower() or "svg"
    with plt.rc_context(rc_for(o.lang)):
        fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else {}, bbox_inches="tight",
                    dpi=150 if fmt == "png" else 100)
    plt.close(fig)
    return out
