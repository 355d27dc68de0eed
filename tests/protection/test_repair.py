"""Repair: boxes are exact feasible directions, and a failing cell is repaired by the cheapest one."""

from __future__ import annotations

import numpy as np
import pytest
from grids import grid_cube
from independent_audit import attacker_bounds

from atlas.protection.audit import audit_space, requirement_arrays
from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.repair import audit_and_repair, boxes
from atlas.protection.status import base_status
from atlas.tables import hierarchy as h

RULES = {"<=4, zeros published": lambda x: (x > 0) & (x <= 4), "<=4 and zeros": lambda x: x <= 4}


@pytest.fixture
def three_way() -> Cube:
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(3)})
    dims = [Dimension("geo", geo), h.flat_dimension("nat", [f"n{i}" for i in range(4)]), h.flat_dimension("sex", ["F", "M"])]
    rng = np.random.default_rng(3)
    return grid_cube(rng.choice([0, 1, 2, 3, 7, 20], size=6 * 4 * 2), dims)


def test_every_box_keeps_every_relation(three_way: Cube) -> None:
    st = base_status([three_way], [np.zeros(len(three_way.cells), dtype=bool)], None)
    space = st.space
    costs = np.ones(space.n)
    for i in (0, space.n // 2, space.n - 1):
        cells, signs = boxes(space, i, np.zeros(space.n, dtype=bool), costs)
        assert len(cells) > 0 and (cells == i).any(axis=1).all()
        for row, sign in zip(cells, signs):
            live = sign != 0
            assert (row[live] >= 0).all() and len(np.unique(row[live])) == live.sum() >= 8
            d = np.zeros(space.n)
            d[row[live]] = sign[live]
            assert np.abs(space.relations @ d).max() < 1e-12


def test_boxes_are_capped() -> None:
    dims = [h.flat_dimension(n, [f"{n}{i}" for i in range(9)]) for n in "abc"]
    cube = grid_cube(np.ones(9**3), dims)
    st = base_status([cube], [np.zeros(len(cube.cells), dtype=bool)], None)
    cells, _ = boxes(st.space, 0, np.zeros(st.space.n, dtype=bool), np.ones(st.space.n), limit=50)
    assert 0 < len(cells) <= 50


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_bare_primary_pattern_is_repaired_and_survives_the_attacker(three_way: Cube, rule: str) -> None:
    x = three_way.cells["value"].to_numpy()
    primary = RULES[rule](x)
    st = base_status([three_way], [primary], None)
    space, need = st.space, st.primary
    req = requirement_arrays(space, [three_way], ProtectionInterval(0), need)
    req = (req[0], req[1], np.where(need, np.maximum(req[2], 1e-3 * np.maximum(1.0, space.value)), 0.0))
    start = need.copy()
    assert not audit_space(space, start, req, need).protected[need].all()
    rep = audit_and_repair(st, req, np.ones(space.n), start, deadline=1e18)
    assert rep.repaired > 0 and rep.fallback == 0 and rep.audit.protected[need].all()
    assert audit_space(space, rep.supp, req, need).protected[need].all()
    hidden = np.zeros(len(x), dtype=bool)
    hidden[np.flatnonzero(rep.supp[space.cube_cells[0]])] = True
    bounds = attacker_bounds(three_way, hidden)
    for i in np.flatnonzero(primary):
        lo, hi = bounds[i]
        assert hi - lo > 1e-6, (i, x[i], lo, hi)


def test_a_box_whose_falling_corner_is_zero_is_not_used() -> None:
    """2 x 2 with the primary's only box needing an empty cell to fall: nothing can protect it that way."""
    dims = [h.flat_dimension("a", ["x", "y"]), h.flat_dimension("b", ["u", "v"])]
    cube = grid_cube(np.array([3, 0, 0, 5]), dims)
    x = cube.cells["value"].to_numpy()
    primary = (x == 3) & (cube.cells["a"] == "x").to_numpy()
    st = base_status([cube], [primary], None)
    req = requirement_arrays(st.space, [cube], ProtectionInterval(0), st.primary)
    req = (req[0], req[1], np.where(st.primary, 1e-3 * np.maximum(1.0, st.space.value), 0.0))
    rep = audit_and_repair(st, req, np.ones(st.space.n), st.primary.copy(), deadline=1e18)
    assert rep.audit.protected[st.primary].all()
    assert audit_space(st.space, rep.supp, req, st.primary).protected[st.primary].all()


def test_a_box_adding_more_cells_than_allowed_waits_for_the_milp() -> None:
    """2 x 2 with one primary: its only box adds three cells, so with a limit of one it is not taken."""
    from atlas.protection.repair import _box_repair, _Local

    dims = [h.flat_dimension("a", ["x", "y"]), h.flat_dimension("b", ["u", "v"])]
    cube = grid_cube(np.array([3, 8, 6, 5]), dims)
    x = cube.cells["value"].to_numpy()
    primary = (x == 3) & (cube.cells["b"] == "u").to_numpy()
    st = base_status([cube], [primary], None)
    space = st.space
    req = (np.zeros(space.n), np.zeros(space.n), np.where(st.primary, 1e-3, 0.0))
    supp = st.primary.copy()
    local = _Local(st, req, audit_space(space, supp, req, st.primary))
    i = int(np.flatnonzero(st.primary)[0])
    allowed = ~st.forced
    assert not _box_repair(local, i, supp, allowed, np.ones(space.n), 1)
    assert supp.sum() == 1
    assert _box_repair(local, i, supp, allowed, np.ones(space.n))
    assert supp.sum() == 4 and audit_space(space, supp, req, st.primary).protected[st.primary].all()
