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


def test_real_dtm_displacement_routes_of_haiti(_template_workspace: Path, shared_data: Path, tmp_path: Path) -> None:
    """IOM DTM round 10 (June 2025): internally displaced people by département of origin and of displacement."""
    import pandas as pd

    from atlas.outputs.flows import area_points
    from atlas.outputs.maps import geometries_at
    from atlas.protection.policy import DisclosurePolicy
    from atlas.protection.protect import protect
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace
    from atlas.tables.hierarchy import flat_dimension
    from atlas.tables.margins import compute_margins

    raw = pd.read_csv(shared_data / "migration/iom_dtm/global-iom-dtm-from-api-admin-0-to-2.hxl.csv", skiprows=[1],
                      low_memory=False)
    hti = raw[(raw["admin0Pcode"] == "HTI") & (raw["operation"] == "Countrywide monitoring") & (raw["adminLevel"] == 1)]
    last = hti[(hti["roundNumber"] == hti["roundNumber"].max()) & hti["idpOriginAdmin1Pcode"].str.fullmatch(r"HT\d\d")]
    fin = last.groupby(["idpOriginAdmin1Pcode", "admin1Pcode"], as_index=False)["numPresentIdpInd"].sum()
    fin.columns = ["origin_area", "area", "n"]
    names = dict(zip(hti["admin1Pcode"], hti["admin1Name"], strict=False))
    codes = sorted(names)
    dims = [flat_dimension("origin_area", codes, names), flat_dimension("area", codes, names)]
    table = protect(compute_margins(fin, dims), DisclosurePolicy(min_count=10, group=None, secondary="fast"),
                    names="dtm_routes", title="Personnes déplacées : département d'origine et d'accueil (DTM, juin 2025)")
    with Workspace.open(Settings(home=_template_workspace)).connect(read_only=True) as con:
        geoms = geometries_at(con, table, 1)
    places = area_points(geoms)
    legs = ("origin_area", "area")
    opts = FlowOptions(lang="fr", legs=legs, source="OIM DTM, round 10", what="personnes déplacées")
    seg = segments(table, legs)
    moved = seg.flows[seg.flows["src"] != seg.flows["dst"]]
    assert len(moved) >= 10 and moved["value"].max() > 100_000  # Ouest -> Artibonite, Centre, Sud...
    svg = write_flow_map(table, places, tmp_path / "dtm.svg", opts, basemap=geoms).read_text(encoding="utf-8")
    assert len(re.findall(r'<g id="flow-\d+"', svg)) == len(moved)
    assert "Ouest" in svg and "Source : OIM DTM, round 10" in svg and "Origine → Destination" in svg
    write_flow_map(table, places, tmp_path / "dtm.png", opts, basemap=geoms)
    assert (tmp_path / "dtm.png").stat().st_size > 30_000 and "Épaisseur du trait : personnes déplacées" in svg
    sankey_svg = write_sankey(table, tmp_path / "dtm_sankey.svg", opts).read_text(encoding="utf-8")
    assert "Origine" in sankey_svg and len(re.findall(r'<g id="band-\d+"', sankey_svg)) == len(seg.flows)
