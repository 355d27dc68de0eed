"""Read any boundary file (COD-AB style or Atlas' own) into the areas table the generator takes."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd

from atlas.errors import Issue, RejectedInput

NAME_SUFFIXES = ("EN", "FR", "ES", "PT", "REF")
EQUAL_AREA = "EPSG:6933"


def _cod_level(columns: list[str]) -> int | None:
    levels = [int(m.group(1)) for c in columns if (m := re.fullmatch(r"ADM(\d)_PCODE", c, flags=re.IGNORECASE))]
    return max(levels) if levels else None


def _col(frame: pd.DataFrame, name: str) -> str | None:
    for c in frame.columns:
        if c.upper() == name:
            return str(c)
    return None


def areas_from_frame(geo: gpd.GeoDataFrame, country: str | None = None) -> pd.DataFrame:
    """pcode, parent, level, name, weight (km² of land) from a COD-AB or Atlas-shaped boundary table."""
    if {"pcode", "parent", "level"} <= set(geo.columns):
        out = pd.DataFrame({c: geo[c] for c in ("pcode", "parent", "level", "name") if c in geo.columns})
    else:
        level = _cod_level([str(c) for c in geo.columns])
        if level is None or level == 0:
            raise RejectedInput(
                "no ADMn_PCODE column (n >= 1) and no pcode/parent/level columns",
                issues=[Issue("unknown-boundary-layout", "cannot find area codes", hint="COD-AB or Atlas layout")],
            )
        names = [c for s in NAME_SUFFIXES if (c := _col(geo, f"ADM{level}_{s}"))]
        parent = _col(geo, f"ADM{level - 1}_PCODE")
        code = _col(geo, f"ADM{level}_PCODE")
        assert code is not None
        out = pd.DataFrame({
            "pcode": geo[code].astype(str),
            "parent": geo[parent].astype(str) if parent else (country or ""),
            "level": level,
            "name": geo[names[0]].astype(str) if names else geo[code].astype(str),
        })
    if geo.geometry is not None and geo.crs is not None and not geo.geometry.is_empty.all():
        out["weight"] = geo.geometry.to_crs(EQUAL_AREA).area.to_numpy() / 1e6
    return out.reset_index(drop=True)


def areas_from_file(path: Path, country: str | None = None) -> pd.DataFrame:
    """Areas table from a GeoJSON, GeoPackage or shapefile of boundaries."""
    path = Path(path)
    if not path.exists():
        raise RejectedInput(f"boundary file not found: {path}", detail={"path": str(path)})
    return areas_from_frame(gpd.read_file(path), country)
