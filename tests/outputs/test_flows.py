"""Route flows: published two-way margins only, suppressed flows left out and counted; flow map and Sankey."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from routes_sample import route_table

from atlas.errors import RejectedInput
from atlas.outputs.flows import FlowOptions, route_legs, segments, write_flow_map
from atlas.outputs.sankey import layout, write_sankey
from atlas.outputs.worldmap import country_points
from atlas.protection.cube import TOTAL


@pytest.fixture(scope="module")
def routes():
    return route_table()


@pytest.fixture(scope="module")
def od():
    """Origin x destination only: its small cells are suppressed flows."""
    return route_table(seed=11)


def test_legs_follow_travel_order(routes) -> None:
    assert route_legs(routes) == ["origin_country", "transit_country", "destination_country"]
    with pytest.raises(RejectedInput):
        route_legs(routes, ["origin_country"])


def test_segments_are_published_margins(routes) -> None:
    seg = segments(routes, route_legs(routes))
    cells = routes.cells.set_index(routes.dim_names)
    for row in seg.flows.itertuples(index=False):
        key = (row.src, row.dst, TOTAL) if row.leg == 0 else (TOTAL, row.src, row.dst)
        assert cells.loc[key, "flag"] == "" and float(cells.loc[key, "value"]) == row.value > 0


def test_suppressed_flows_counted_never_drawn(od, tmp_path: Path) -> None:
    legs = ["origin_country", "destination_country"]
    seg = segments(od, legs, {"transit_country": "PAN"})
    cells = od.cells
    fixed = cells[(cells["transit_country"] == "PAN") & (cells["origin_country"] != TOTAL)
                  & (cells["destination_country"] != TOTAL)]
    assert seg.suppressed == int(fixed["flag"].isin(["p", "s"]).sum()) > 0
    assert len(seg.flows) + seg.suppressed <= len(fixed)
    svg = write_flow_map(od, country_points(), tmp_path / "f.svg",
                         FlowOptions(legs=tuple(legs), fixed={"transit_country": "PAN"})).read_text(encoding="utf-8")
    assert len(re.findall(r'<g id="flow-\d+"', svg)) == len(seg.flows)
    assert f"{seg.suppressed} flows not shown: suppressed (fewer than 10)" in svg
    assert "Line width: Migrants" in svg and "Origin → Destination" in svg


def test_flow_map_png_and_arabic(routes, tmp_path: Path) -> None:
    png = write_flow_map(routes, country_points(), tmp_path / "f.png", FlowOptions(source="Test"))
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 40_000
    svg = write_flow_map(routes, country_points(), tmp_path / "f.svg", FlowOptions(lang="ar")).read_text(encoding="utf-8")
    assert "<!-- المنشأ ← العبور -->" in svg


def test_sankey_layout_and_figure(routes, tmp_path: Path) -> None:
    seg = segments(routes, route_legs(routes))
    nodes, bands, scale = layout(seg.flows, 3, top=10)
    assert len(bands) == len(seg.flows) and scale > 0
    for c in range(3):
        col = sorted((n for n in nodes.values() if n.col == c), key=lambda n: n.y)
        assert all(a.y + a.h <= b.y + 1e-9 for a, b in itertools.pairwise(col))  # no overlap
        assert max(n.y + n.h for n in col) <= 1 + 1e-9
    svg = write_sankey(routes, tmp_path / "s.svg", FlowOptions(source="Test")).read_text(encoding="utf-8")
    assert len(re.findall(r'<g id="band-\d+"', svg)) == len(bands)
    assert "Venezuela (" in svg and "Destination" in svg and "Source: Test" in svg
