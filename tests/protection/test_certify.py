"""Certificates by restricted centres: feasible tables of the whole component, found on a part of it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from atlas.protection.certify import Bounds, Centres
from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.milp import neighbourhood
from atlas.protection.relations import build_space
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins


class _Recording(Bounds):
    tables: list[np.ndarray]

    def see(self, table: np.ndarray) -> None:
        self.tables.append(table.copy())
        super().see(table)


@pytest.fixture
def component() -> tuple[object, np.ndarray, np.ndarray]:
    """Relations of a 3-D table restricted to its suppressed cells (all leaves and the area margins)."""
    rng = np.random.default_rng(3)
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(4)})
    dims = [Dimension("geo", geo), h.flat_dimension("nat", [f"n{i}" for i in range(6)]), h.flat_dimension("s", ["f", "m"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=[d.name for d in dims]).to_frame(index=False)
    grid["value"] = rng.integers(0, 9, len(grid)).astype(float)
    cube: Cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    space = build_space([cube])
    hidden = np.zeros(space.n, dtype=bool)
    rows = ~cube.cells["geo"].isin(["_T"]).to_numpy() & ~cube.cells["nat"].eq("_T").to_numpy()
    hidden[space.cube_cells[0][rows]] = True
    s = np.flatnonzero(hidden)
    a = space.relations[:, s].tocsr()
    b = -(space.relations[:, ~hidden] @ space.value[~hidden])
    keep = a.getnnz(axis=1) > 0
    return a[keep].tocsr(), b[keep], space.value[s]


def test_near_matches_the_open_neighbourhood(component: tuple) -> None:
    a, _b, x = component
    centres = Centres(a, np.full(len(x), 100.0))
    everywhere = np.ones(len(x), dtype=bool)
    for start in (np.array([0]), np.array([3, 40])):
        for radius in (1, 2):
            assert np.array_equal(centres.near(start, radius), neighbourhood(a, start, radius, everywhere, closed=False))


@pytest.mark.parametrize("radius", [1, 3])
def test_restricted_centre_is_a_feasible_table_of_the_whole_component(component: tuple, radius: int) -> None:
    a, b, x = component
    req = ProtectionInterval(1).requirements(x)
    bounds = _Recording.start(x, req, np.ones(len(x), dtype=bool))
    bounds.tables = []
    centres = Centres(a, np.full(len(x), 100.0))
    leaf = np.array([len(x) - 3])  # a leaf of the last area: it moves with its siblings
    near = centres.near(leaf, radius)
    assert 0 < len(near) < len(x)
    centres.run(bounds, near)
    assert len(bounds.tables) == 1
    table = bounds.tables[0]
    assert np.allclose(a @ table, b, atol=1e-7)
    assert table.min() >= -1e-7
    outside = np.setdiff1d(np.arange(len(x)), near)
    assert np.array_equal(table[outside], x[outside])
    if radius == 3:  # a 2 x 2 x 2 box around the leaf fits
        assert np.abs(table - x).max() > 1e-3
