"""Null-space certificates: a random direction proves exactly the cells that are not pinned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from atlas.protection.certify import Bounds
from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.nullspace import widen_by_nullspace
from atlas.protection.relations import build_space
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins


class _Recording(Bounds):
    tables: list[np.ndarray]

    def see(self, table: np.ndarray) -> None:
        self.tables.append(table.copy())
        super().see(table)


def _component(seed: int, share: float) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Relations of a small 5-D table (one hierarchy) restricted to a random set of suppressed cells."""
    rng = np.random.default_rng(seed)
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(2)})
    dims = [Dimension("geo", geo), h.flat_dimension("age", ["a0", "a1"]), h.flat_dimension("s", ["f", "m"]),
            h.flat_dimension("nat", ["n0", "n1", "n2"]), h.flat_dimension("st", ["x", "y"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=[d.name for d in dims]).to_frame(index=False)
    grid["value"] = rng.integers(1, 6, len(grid)).astype(float)
    cube: Cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    space = build_space([cube])
    hidden = rng.random(space.n) < share
    s = np.flatnonzero(hidden)
    a = space.relations[:, s].tocsr()
    b = -(space.relations[:, ~hidden] @ space.value[~hidden])
    keep = a.getnnz(axis=1) > 0
    return a[keep].tocsr(), b[keep], space.value[s]


def _pinned(a: sp.csr_matrix) -> np.ndarray:
    """Exact answer: cell i is pinned iff e_i lies in the row space of a, i.e. every null vector is 0 there."""
    dense = a.toarray()
    _, sing, vt = np.linalg.svd(dense)
    rank = int((sing > 1e-9 * max(sing.max(initial=0.0), 1.0)).sum())
    basis = vt[rank:]
    return np.abs(basis).max(axis=0, initial=0.0) < 1e-9


@pytest.mark.parametrize(("seed", "share"), [(1, 0.9), (2, 0.9), (3, 0.8)])
def test_proves_exactly_the_cells_that_are_not_pinned(seed: int, share: float) -> None:
    a, b, x = _component(seed, share)
    pinned = _pinned(a)
    assert pinned.any() and (~pinned).any()
    req = ProtectionInterval(0).requirements(x)
    bounds = _Recording.start(x, req, np.ones(len(x), dtype=bool))
    bounds.tables = []
    widen_by_nullspace(a, bounds, np.full(len(x), 1e4))
    proven = np.ones(len(x), dtype=bool)
    proven[bounds.pending()] = False
    assert not (proven & pinned).any()
    assert proven[~pinned].all()
    for table in bounds.tables:
        assert np.abs(a @ table - b).max() <= 1e-9 and table.min() >= 0


def test_cells_near_zero_are_held_and_the_rest_still_move() -> None:
    a, b, x = _component(4, 0.9)
    x = x.copy()
    x[0] = 0.0
    b = a @ x
    bounds = _Recording.start(x, ProtectionInterval(0).requirements(x), np.ones(len(x), dtype=bool))
    bounds.tables = []
    widen_by_nullspace(a, bounds, np.full(len(x), 1e4))
    assert bounds.tables
    for table in bounds.tables:
        assert table[0] == 0.0 and np.abs(a @ table - b).max() <= 1e-9 and table.min() >= 0
