"""World map of the UN DESA 2020 migrant stock, on country outlines shipped inside a dependency's wheel."""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
import pytest
from undesa_sample import undesa_stock, undesa_table

from atlas.outputs.maps import MapOptions
from atlas.outputs.worldmap import country_points, world_outlines, write_world_map


def test_outlines_are_offline_iso3_countries() -> None:
    w = world_outlines()
    iso3 = {c.alpha_3 for c in pycountry.countries} | {"XKX"}
    assert len(w) >= 170 and set(w["pcode"]) <= iso3
    assert {"FRA", "NOR", "HTI", "USA"} <= set(w["pcode"]) and "ATA" not in set(w["pcode"])
    pts = country_points(["FRA", "HTI"]).set_index("code")
    assert 0 < pts.loc["FRA", "lon"] < 8 and 42 < pts.loc["FRA", "lat"] < 51  # mainland, not French Guiana
    assert -75 < pts.loc["HTI", "lon"] < -71


@pytest.fixture(scope="module")
def desa(shared_data: Path):
    return undesa_table(shared_data)


def test_workbook_read_in_place(shared_data: Path) -> None:
    df = undesa_stock(shared_data)
    assert len(df) > 200 and df.set_index("iso3").loc["USA", "stock"] == 50_632_836
    assert 270_000_000 < df["stock"].sum() < 281_000_000


def test_world_map_svg_structure(desa, tmp_path: Path) -> None:
    out = write_world_map(desa, tmp_path / "world.svg",
                          MapOptions(scheme="natural_breaks", k=6, size=(11, 5.6), source="UN DESA 2020"))
    svg = out.read_text(encoding="utf-8")
    legend = svg[svg.index('id="map-legend"'):]
    assert "Natural breaks (Fisher-Jenks), 6 classes" in legend and "50,632,836" in legend
    assert 'id="value-areas"' in svg and 'id="suppressed-areas-p"' not in svg
    assert "Source: UN DESA 2020" in svg


def test_world_map_arabic_png(desa, tmp_path: Path) -> None:
    out = write_world_map(desa, tmp_path / "world.png", MapOptions(lang="ar", scheme="quantiles", size=(11, 5.6)))
    assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 60_000
    svg = write_world_map(desa, tmp_path / "world.svg", MapOptions(lang="ar")).read_text(encoding="utf-8")
    drawn = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)  # Matplotlib keeps each string as a comment
    assert "المئينات" in svg and not re.search(r"[\u0600-\u06ff]", drawn)  # outlines, shaped here
