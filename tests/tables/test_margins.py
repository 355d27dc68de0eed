"""Margins: every cell incl. totals, matching sdcTable's complete table; sums hold on every relation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.protection.cube import TOTAL
from atlas.protection.rounding import additivity
from atlas.tables.hierarchy import flat_dimension, grouped_dimension
from atlas.tables.margins import build_cube, compute_margins
from atlas.tables.spec import parse_spec

V1 = grouped_dimension("V1", ["A", "Ba", "Bb", "Bc", "C", "D"], {"B": ["Ba", "Bb", "Bc"]})
V2 = flat_dimension("V2", ["m", "w"])
V3 = flat_dimension("V3", list("abcdef"))


def test_vignette_microdata_margins(shared_data: Path) -> None:
    micro = pd.read_csv(shared_data / "sdc" / "sdctable_vignette_microdat.csv")
    complete = pd.read_csv(shared_data / "sdc" / "sdctable_vignette_completedat.csv").replace({"Tot": TOTAL})
    cube = compute_margins(micro.assign(n=1, value=1), [V1, V2, V3])
    assert len(cube.cells) == len(complete) == 8 * 3 * 7
    m = cube.cells.merge(complete, on=["V1", "V2", "V3"], validate="1:1")
    assert len(m) == 168 and (m["n"] == m["Freq"]).all()


def test_vignette_aggregate_input(shared_data: Path) -> None:
    agg = pd.read_csv(shared_data / "sdc" / "sdctable_vignette_aggdat.csv")
    complete = pd.read_csv(shared_data / "sdc" / "sdctable_vignette_completedat.csv").replace({"Tot": TOTAL})
    cube = compute_margins(agg.assign(n=agg["Freq"].astype(int), value=agg["numVal1"]), [V1, V2, V3])
    m = cube.cells.merge(complete, on=["V1", "V2", "V3"])
    assert np.allclose(m["value"], m["numVal1"]) and (m["n"] == m["Freq"]).all()


def test_top_contributions_and_keys() -> None:
    fin = pd.DataFrame(
        {
            "g": ["a", "a", "b"],
            "n": [1, 1, 1],
            "value": [5.0, 3.0, 9.0],
            "top1": [5.0, 3.0, 9.0],
            "ckey": [0.75, 0.5, 0.5],
        }
    )
    cube = compute_margins(fin, [flat_dimension("g", ["a", "b"])])
    c = cube.cells.set_index("g")
    assert c.loc[TOTAL, "top1"] == 9 and c.loc[TOTAL, "top2"] == 5 and c.loc["a", "top2"] == 3
    assert c.loc["a", "ckey"] == 2**30  # frac(0.75 + 0.5) = 0.25
    assert c.loc[TOTAL, "ckey"] == int(0.75 * 2**32)


def test_build_cube_from_spec_with_bands_and_regions() -> None:
    spec = parse_spec(
        {
            "name": "t",
            "dimensions": [
                {"field": "nationality", "grouping": "un_m49_region"},
                {"field": "sex", "codes": ["female", "male", "other"]},
                {"field": "age", "grouping": {"bands": [0, 18]}},
            ],
        }
    )
    fin = pd.DataFrame(
        {
            "nationality": ["SYR", "FRA", "SYR"],
            "sex": ["male", "female", "male"],
            "age": [3, 40, 20],
            "n": [2, 5, 1],
        }
    )
    cube = build_cube(spec, fin)
    assert cube.cells.attrs["zeros_omitted"] is False
    dims = {d.name: d for d in cube.dimensions}
    assert "other" in dims["sex"].codes and dims["age"].leaves() == ["00-17", "18+", "unknown"]
    total = cube.cells[(cube.cells[["nationality", "sex", "age"]] == TOTAL).all(axis=1)]
    assert total["n"].item() == 8
    asia = cube.cells.query("nationality == 'M49_142' and sex == 'male' and age == '_T'")
    assert asia["value"].item() == 3
    assert len(cube.cells) == np.prod([len(d.parent) for d in cube.dimensions])


def test_sparse_cube_lists_observed_cells_and_margins() -> None:
    spec = parse_spec({"name": "t", "dimensions": [{"field": "sex"}, {"field": "purpose"}]})
    fin = pd.DataFrame({"sex": ["male", "female"], "purpose": ["work", "study"], "n": [3, 4]})
    cube = build_cube(spec, fin, dense_limit=1)
    assert cube.cells.attrs["zeros_omitted"] is True
    assert len(cube.cells) == 2 + 2 + 2 + 1
    assert additivity(cube, cube.cells["value"].to_numpy()).non_additive == 0


finest_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "Ba", "Bb", "Bc", "C", "D"]),
        st.sampled_from(["m", "w"]),
        st.sampled_from(list("abcdef")),
        st.integers(1, 50),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=finest_rows, dense=st.booleans())
def test_margins_add_up(rows: list[tuple[str, str, str, int]], dense: bool) -> None:
    fin = pd.DataFrame(rows, columns=["V1", "V2", "V3", "n"])
    cube = compute_margins(fin, [V1, V2, V3], dense=dense)
    cells = cube.cells
    assert not cells.duplicated(["V1", "V2", "V3"]).any()
    assert additivity(cube, cells["value"].to_numpy()).non_additive == 0
    assert cells.loc[(cells[["V1", "V2", "V3"]] == TOTAL).all(axis=1), "n"].item() == fin["n"].sum()


def test_records_known_only_at_a_coarser_level() -> None:
    """adm1-only and country-only records get 'not stated below' leaves; every margin still adds up."""
    gaz = pd.DataFrame(
        {
            "code": ["HTI", "HT01", "HT02", "HT0111", "HT0112", "HT0211"],
            "parent": [None, "HTI", "HTI", "HT01", "HT01", "HT02"],
            "level": ["adm0", "adm1", "adm1", "adm2", "adm2", "adm2"],
        }
    )
    spec = parse_spec({"name": "t", "dimensions": [{"field": "area", "level": "adm2"}, {"field": "sex"}]})
    fin = pd.DataFrame({"area": ["HT0111", "HT01", "HTI", "HT0211"], "sex": ["male"] * 4, "n": [5, 3, 2, 7]})
    cube = build_cube(spec, fin, {"area": gaz})
    area = cube.dimension("area")
    assert area.parent["HT01_NS"] == "HT01" and area.parent["_NS"] == TOTAL
    c = cube.cells.set_index(["area", "sex"])["n"]
    assert c[("HT01", "male")] == 8 and c[(TOTAL, "male")] == 17 and c[("_NS", "male")] == 2
    assert additivity(cube, cube.cells["value"].to_numpy()).non_additive == 0
