"""Boundary import: COD-AB shapefiles and GeoJSON, versions, parents, and clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas.errors import RejectedInput
from atlas.geo.boundaries import active_areas, active_geometries, import_boundaries
from atlas.settings import Settings
from atlas.store.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    settings = Settings(home=tmp_path / "ws")
    Workspace.init(settings)
    return Workspace.open(settings)


def test_haiti_cod_ab_levels_with_parents(ws: Workspace, shared_data: Path) -> None:
    shp = shared_data / "geo" / "admin1" / "hti_cod_ab_shp"
    with ws.connect() as con:
        one = import_boundaries(con, shp / "hti_admbnda_adm1_cnigs_20181129.shp", country="HTI", level=1)
        two = import_boundaries(con, shp / "hti_admbnda_adm2_cnigs_20181129.shp", country="hti", level=2)
        areas = active_areas(con, "HTI")
        geoms = active_geometries(con, "HTI", 2)
    assert (one.features, two.features, one.version) == (10, 140, "2018-11-29")
    level1 = set(areas[areas.level == 1].pcode)
    assert len(level1) == 10 and set(areas[areas.level == 1].parent) == {"HTI"}
    assert set(areas[areas.level == 2].parent) <= level1
    assert areas.set_index("pcode").loc["HT01", "name"] == "West"
    assert len(geoms) == 140 and geoms.crs.to_epsg() == 4326 and geoms.geometry.is_valid.all()


def test_every_haiti_adm2_pcode_is_in_the_ocha_gazetteer(ws: Workspace, shared_data: Path) -> None:
    import pandas as pd

    with ws.connect() as con:
        import_boundaries(con, shared_data / "geo" / "admin1" / "hti_adm2_pcodes_simplified.geojson",
                          country="HTI", level=2)
        ours = set(active_areas(con, "HTI").pcode)
    ocha = pd.read_csv(shared_data / "geo" / "global_pcodes_adm1_adm2.csv", dtype=str)
    assert ours <= set(ocha["P-Code"])


def test_new_version_replaces_the_active_set(ws: Workspace, shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "geo" / "admin1" / "hti_adm1_pcodes_simplified.geojson"
    doc = json.loads(src.read_text())
    doc["features"] = doc["features"][:9]
    smaller = tmp_path / "hti9.geojson"
    smaller.write_text(json.dumps(doc))
    with ws.connect() as con:
        a = import_boundaries(con, src, country="HTI", level=1, version="2018")
        b = import_boundaries(con, smaller, country="HTI", level=1, version="2026")
        assert len(active_areas(con, "HTI")) == 9
        sets = con.execute("SELECT set_id, version, active FROM geo_sets ORDER BY set_id").fetchall()
    assert sets == [(a.set_id, "2018", False), (b.set_id, "2026", True)]


def test_duplicate_pcodes_refuse_the_whole_file(ws: Workspace, shared_data: Path, tmp_path: Path) -> None:
    doc = json.loads((shared_data / "geo" / "admin1" / "hti_adm1_pcodes_simplified.geojson").read_text())
    doc["features"][1]["properties"]["ADM1_PCODE"] = doc["features"][0]["properties"]["ADM1_PCODE"]
    bad = tmp_path / "dup.geojson"
    bad.write_text(json.dumps(doc))
    with ws.connect() as con:
        with pytest.raises(RejectedInput) as err:
            import_boundaries(con, bad, country="HTI", level=1)
        assert con.execute("SELECT count(*) FROM geo_areas").fetchone() == (0,)
    assert {i.code for i in err.value.issues} == {"duplicate-pcode"} and len(err.value.issues) == 2


def test_unrecognised_columns_and_unreadable_files(ws: Workspace, tmp_path: Path) -> None:
    gj = tmp_path / "x.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"foo": "a"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}))
    junk = tmp_path / "junk.geojson"
    junk.write_bytes(b"\x00\x01 not geojson")
    with ws.connect() as con:
        with pytest.raises(RejectedInput, match="pcode-field"):
            import_boundaries(con, gj, country="XXX", level=1)
        with pytest.raises(RejectedInput, match="not a readable boundary file"):
            import_boundaries(con, junk, country="XXX", level=1)
        r = import_boundaries(con, gj, country="XXX", level=1, pcode_field="foo")
    assert r.features == 1
