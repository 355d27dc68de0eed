"""Relation rounds and their trim: every relation mended, redundant picks published again, needed ones kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from atlas.protection.singletons import mend_singletons, movable, trim


def _grid(seed: int, zeros_share: float = 0.3):  # type: ignore[no-untyped-def]
    from atlas.protection.cube import Dimension
    from atlas.tables import hierarchy as h
    from atlas.tables.margins import compute_margins

    rng = np.random.default_rng(seed)
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(3)})
    dims = [Dimension("geo", geo), h.flat_dimension("b", [f"b{i}" for i in range(4)]), h.flat_dimension("c", ["F", "M"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=["geo", "b", "c"]).to_frame(index=False)
    grid["value"] = np.where(rng.random(len(grid)) < zeros_share, 0.0, rng.choice([1.0, 2.0, 6.0, 15.0], size=len(grid)))
    return compute_margins(grid.assign(n=grid["value"].astype(int)), dims)


def _one_relation(values: list[float]) -> tuple[sp.csr_matrix, np.ndarray]:
    """total - sum(children) = 0 over cells [total, child 0, child 1, ...]."""
    row = np.r_[1.0, -np.ones(len(values))]
    return sp.csr_matrix(row[None, :]), np.r_[sum(values), values]


def test_trim_publishes_the_largest_redundant_pick_and_keeps_a_partner() -> None:
    rel, x = _one_relation([1, 5, 9])
    kept = np.array([False, True, False, False])
    supp = np.array([False, True, True, True])
    out = trim(rel, kept, supp, x)
    assert out.tolist() == [False, True, True, False]


def test_trim_keeps_the_only_cell_that_lets_an_empty_primary_rise() -> None:
    """Zero primary under a published total: removing the 5 would leave no sibling able to fall."""
    rel, x = _one_relation([0, 0, 5])
    kept = np.array([False, True, False, False])
    supp = np.array([False, True, True, True])
    rise = np.array([0.0, 1e-3, 0.0, 0.0])
    out = trim(rel, kept, supp, x, rise)
    assert out.tolist() == [False, True, False, True]
    assert trim(rel, kept, supp, x).tolist() == [False, True, True, False]


def test_trim_never_leaves_a_cell_alone_in_a_relation() -> None:
    rel, x = _one_relation([1, 5])
    kept = np.array([False, True, False])
    supp = np.array([False, True, True])
    assert trim(rel, kept, supp, x).tolist() == supp.tolist()


@pytest.mark.parametrize("zeros", [False, True], ids=["zeros published", "zeros primary"])
def test_rounds_leave_no_relation_with_a_single_suppressed_cell(zeros: bool) -> None:
    from atlas.protection.status import base_status
    from atlas.tables import hierarchy as h
    from atlas.tables.margins import compute_margins

    rng = np.random.default_rng(5)
    dims = [h.flat_dimension("a", [f"a{i}" for i in range(6)]), h.flat_dimension("b", [f"b{i}" for i in range(5)]),
            h.flat_dimension("c", ["F", "M"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=["a", "b", "c"]).to_frame(index=False)
    grid["value"] = rng.choice([0.0, 1.0, 3.0, 6.0, 12.0], size=len(grid))
    cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    x = cube.cells["value"].to_numpy()
    primary = (x <= 4) & ((x > 0) | zeros)
    st = base_status([cube], [primary], None)
    rel, v = st.space.relations, st.space.value
    rise = np.where(st.primary, 1e-3, 0.0)
    out = mend_singletons(rel, st.primary.copy(), np.ones(len(v)), ~st.forced, v, rise)
    assert (out >= st.primary).all()
    counts = (rel != 0).astype(np.int32) @ out.astype(np.int32)
    assert not (counts == 1).any()
    assert (trim(rel, st.primary, out, v, rise) == out).all()


def test_an_empty_partner_pins_a_cell_that_must_fall_against_it() -> None:
    """2 x 2 leaves hidden, margins published: x_u = 3, x_v = 0, y_u = 2, y_v = 0. x_u rising needs x_v to
    fall, x_u falling needs y_v to fall: both are empty, so nothing moves (with the margins hidden too, the
    margin cells give x_u room)."""
    from atlas.protection.status import base_status
    from atlas.tables import hierarchy as h
    from atlas.tables.margins import compute_margins

    dims = [h.flat_dimension("a", ["x", "y"]), h.flat_dimension("b", ["u", "v"])]
    grid = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"], "value": [3.0, 0, 2, 0]})
    cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    st = base_status([cube], [np.zeros(len(cube.cells), dtype=bool)], None)
    leaf = (st.space.coords != 0).all(axis=1)
    up, down = movable(st.space.relations, leaf, st.space.value)
    assert not (up | down)[leaf].any()
    x = st.space.value
    full = leaf | ((st.space.coords == 0).sum(axis=1) == 1)
    up, down = movable(st.space.relations, full, x)
    assert (up | down)[leaf & (x > 0)].all()


@pytest.mark.parametrize("seed", range(6))
def test_every_cell_an_attacker_can_move_is_movable(seed: int) -> None:
    """`movable` is a necessary condition: checked against the independent attacker on random patterns."""
    from independent_audit import attacker_bounds

    from atlas.protection.status import base_status

    cube = _grid(seed)
    st = base_status([cube], [np.zeros(len(cube.cells), dtype=bool)], None)
    hidden = np.random.default_rng(seed + 100).random(len(cube.cells)) < 0.5
    supp = np.zeros(st.space.n, dtype=bool)
    supp[st.space.cube_cells[0][hidden]] = True
    up, down = movable(st.space.relations, supp, st.space.value)
    x = cube.cells["value"].to_numpy()
    where = st.space.cube_cells[0]
    for i, (lo, hi) in attacker_bounds(cube, hidden).items():
        if hi > x[i] + 1e-7:
            assert up[where[i]], (i, x[i], lo, hi)
        if lo < x[i] - 1e-7:
            assert down[where[i]], (i, x[i], lo, hi)


@pytest.mark.parametrize("zeros", [False, True], ids=["zeros published", "zeros primary"])
def test_rounds_with_need_leave_no_pinned_primary(zeros: bool) -> None:
    from atlas.protection.status import base_status

    cube = _grid(9, 0.4)
    x = cube.cells["value"].to_numpy()
    primary = (x <= 4) & ((x > 0) | zeros)
    st = base_status([cube], [primary], None)
    v = st.space.value
    rise = np.where(st.primary, 1e-3, 0.0) * (v <= 0)
    out = mend_singletons(st.space.relations, st.primary.copy(), np.ones(len(v)), ~st.forced, v, rise, st.primary)
    up, down = movable(st.space.relations, out, v)
    assert (up | down)[st.primary].all()
    assert up[st.primary & (v <= 0)].all()


def test_rounds_stop_when_nothing_can_unpin_a_cell() -> None:
    """Every publishable cell forbidden: the pinned cells stay for the audit and repair, the rounds end."""
    from atlas.protection.status import base_status

    cube = _grid(4, 0.5)
    x = cube.cells["value"].to_numpy()
    primary = x <= 4
    st = base_status([cube], [primary], None)
    v = st.space.value
    rise = np.where(st.primary & (v <= 0), 1e-3, 0.0)
    out = mend_singletons(st.space.relations, st.primary.copy(), np.ones(len(v)), st.primary.copy(), v, rise, st.primary)
    assert (out == st.primary).all()
