"""Community profiles, attacked: every number is a published cell, and nothing suppressed can be worked out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from atlantis_store import shared_atlantis
from scipy.optimize import linprog

from atlas.communities.profile import ProfileResult, build_profile
from atlas.communities.render import profile_md
from atlas.errors import NotFound, RejectedInput
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.tables.spec import ProtectionSpec

DISTRICT = "XAT0101"
HIDDEN = (PRIMARY, SECONDARY)


@pytest.fixture(scope="module")
def ws():
    return shared_atlantis()


@pytest.fixture(scope="module")
def profile(ws) -> ProfileResult:
    return build_profile(ws, "XAT01", protection=ProtectionSpec(method="suppression", secondary="fast"))


def _published(result: ProfileResult) -> dict[tuple[str, tuple[tuple[str, str], ...]], int | None]:
    """What the profile shows: (table, codes) -> value (None when suppressed); section totals included."""
    shown: dict[tuple[str, tuple[tuple[str, str], ...]], int | None] = {}
    for s in result.profile.sections:
        shown[(s.table, tuple((d, TOTAL) for d in s.dimensions))] = s.total
        for c in s.cells:
            shown[(s.table, tuple(c.codes.items()))] = c.value
    return shown


def test_every_number_is_a_published_cell_with_its_flag(profile: ProfileResult) -> None:
    shown = _published(profile)
    tables = {t.name: t for t in profile.tables.values()}
    seen = 0
    for (name, codes), value in shown.items():
        cells = tables[name].cells
        mask = np.ones(len(cells), dtype=bool)
        for d, code in codes:
            mask &= (cells[d].astype(str) == code).to_numpy()
        (row,) = cells[mask].itertuples(index=False)
        if row.flag in HIDDEN:
            assert value is None, (name, codes)
        else:
            assert value == int(row.value), (name, codes)
            seen += 1
    assert seen > 100
    listed = {(c.table, tuple(c.codes.items())) for c in profile.profile.suppressed}
    hidden = {k for k, v in shown.items() if v is None}
    assert listed == hidden and hidden, "the profile lists exactly the cells it does not show"


def _attack(result: ProfileResult, shown: dict) -> dict[tuple, tuple[float, float]]:
    """An attacker who reads the whole profile: min and max of each hidden cell over all linked sections.

    Sections describe one population, so a cell with the same codes in two sections (a missing dimension
    stands at its total) is one unknown; every table adds its relations parent = sum of children.
    """
    dims = sorted({d for t in result.tables.values() for d in t.dim_names})
    key_of = {}
    for (name, codes) in shown:
        c = dict(codes)
        key_of[(name, codes)] = tuple(c.get(d, TOTAL) for d in dims)
    value = {}
    for k, v in shown.items():
        value.setdefault(key_of[k], v)
    unknown = sorted({key_of[k] for k, v in shown.items() if v is None})
    col = {k: i for i, k in enumerate(unknown)}
    rows, rhs = [], []
    for t in result.tables.values():
        codes = {tuple(str(r[d]) for d in t.dim_names) for _, r in t.cells.iterrows()}
        for cell in codes:
            for i, d in enumerate(t.dimensions):
                kids = [c for c, p in d.parent.items() if p == cell[i]]
                if not kids:
                    continue
                terms = [(cell, 1.0)] + [((*cell[:i], kid, *cell[i + 1:]), -1.0) for kid in kids]
                row, b = np.zeros(len(unknown)), 0.0
                for codes_, coef in terms:
                    full = key_of.get((t.name, tuple(zip(t.dim_names, codes_, strict=True))))
                    if full is None:
                        continue
                    if full in col:
                        row[col[full]] += coef
                    else:
                        b -= coef * float(value[full])
                if row.any():
                    rows.append(row)
                    rhs.append(b)
    a = np.array(rows)
    out = {}
    for k, j in col.items():
        c = np.zeros(len(unknown))
        c[j] = 1.0
        lo = linprog(c, A_eq=a, b_eq=rhs, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a, b_eq=rhs, bounds=(0, None), method="highs")
        out[k] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def test_no_suppressed_cell_can_be_worked_out_from_the_whole_profile(profile: ProfileResult) -> None:
    k = profile.profile.min_count
    shown = _published(profile)
    bounds = _attack(profile, shown)
    flags = {}
    for c in profile.profile.suppressed:
        flags.setdefault(tuple(sorted(c.codes.items())), set()).add(c.flag)
    assert bounds
    # A secondary cell may be worked out (a wasted suppression, e.g. a zero next to published cells); what
    # must never be narrowed is a primary cell.
    primaries = [c for c in profile.profile.suppressed if c.flag == PRIMARY]
    assert primaries
    dims = sorted({d for t in profile.tables.values() for d in t.dim_names})
    for c in primaries:
        lo, hi = bounds[tuple(c.codes.get(d, TOTAL) for d in dims)]
        assert hi - lo >= k - 1e-6, f"primary cell {c.codes} narrowed to [{lo}, {hi}]"


def test_the_attack_catches_a_leak(profile: ProfileResult) -> None:
    """Negative control: revealing a secondary cell next to a primary one makes the primary one recoverable."""
    shown = _published(profile)
    for s in profile.profile.sections:
        if len(s.dimensions) != 1 or s.total is None:
            continue
        p = [c for c in s.cells if c.flag == PRIMARY]
        sec = [c for c in s.cells if c.flag == SECONDARY]
        if len(p) == 1 and len(sec) == 1:
            published = sum(c.value or 0 for c in s.cells)
            leaked = dict(shown)
            leaked[(s.table, tuple(sec[0].codes.items()))] = s.total - published - 1  # pretend p is 1
            bounds = _attack(profile, leaked)
            dims = sorted({d for t in profile.tables.values() for d in t.dim_names})
            lo, hi = bounds[tuple(p[0].codes.get(d, TOTAL) for d in dims)]
            assert hi - lo < 1e-6
            return
    pytest.skip("no one-dimensional section with exactly one primary and one secondary cell")


def test_size_is_published_and_shared_by_every_section(profile: ProfileResult) -> None:
    p = profile.profile
    assert p.size and p.size >= p.min_count and p.size_flag == ""
    assert {s.total for s in p.sections} == {p.size}


def test_text_forms_say_suppressed_and_never_show_a_hidden_number(profile: ProfileResult) -> None:
    md = profile_md(profile)
    assert "## What was suppressed" in md
    blocks = {b.split("\n", 1)[0]: b for b in md.split("### ")[1:]}
    titles = {s.key: s.title for s in profile.profile.sections}
    checked = 0
    for c in profile.profile.suppressed:
        if len(c.codes) == 1:
            label = next(iter(c.labels.values()))
            rows = [ln for ln in blocks[titles[c.section]].splitlines() if ln.startswith(f"| {label} |")]
            assert all(re.match(rf"\| {re.escape(label)} \| suppressed \|", r) for r in rows), rows
            checked += len(rows)
    assert checked


def test_cell_key_profile_never_shows_a_small_count(ws) -> None:
    result = build_profile(ws, DISTRICT, protection=ProtectionSpec(method="cell_key", min_count=10))
    p = result.profile
    values = [c.value for s in p.sections for c in s.cells if c.value is not None]
    assert values and not [v for v in values if 0 < v < 10]
    assert len({s.total for s in p.sections}) == 1, "the same people give the same total in every section"
    assert not p.suppressed


def test_nationality_profile_drops_the_nationality_section(ws) -> None:
    p = build_profile(ws, "XAT01", nationality="ven").profile
    assert p.method == "cell_key"
    assert p.nationality == "VEN" and p.section("nationality") is None and p.section("sex_age") is not None
    with pytest.raises(RejectedInput):
        build_profile(ws, "XAT01", nationality="XXQ")


def test_polygon_resolves_to_the_areas_inside_it(ws, tmp_path: Path) -> None:
    from atlas.geo.boundaries import active_geometries

    with ws.connect(read_only=True) as con:
        geoms = active_geometries(con, "XAT", 2)
    inside = geoms[geoms["parent"] == "XAT01"].geometry.union_all().buffer(-0.001)
    path = tmp_path / "drawn.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": inside.__geo_interface__}))
    by_polygon = build_profile(ws, polygon=path).profile
    assert set(by_polygon.area.codes) == set(geoms.loc[geoms["parent"] == "XAT01", "pcode"])
    assert by_polygon.area.how == "polygon" and min(by_polygon.area.share_inside.values()) > 0.9


@pytest.mark.parametrize(("geojson", "error"), [
    ({"type": "Point", "coordinates": [-27.0, -46.0]}, RejectedInput),
    ({"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 10]]]}, NotFound),
    ({"type": "Polygon", "coordinates": "nonsense"}, RejectedInput),
])
def test_bad_polygons_are_refused_with_a_reason(ws, tmp_path: Path, geojson: dict, error: type) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(geojson))
    with pytest.raises(error):
        build_profile(ws, polygon=path)


def test_unknown_area_and_ambiguous_request(ws) -> None:
    with pytest.raises(NotFound):
        build_profile(ws, "XAT9999")
    with pytest.raises(RejectedInput):
        build_profile(ws)


def test_cell_key_profile_agrees_with_the_standard_tables(ws) -> None:
    """Same people, same key, same figure: the district's size and its women equal the standard table's cells."""
    from importlib import resources

    from atlas.tables.service import protected_tables
    from atlas.tables.spec import load_spec

    spec = load_spec(Path(str(resources.files("atlas.demo").joinpath("specs/migrants_by_district_nationality_sex.yaml"))))
    (table,) = protected_tables(ws, [spec])
    cells = table.cells.set_index(["area", "nationality", "sex"])["value"]
    p = build_profile(ws, DISTRICT).profile
    women = next(c.value for c in p.sections[0].cells if c.codes == {"age": TOTAL, "sex": "female"})
    assert p.size == cells[(DISTRICT, TOTAL, TOTAL)] and women == cells[(DISTRICT, TOTAL, "female")]
