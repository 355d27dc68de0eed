"""Atlantis: valid, nested, invented and far from every real country."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from atlas.demo.areas import areas_from_file
from atlas.demo.country import (
    DEMO_COUNTRY,
    cod_ab_frame,
    demo_areas,
    demo_geography,
    demo_outline,
    write_cod_ab_style,
    write_geography,
)
from atlas.errors import RejectedInput


@pytest.fixture(scope="module")
def geo() -> gpd.GeoDataFrame:
    return demo_geography()


def test_shape_and_codes(geo: gpd.GeoDataFrame) -> None:
    assert list(geo.columns) == ["pcode", "name", "level", "parent", "country", "geometry"]
    assert (geo["level"] == 1).sum() == 8 and (geo["level"] == 2).sum() == 60
    adm1 = geo[geo["level"] == 1]
    adm2 = geo[geo["level"] == 2]
    assert adm1["pcode"].str.fullmatch(r"XAT\d{2}").all() and (adm1["parent"] == DEMO_COUNTRY).all()
    assert adm2["pcode"].str.fullmatch(r"XAT\d{4}").all()
    assert (adm2["pcode"].str[:5] == adm2["parent"]).all()
    assert set(adm2["parent"]) == set(adm1["pcode"])
    assert geo["pcode"].is_unique and geo["name"].is_unique
    assert geo.crs.to_epsg() == 4326


def test_geometry_valid_and_nested(geo: gpd.GeoDataFrame) -> None:
    assert geo.geometry.is_valid.all() and not geo.geometry.is_empty.any()
    for row in geo[geo["level"] == 1].itertuples():
        children = geo.loc[geo["parent"] == row.pcode, "geometry"].to_numpy()
        union = shapely.union_all(children)
        assert row.geometry.symmetric_difference(union).area < 1e-9 * row.geometry.area
    adm2 = geo[geo["level"] == 2].geometry.to_numpy()
    overlap = sum(a.intersection(b).area for i, a in enumerate(adm2) for b in adm2[i + 1:])
    assert overlap < 1e-9


def test_deterministic() -> None:
    a, b = demo_geography(), demo_geography()
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert all(x.equals_exact(y, 0) for x, y in zip(a.geometry, b.geometry))


def test_in_the_open_ocean(shared_data: Path) -> None:
    world = gpd.read_file(shared_data / "geo" / "world_atlas" / "countries-50m.json", layer="countries")
    outline = demo_outline()
    assert not world.geometry.intersects(outline.buffer(2.0)).any()


def test_names_are_not_real_places(geo: gpd.GeoDataFrame, shared_data: Path) -> None:
    gazetteer = pd.read_csv(shared_data / "geo" / "global_pcodes_adm1_adm2.csv", dtype=str)
    real = set(gazetteer["Name"].str.casefold())
    assert not real & set(geo["name"].str.casefold())


@pytest.mark.parametrize("level", [0, 1, 2])
def test_cod_ab_columns(level: int) -> None:
    frame = cod_ab_frame(level)
    expected = {0: ["ADM0_PCODE", "ADM0_EN"], 1: ["ADM1_PCODE", "ADM1_EN", "ADM0_PCODE", "ADM0_EN"],
                2: ["ADM2_PCODE", "ADM2_EN", "ADM1_PCODE", "ADM1_EN", "ADM0_PCODE", "ADM0_EN"]}[level]
    assert [c for c in frame.columns if c != "geometry"] == expected
    assert len(frame) == {0: 1, 1: 8, 2: 60}[level]


def test_cod_ab_rejects_bad_level() -> None:
    with pytest.raises(RejectedInput):
        cod_ab_frame(3)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_write_and_read_back(tmp_path: Path, suffix: str) -> None:
    path = write_cod_ab_style(tmp_path / f"xat_adm2{suffix}", 2)
    areas = areas_from_file(path)
    assert len(areas) == 60 and areas["pcode"].str.fullmatch(r"XAT\d{4}").all()
    assert (areas["parent"] == areas["pcode"].str[:5]).all() and (areas["weight"] > 0).all()
    both = areas_from_file(write_geography(tmp_path / f"xat{suffix}"))
    assert set(both["level"]) == {1, 2}


def test_geojson_is_plain_wgs84(tmp_path: Path) -> None:
    data = json.loads(write_cod_ab_style(tmp_path / "a.geojson", 1).read_text())
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0][0]
    assert -31 < lon < -23 and -49 < lat < -43


def test_write_rejects_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput):
        write_geography(tmp_path / "x.kml")


def test_demo_areas_weights() -> None:
    areas = demo_areas()
    assert {"pcode", "parent", "level", "weight", "name"} <= set(areas.columns)
    assert (areas["weight"] > 100).all()
    assert re.fullmatch(r"XAT", DEMO_COUNTRY)
