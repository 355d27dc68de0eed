"""Drawn polygons: GeoJSON geometry, Feature or FeatureCollection, polygons only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas.communities.area import AreaSelection, read_polygon
from atlas.errors import RejectedInput

SQUARE = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
OTHER = [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]]


@pytest.mark.parametrize("doc", [
    {"type": "Polygon", "coordinates": SQUARE},
    {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": SQUARE}},
    {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": SQUARE}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [OTHER]}}]},
])
def test_polygons_are_read_and_united(tmp_path: Path, doc: dict) -> None:
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(doc))
    shape = read_polygon(path)
    assert shape.area in (1.0, 2.0) and shape.is_valid


@pytest.mark.parametrize("text", ["not json", json.dumps({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
                                  json.dumps({"type": "FeatureCollection", "features": []})])
def test_what_is_not_a_polygon_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.geojson"
    path.write_text(text)
    with pytest.raises(RejectedInput):
        read_polygon(path)


def test_a_selection_becomes_one_filter_clause() -> None:
    one = AreaSelection("XAT01", "adm1", ("XAT01",), {"XAT01": "Tuvdunwick"})
    many = AreaSelection("f.geojson", "adm2", ("XAT0101", "XAT0102"), how="polygon")
    assert [(c.field, c.op, c.value) for c in one.filter()] == [("adm1", "eq", "XAT01")]
    assert [(c.field, c.op, c.value) for c in many.filter()] == [("adm2", "in", ["XAT0101", "XAT0102"])]
    assert one.label == "Tuvdunwick" and many.label.startswith("2 areas")
