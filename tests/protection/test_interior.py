"""Interior certificates: directions over the interior cells prove exactly the cells that are not pinned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from grids import grid_cube
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent_audit import attacker_bounds

from atlas.protection.certify import Bounds
from atlas.protection.cube import Cube, Dimension
from atlas.protection.interior import interior_system, project, widen_by_interior
from atlas.protection.interval import ProtectionInterval
from atlas.protection.relations import CellSpace, build_space
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins

CAP = 1e4


class _Recording(Bounds):
    tables: list[np.ndarray]

    def see(self, table: np.ndarray) -> None:
        self.tables.append(table.copy())
        super().see(table)


def _dims() -> list[Dimension]:
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(2)})
    return [Dimension("geo", geo), h.flat_dimension("age", ["a0", "a1"]), h.flat_dimension("s", ["f", "m"]),
            h.flat_dimension("nat", ["n0", "n1", "n2"])]


def _pinned(space: CellSpace, hidden: np.ndarray) -> np.ndarray:
    """Exact answer over the hidden cells: pinned iff every null vector of their relations is 0 there."""
    a = space.relations[:, np.flatnonzero(hidden)].toarray()
    a = a[np.abs(a).sum(axis=1) > 0]
    _, sing, vt = np.linalg.svd(a)
    rank = int((sing > 1e-9 * max(sing.max(initial=0.0), 1.0)).sum())
    out = np.zeros(space.n, dtype=bool)
    out[hidden] = np.abs(vt[rank:]).max(axis=0, initial=0.0) < 1e-9
    return out


def _run(space: CellSpace, hidden: np.ndarray) -> _Recording:
    x = space.value
    bounds = _Recording.start(x, ProtectionInterval(0).requirements(x), hidden.copy())
    bounds.tables = []
    widen_by_interior(space, hidden, CAP, bounds, deadline=np.inf)
    return bounds


def _proven(bounds: Bounds) -> np.ndarray:
    out = bounds.need.copy()
    out[bounds.pending()] = False
    return out


@pytest.mark.parametrize(("seed", "share"), [(1, 0.9), (2, 0.8), (3, 0.7)])
def test_proves_exactly_the_cells_that_are_not_pinned(seed: int, share: float) -> None:
    rng = np.random.default_rng(seed)
    cube = grid_cube(rng.integers(1, 6, 48), _dims())
    space = build_space([cube])
    hidden = rng.random(space.n) < share
    pinned = _pinned(space, hidden)
    assert (pinned & hidden).any() and (~pinned & hidden).any()
    bounds = _run(space, hidden)
    proven = _proven(bounds)
    assert not (proven & pinned).any()
    assert proven[hidden & ~pinned].all()
    for table in bounds.tables:
        assert np.abs(space.relations @ table).max() <= 1e-9 and table.min() >= 0
        assert np.array_equal(table[~hidden], space.value[~hidden])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), rows=st.integers(20, 120))
def test_sparse_cube_bounds_lie_inside_the_independent_attackers_interval(seed: int, rows: int) -> None:
    """Absent cells are published zeros: held margins; every table seen is one the attacker must allow."""
    rng = np.random.default_rng(seed)
    dims = _dims()
    df = pd.DataFrame({d.name: rng.choice(d.leaves(), rows) for d in dims})
    fin = df.groupby(list(df.columns)).size().rename("n").reset_index()
    cube: Cube = compute_margins(fin.assign(value=fin["n"].astype(float)), dims, dense=False)
    space = build_space([cube])
    x = space.value
    hidden = (x <= 3) | (rng.random(space.n) < 0.3)
    bounds = _run(space, hidden)
    proven = np.flatnonzero(_proven(bounds))
    if len(proven) == 0:
        return
    rows_of = space.cube_cells[0]
    at = {int(u): i for i, u in enumerate(rows_of)}
    sup = np.zeros(len(cube.cells), dtype=bool)
    sup[[at[int(u)] for u in np.flatnonzero(hidden)]] = True
    pick = proven[:: max(1, len(proven) // 12)]
    truth = attacker_bounds(cube, sup, np.array([at[int(u)] for u in pick]))
    for u in pick:
        lo, hi = truth[at[int(u)]]
        assert lo <= bounds.lower[u] + 1e-7 and bounds.upper[u] <= hi + 1e-7
        assert hi - lo > 0


def test_cells_near_zero_are_held_and_linked_cubes_are_left_alone() -> None:
    rng = np.random.default_rng(5)
    values = rng.integers(1, 6, 48)
    values[0] = 0
    cube = grid_cube(values, _dims())
    space = build_space([cube])
    hidden = np.ones(space.n, dtype=bool)
    bounds = _run(space, hidden)
    zero = np.flatnonzero(space.value == 0)
    assert bounds.tables and len(zero)
    for table in bounds.tables:
        assert (table[zero] == 0).all()
    assert interior_system(build_space([cube, cube]), hidden) is None


def test_projection_sums_to_zero_under_every_held_margin() -> None:
    rng = np.random.default_rng(7)
    space = build_space([grid_cube(rng.integers(1, 6, 48), _dims())])
    free = rng.random(space.n) < 0.8
    system = interior_system(space, free)
    assert system is not None
    v = project(system, rng.standard_normal(len(system.cells)), deadline=np.inf)
    assert v is not None and system.residual(v) <= 1e-10 * np.abs(v).max()
    lifted = system.lift @ v
    assert np.abs(space.relations[:, np.flatnonzero(free)] @ lifted[free]).max() <= 1e-9
