"""Neighbourhoods walked once for every radius, and the repair MILP on a small table."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from atlas.protection.cube import Dimension
from atlas.protection.milp import hop_graph, neighbourhood, rings, solve_pattern
from atlas.protection.status import base_status
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins


@pytest.fixture
def space_and_value():  # type: ignore[no-untyped-def]
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(3)})
    dims = [Dimension("geo", geo), h.flat_dimension("nat", [f"n{i}" for i in range(4)]), h.flat_dimension("sex", ["F", "M"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=["geo", "nat", "sex"]).to_frame(index=False)
    grid["value"] = np.random.default_rng(1).choice([0.0, 1.0, 4.0, 9.0], size=len(grid))
    cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    st = base_status([cube], [np.zeros(len(cube.cells), dtype=bool)], None)
    return st.space


@pytest.mark.parametrize("closed", [False, True])
def test_rings_match_each_neighbourhood(space_and_value, closed: bool) -> None:  # type: ignore[no-untyped-def]
    space = space_and_value
    rel = space.relations
    through = np.random.default_rng(2).random(space.n) < 0.6
    graph = hop_graph(rel)
    for start in (0, 7, space.n - 1):
        walked = rings(rel, np.array([start]), 3, through, closed, graph)
        assert len(walked) == 3
        for r, cells in enumerate(walked, start=1):
            assert np.array_equal(cells, neighbourhood(rel, np.array([start]), r, through, closed))
        assert all(np.isin(a, b).all() for a, b in pairwise(walked))
    assert np.array_equal(neighbourhood(rel, np.array([3]), 0, through, closed), rings(rel, np.array([3]), 0, through, closed)[0])


def test_pattern_for_one_cell_is_a_protecting_box(space_and_value) -> None:  # type: ignore[no-untyped-def]
    space = space_and_value
    x = space.value
    target = int(np.flatnonzero((x > 0) & (x <= 4))[0])
    req = (np.zeros(space.n), np.zeros(space.n), np.where(np.arange(space.n) == target, 1e-3, 0.0))
    none = np.zeros(space.n, dtype=bool)
    cells = neighbourhood(space.relations, np.array([target]), 3, ~none)
    found = solve_pattern(space.relations, x, cells, np.array([target]), req, np.ones(space.n), none, none, 2.0,
                          reach=1.004)
    assert found is not None and target in found and len(found) >= 4
