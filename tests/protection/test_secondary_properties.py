"""Properties of secondary suppression and its audit on random hierarchical and linked tables.

Every check goes through the independent attacker (`independent_audit.py`: scipy linprog on equations
rebuilt cell by cell), never through the engine's own LP code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent_audit import attacker_bounds

from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.secondary import audit_intervals, protect_secondary
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    report_multiple_bugs=False)


def _dimension(draw: st.DrawFn, name: str, deep: bool) -> Dimension:
    parent: dict[str, str | None] = {"_T": None}
    for g in range(2):
        parent[f"{name}G{g}"] = "_T"
        for i in range(draw(st.integers(1, 3 if deep else 2))):
            code = f"{name}G{g}L{i}"
            parent[code] = f"{name}G{g}"
            if deep and draw(st.booleans()):
                for j in range(draw(st.integers(1, 2))):
                    parent[f"{code}M{j}"] = code
    return Dimension(name, parent)


@st.composite
def hierarchical_tables(draw: st.DrawFn) -> tuple[Cube, int]:
    """3-D tables, one dimension three levels deep, values 0..12 skewed toward small cells."""
    dims = [_dimension(draw, "a", True), _dimension(draw, "b", False), h.flat_dimension("c", ["u", "v"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=[d.name for d in dims]).to_frame(index=False)
    grid["value"] = np.asarray(draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 8, 12]), min_size=len(grid),
                                             max_size=len(grid))), dtype=float)
    cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    return cube, draw(st.integers(3, 5))


def _assert_protected(cube: Cube, suppressed: np.ndarray, primary: np.ndarray, k: int) -> None:
    bounds = attacker_bounds(cube, suppressed)
    x = cube.cells["value"].to_numpy()
    for i in np.flatnonzero(primary):
        lo, hi = bounds[i]
        assert hi - lo >= k - 1e-6, (i, x[i], lo, hi)


@SETTINGS
@given(hierarchical_tables())
def test_hierarchical_tables_survive_an_independent_attacker(case: tuple[Cube, int]) -> None:
    cube, k = case
    x = cube.cells["value"].to_numpy()
    primary = (x > 0) & (x < k)
    res = protect_secondary([cube], [primary], method="fast", protection=ProtectionInterval(k), time_limit=20)
    assert res.audit.ok
    _assert_protected(cube, res.suppressed[0], primary, k)


@SETTINGS
@given(hierarchical_tables())
def test_linked_tables_sharing_margins_survive_an_independent_attacker(case: tuple[Cube, int]) -> None:
    """The full table and two of its two-way margins as separate tables, released together."""
    cube, k = case
    x = cube.cells["value"].to_numpy()
    margins = []
    for drop in ("b", "c"):
        rows = (cube.cells[drop] == "_T").to_numpy()
        keep = [d for d in cube.dimensions if d.name != drop]
        margins.append((rows, Cube(keep, cube.cells[rows].drop(columns=drop).reset_index(drop=True))))
    cubes = [cube] + [m for _, m in margins]
    primary = [(x > 0) & (x < k)] + [np.zeros(len(m.cells), dtype=bool) for _, m in margins]
    res = protect_secondary(cubes, primary, method="fast", protection=ProtectionInterval(k), time_limit=20)
    assert res.audit.ok
    hidden = res.suppressed[0].copy()
    for (rows, _), s in zip(margins, res.suppressed[1:]):
        assert (hidden[rows] == s).all()  # a tied cell is suppressed in every table or in none
    _assert_protected(cube, hidden, primary[0], k)


@SETTINGS
@given(hierarchical_tables(), st.integers(0, 2**32 - 1))
def test_audit_verdict_matches_the_independent_attacker(case: tuple[Cube, int], seed: int) -> None:
    """Certificates and exact LPs together decide exactly: protected iff the attacker's interval is wide."""
    cube, k = case
    rng = np.random.default_rng(seed)
    x = cube.cells["value"].to_numpy()
    primary = (x > 0) & (x < k)
    hidden = primary | (rng.random(len(x)) < 0.35)
    audit = audit_intervals([cube], [hidden], ProtectionInterval(k), primary=[primary])
    bounds = attacker_bounds(cube, hidden)
    verdict = audit.cells.set_index("row")["protected"]
    for i in np.flatnonzero(primary):
        lo, hi = bounds[i]
        assert verdict[i] == (hi - lo >= k - 1e-6), (i, x[i], lo, hi)


def test_exhausted_budget_still_returns_an_audited_table() -> None:
    """With no time at all, the over-protecting fallback still yields a pattern the attacker cannot break."""
    rng = np.random.default_rng(0)
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(3)})
    dims = [Dimension("a", geo), h.flat_dimension("b", [f"b{i}" for i in range(4)]), h.flat_dimension("c", ["u", "v"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=["a", "b", "c"]).to_frame(index=False)
    grid["value"] = rng.choice([0.0, 1.0, 2.0, 3.0, 15.0], size=len(grid))
    cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    x = cube.cells["value"].to_numpy()
    primary = (x > 0) & (x < 10)
    res = protect_secondary([cube], [primary], method="fast", protection=ProtectionInterval(10), time_limit=0.0)
    assert res.budget_exhausted and res.fallback > 0
    assert res.audit.ok
    _assert_protected(cube, res.suppressed[0], primary, 10)
    patient = protect_secondary([cube], [primary], method="fast", protection=ProtectionInterval(10), time_limit=30)
    assert not patient.budget_exhausted and patient.n_secondary <= res.n_secondary


@pytest.mark.parametrize("method", ["auto", "optimal"])
def test_auto_and_optimal_finish_on_a_demo_sized_table(method: str) -> None:
    """495 cells, about a quarter primary (the demo's region x age x sex shape): seconds, not minutes."""
    rng = np.random.default_rng(11)
    dims = [h.flat_dimension("area", [f"r{i}" for i in range(8)]),
            h.flat_dimension("age", [f"g{i}" for i in range(10)]), h.flat_dimension("sex", ["f", "m", "o", "u"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=["area", "age", "sex"]).to_frame(index=False)
    scale = np.where(grid["sex"].isin(["f", "m"]), 60.0, 3.0)
    grid["value"] = rng.poisson(scale).astype(float)
    cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    x = cube.cells["value"].to_numpy()
    primary = (x > 0) & (x < 10)
    res = protect_secondary([cube], [primary], method=method, protection=ProtectionInterval(10), time_limit=30)
    assert res.audit.ok
    assert res.seconds < 30
    _assert_protected(cube, res.suppressed[0], primary, 10)
