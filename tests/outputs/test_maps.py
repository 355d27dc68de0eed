"""Choropleth maps of Haiti (real admin 1 and 2 boundaries): structure of the SVG, PNG size, suppression."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from haiti_sample import haiti_table
from PIL import Image

from atlas.outputs.maps import MapOptions, MapRenderer, geometries_at, map_frame, svg_text, write_map
from atlas.outputs.registry import render

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def haiti(_template_workspace: Path):
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    ws = Workspace.open(Settings(home=_template_workspace))
    with ws.connect(read_only=True) as con:
        table = haiti_table(con)
        geoms = {lvl: geometries_at(con, table, lvl) for lvl in (1, 2)}
    return table, geoms


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _group(svg: str, gid: str) -> ET.Element | None:
    root = ET.fromstring(svg)
    return next((g for g in root.iter(f"{SVG}g") if g.get("id") == gid), None)


@pytest.mark.parametrize("level", [1, 2])
def test_map_has_title_legend_classes_notes(haiti, level: int) -> None:
    table, geoms = haiti
    svg = svg_text(table, geoms[level], MapOptions(scheme="quantiles", k=5, source="Test register"))
    texts = _texts(svg)
    assert "Migrants by commune (generated figures)" in texts
    assert "Quantiles, 5 classes" in texts
    assert any(t.startswith("Source: Test register") for t in texts)
    assert any("cells under 10 are not published" in t for t in texts)
    assert sum(bool(re.fullmatch(r"[\d,]+( – [\d,]+)?", t)) for t in texts) == 5


def test_suppressed_areas_hatched_and_named_not_zero(haiti) -> None:
    table, geoms = haiti
    frame = map_frame(table, geoms[2])
    hidden = frame[frame["status"].isin(["p", "s"])]
    assert len(hidden) > 0 and hidden["value"].isna().all()
    svg = svg_text(table, geoms[2])
    assert "suppressed (fewer than 10)" in _texts(svg)
    group = _group(svg, "suppressed-areas-p")
    assert group is not None
    fills = {p.get("style", "") + p.get("fill", "") for p in group.iter(f"{SVG}path")}
    assert fills and all("url(#h" in f for f in fills)
    assert len(ET.fromstring(svg).findall(f".//{SVG}pattern")) >= 1


def test_natural_breaks_and_french_legend(haiti) -> None:
    table, geoms = haiti
    texts = _texts(svg_text(table, geoms[1], MapOptions(scheme="natural_breaks", k=4, lang="fr")))
    assert "Seuils naturels (Fisher-Jenks), 4 classes" in texts


def test_png_written_with_pixels(haiti, tmp_path: Path) -> None:
    table, geoms = haiti
    out = write_map(table, geoms[2], tmp_path / "m.png")
    assert out.stat().st_size > 20_000
    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape[0] > 500 and img.shape[1] > 500
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 10


def test_registered_renderer_with_geometry_source(haiti, tmp_path: Path) -> None:
    from atlas.outputs import registry

    table, geoms = haiti
    assert {"map-svg", "map-png", "pyramid-svg", "narrative-html"} <= set(registry.formats())
    registry.register(MapRenderer("svg", geometry=lambda _t: geoms[1]), replace=True)
    try:
        out = render(table, "map-svg", tmp_path)
        assert out.name == "haiti.map.svg" and out.read_text().startswith("<?xml")
    finally:
        registry.register(MapRenderer("svg"), replace=True)


def test_real_iom_dtm_figures_of_haiti(_template_workspace: Path, shared_data: Path, tmp_path: Path) -> None:
    """IOM DTM internally displaced persons by département (latest round), mapped and told in French."""
    import json

    import pandas as pd

    from atlas.outputs.narrative import narrative
    from atlas.protection.policy import DisclosurePolicy
    from atlas.protection.protect import protect
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace
    from atlas.tables.compute import gazetteer
    from atlas.tables.hierarchy import area_dimension, flat_dimension
    from atlas.tables.margins import compute_margins

    rows = json.loads((shared_data / "migration" / "iom_dtm" / "api_displacement-admin1-admin0pcode-hti.json")
                      .read_text(encoding="utf-8"))["result"]
    dtm = pd.DataFrame(rows)
    dtm = dtm[dtm["reportingDate"] == dtm["reportingDate"].max()]
    fin = dtm.melt(id_vars="admin1Pcode", value_vars=["numberFemales", "numberMales"], var_name="sex", value_name="n")
    fin = fin.assign(area=fin["admin1Pcode"], sex=fin["sex"].map({"numberFemales": "female", "numberMales": "male"}))
    fin = fin.groupby(["area", "sex"], as_index=False)["n"].sum()
    with Workspace.open(Settings(home=_template_workspace)).connect(read_only=True) as con:
        cube = compute_margins(fin, [area_dimension(gazetteer(con), "adm1"), flat_dimension("sex", ["female", "male"])])
        table = protect(cube, DisclosurePolicy(min_count=10, group=None, secondary="fast"), names="hti_idps",
                        title="Internally displaced persons by département (IOM DTM)")
        geoms = geometries_at(con, table, 1)
    svg = svg_text(table, geoms, MapOptions(source="IOM DTM", lang="fr"))
    texts = _texts(svg)
    assert "Internally displaced persons by département (IOM DTM)" in texts and "Quantiles, 5 classes" in texts
    text = narrative(table, "fr").text
    assert text.startswith("Pour Haïti, environ ") and "Les femmes en représentent" in text
    assert write_map(table, geoms, tmp_path / "dtm.png").stat().st_size > 20_000
