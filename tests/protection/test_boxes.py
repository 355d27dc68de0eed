"""Box certificates: only true null directions count, and box bounds never exceed the attacker's interval."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from grids import cells_at, grid_cube
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent_audit import attacker_bounds
from scipy.optimize import linprog

from atlas.protection.boxes import apply_directions, widen_by_boxes
from atlas.protection.certify import Bounds
from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.relations import CellSpace, build_space
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins

RULES = {"zeros published": False, "zeros primary": True}


def _geo() -> Dimension:
    parent: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    parent.update({f"{g}{i}": g for g in "AB" for i in range(3)})
    return Dimension("geo", parent)


def _space_of(cube: Cube, hidden: np.ndarray) -> tuple[CellSpace, np.ndarray]:
    space = build_space([cube])
    unknown = np.zeros(space.n, dtype=bool)
    unknown[space.cube_cells[0][hidden]] = True
    return space, unknown


@pytest.fixture
def three_by_three() -> Cube:
    dims = [h.flat_dimension("a", ["x", "y", "z"]), h.flat_dimension("b", ["u", "v", "w"])]
    return grid_cube(np.array([1, 7, 9, 8, 2, 6, 5, 9, 8]), dims)


def _box(cube: Cube) -> np.ndarray:
    return (cells_at(cube, a="x") | cells_at(cube, a="y")) & (cells_at(cube, b="u") | cells_at(cube, b="v"))


def test_a_box_of_four_suppressed_cells_proves_all_four(three_by_three: Cube) -> None:
    hidden = _box(three_by_three)
    space, unknown = _space_of(three_by_three, hidden)
    need = unknown.copy()
    req = ProtectionInterval(1).requirements(space.value)
    bounds = Bounds.start(space.value, req, need)
    assert widen_by_boxes(space, unknown, 100.0, bounds) >= 1
    assert len(bounds.pending()) == 0
    truth = attacker_bounds(three_by_three, hidden)
    for row in np.flatnonzero(hidden):
        u = space.cube_cells[0][row]
        assert truth[row][0] - 1e-9 <= bounds.lower[u] and bounds.upper[u] <= truth[row][1] + 1e-9


def test_a_published_corner_leaves_no_certificate(three_by_three: Cube) -> None:
    hidden = _box(three_by_three) & ~(cells_at(three_by_three, a="y") & cells_at(three_by_three, b="v"))
    space, unknown = _space_of(three_by_three, hidden)
    bounds = Bounds.start(space.value, ProtectionInterval(1).requirements(space.value), unknown.copy())
    assert widen_by_boxes(space, unknown, 100.0, bounds) == 0
    assert np.array_equal(bounds.lower, space.value) and np.array_equal(bounds.upper, space.value)


def test_only_true_null_directions_widen(three_by_three: Cube) -> None:
    """A direction touching a published cell, or breaking a relation, is rejected however it was built."""
    hidden = _box(three_by_three)
    space, unknown = _space_of(three_by_three, hidden)
    cell = {(r.a, r.b): space.cube_cells[0][i] for i, r in enumerate(three_by_three.cells.itertuples())}
    good = {cell["x", "u"]: 1.0, cell["x", "v"]: -1.0, cell["y", "u"]: -1.0, cell["y", "v"]: 1.0}
    broken = {cell["x", "u"]: 1.0, cell["x", "v"]: -1.0, cell["y", "u"]: -1.0}
    leaky = {cell["x", "u"]: 1.0, cell["x", "w"]: -1.0, cell["y", "u"]: -1.0, cell["y", "w"]: 1.0}
    cols = [good, broken, leaky]
    v = sp.csc_matrix((np.concatenate([list(c.values()) for c in cols]),
                       (np.concatenate([list(c) for c in cols]), np.repeat(np.arange(3), [len(c) for c in cols]))),
                      shape=(space.n, 3))
    bounds = Bounds.start(space.value, ProtectionInterval(1).requirements(space.value), unknown.copy())
    assert apply_directions(space.relations, unknown, space.value, 100.0, v, bounds) == 1
    x = space.value
    step_up, step_down = min(x[cell["x", "v"]], x[cell["y", "u"]]), min(x[cell["x", "u"]], x[cell["y", "v"]])
    assert bounds.upper[cell["x", "u"]] == x[cell["x", "u"]] + step_up
    assert bounds.lower[cell["x", "u"]] == x[cell["x", "u"]] - step_down
    assert bounds.upper[cell["x", "w"]] == x[cell["x", "w"]]


def test_boxes_move_along_hierarchy_levels() -> None:
    """A margin cell is proven by a box that swaps its region and carries a path down to a leaf."""
    dims = [_geo(), h.flat_dimension("s", ["f", "m"])]
    cube = grid_cube(np.array([3, 4, 5, 2, 6, 1, 2, 2, 7, 3, 4, 5]), dims)
    hidden = (cells_at(cube, geo="A") | cells_at(cube, geo="B") | cells_at(cube, geo="A0") | cells_at(cube, geo="B1")) & ~cells_at(cube, s="_T")
    space, unknown = _space_of(cube, hidden)
    bounds = Bounds.start(space.value, ProtectionInterval(1).requirements(space.value), unknown.copy())
    widen_by_boxes(space, unknown, 1000.0, bounds)
    assert len(bounds.pending()) == 0
    truth = attacker_bounds(cube, hidden)
    for row in np.flatnonzero(hidden):
        u = space.cube_cells[0][row]
        assert truth[row][0] - 1e-9 <= bounds.lower[u] and bounds.upper[u] <= truth[row][1] + 1e-9


@st.composite
def _tables(draw: st.DrawFn) -> tuple[Cube, np.ndarray]:
    dims = [_geo(), h.flat_dimension("nat", [f"n{i}" for i in range(draw(st.integers(2, 4)))]),
            h.flat_dimension("s", ["f", "m"])]
    size = int(np.prod([len(d.leaves()) for d in dims]))
    values = np.asarray(draw(st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 9, 15]), min_size=size, max_size=size)))
    cube = grid_cube(values, dims)
    hide = np.asarray(draw(st.lists(st.booleans(), min_size=len(cube.cells), max_size=len(cube.cells))))
    return cube, hide


@pytest.mark.parametrize("rule", list(RULES))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=_tables())
def test_box_bounds_lie_inside_the_independent_attackers_interval(rule: str, case: tuple[Cube, np.ndarray]) -> None:
    """Soundness: every widened bound is reached by some table the attacker must allow."""
    cube, hide = case
    x = cube.cells["value"].to_numpy()
    primary = (x <= 4) & ((x > 0) | RULES[rule])
    hidden = primary | hide
    space, unknown = _space_of(cube, hidden)
    bounds = Bounds.start(space.value, ProtectionInterval(3).requirements(space.value), unknown.copy())
    widen_by_boxes(space, unknown, 1.5 * x.max() + 10.0, bounds)
    truth = attacker_bounds(cube, hidden)
    for row in np.flatnonzero(hidden):
        u = space.cube_cells[0][row]
        assert truth[row][0] - 1e-6 <= bounds.lower[u] <= x[row] <= bounds.upper[u] <= truth[row][1] + 1e-6


def test_linked_cubes_reject_boxes_that_break_the_other_cubes_relations() -> None:
    """A box of the first cube that moves a cell the second cube adds up differently (x in group G, whose
    total the second cube publishes) breaks that relation: the numerical check drops it."""
    full = grid_cube(np.array([4, 6, 3, 5, 7, 2]), [h.flat_dimension("a", ["x", "y", "z"]), h.flat_dimension("b", ["u", "v"])])
    grouped = Dimension("a", {"_T": None, "G": "_T", "x": "G", "y": "G", "z": "_T"})
    margin = compute_margins(full.cells[full.cells["b"] == "_T"][["a", "value"]].query("a != '_T'")
                             .assign(n=lambda f: f["value"].astype(int)), [grouped])
    space = build_space([full, margin])
    hide = (cells_at(full, a="x") | cells_at(full, a="z")) & (cells_at(full, b="_T") | cells_at(full, b="u"))
    unknown = np.zeros(space.n, dtype=bool)
    unknown[space.cube_cells[0][hide]] = True
    bounds = Bounds.start(space.value, ProtectionInterval(1).requirements(space.value), unknown.copy())
    widen_by_boxes(space, unknown, 100.0, bounds)
    a = space.relations
    cols = np.flatnonzero(unknown)
    b = -(a[:, ~unknown] @ space.value[~unknown])
    for k, i in enumerate(cols):
        c = np.zeros(len(cols))
        c[k] = 1.0
        lo = linprog(c, A_eq=a[:, cols].toarray(), b_eq=b, bounds=(0, None), method="highs").fun
        hi = -linprog(-c, A_eq=a[:, cols].toarray(), b_eq=b, bounds=(0, None), method="highs").fun
        assert lo - 1e-9 <= bounds.lower[i] and bounds.upper[i] <= hi + 1e-9
    assert np.array_equal(bounds.upper[cols], space.value[cols])  # G published: nothing here can move
    alone, alone_unknown = _space_of(full, hide)
    free = Bounds.start(alone.value, ProtectionInterval(1).requirements(alone.value), alone_unknown.copy())
    assert widen_by_boxes(alone, alone_unknown, 100.0, free) >= 1  # the same box, without the second cube
