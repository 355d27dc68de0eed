"""GeoJSON by area: one feature per area with its boundary, flat properties, suppressed cells null."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from atlas.outputs.geojson import GeoJsonRenderer
from atlas.protection.protected import ProtectedTable


def _squares(codes: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"pcode": codes, "name": [f"Area {c}" for c in codes]},
                            geometry=[box(i, 0, i + 1, 1) for i in range(len(codes))], crs=4326)


def test_features_carry_cells_and_flags(table: ProtectedTable, tmp_path: Path) -> None:
    out = GeoJsonRenderer(lambda _t: _squares(["a1", "a2", "b1"])).render(table, tmp_path / "demo.geojson")
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 3
    props = {f["properties"]["pcode"]: f["properties"] for f in doc["features"]}
    cells = table.cells.set_index(["area", "sex"])
    for code, p in props.items():
        assert p["flag"] == cells.loc[(code, "_T"), "flag"]
        for sex in ("female", "male"):
            flag = cells.loc[(code, sex), "flag"]
            assert p[f"flag_{sex}"] == flag
            if flag in ("p", "s"):
                assert p[f"value_{sex}"] is None
    assert all(f["geometry"]["type"] == "Polygon" for f in doc["features"])
    assert gpd.read_file(out).shape[0] == 3
