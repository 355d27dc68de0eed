"""GeoJSON of a table by area: one feature per area, its boundary, and one property per cell of that area.

Properties are flat so any GIS reads them: `value` / `flag` for the area's total, `value_<code>_<code>` and
`flag_<...>` for the other dimensions' codes. Suppressed cells are null with their flag, never 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atlas.errors import Issue, RejectedInput
from atlas.outputs.jsonfile import jsonable
from atlas.protection.cube import TOTAL
from atlas.protection.protected import ProtectedTable

if TYPE_CHECKING:
    import geopandas as gpd

GeometrySource = Callable[[ProtectedTable], "gpd.GeoDataFrame"]


def _key(codes: tuple[str, ...]) -> str:
    parts = [c for c in codes if c != TOTAL]
    return "_".join(parts) if parts else ""


def features(table: ProtectedTable, geoms: gpd.GeoDataFrame) -> dict[str, Any]:
    """The FeatureCollection: areas of `geoms` (columns pcode, name, geometry) with the table's cells."""
    from atlas.outputs.maps import area_dimension_name

    dim = area_dimension_name(table, set(geoms["pcode"]))
    others = [d for d in table.dim_names if d != dim]
    cells = table.cells
    props: dict[str, dict[str, Any]] = {}
    for rec in cells.to_dict(orient="records"):
        key = _key(tuple(str(rec[o]) for o in others))
        p = props.setdefault(str(rec[dim]), {})
        p["value" + (f"_{key}" if key else "")] = jsonable(rec["value"])
        p["flag" + (f"_{key}" if key else "")] = rec["flag"]
    wanted = geoms[geoms["pcode"].isin(props)]
    if wanted.empty:
        raise RejectedInput("no boundaries match the areas of this table",
                            issues=[Issue("no-geometries", "import boundaries with `atlas geo import`", column=dim)])
    shapes = json.loads(wanted.to_json(drop_id=True))
    for f in shapes["features"]:
        code = f["properties"]["pcode"]
        f["properties"] = {"pcode": code, "name": f["properties"].get("name"), **props[code]}
    shapes["name"] = table.name
    shapes["title"] = table.title
    shapes["notes"] = list(table.notes)
    return shapes


class GeoJsonRenderer:
    """Registered as `geojson`; geometries come from the given source, else from the active workspace."""

    name = "geojson"
    suffix = ".geojson"
    media_type = "application/geo+json"

    def __init__(self, geometry: GeometrySource | None = None) -> None:
        self._geometry = geometry

    def render(self, table: ProtectedTable, out: Path) -> Path:
        if self._geometry is None:
            from atlas.outputs.maps import _workspace_geometries

            geoms = _workspace_geometries(table)
        else:
            geoms = self._geometry(table)
        out.write_text(json.dumps(features(table, geoms), ensure_ascii=False), encoding="utf-8")
        return out
