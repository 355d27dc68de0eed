"""The interval audit on tables large enough for boxes and restricted centres: same verdict as an attacker
written from scratch, and bounds that are inner bounds of the attacker's interval."""

from __future__ import annotations

import numpy as np
import pytest
from grids import grid_cube
from independent_audit import attacker_bounds

from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.secondary import audit_intervals
from atlas.tables import hierarchy as h

RULES = {"zeros published": False, "zeros primary": True}


def _table(seed: int) -> Cube:
    rng = np.random.default_rng(seed)
    geo: dict[str, str | None] = {"_T": None, **{f"R{r}": "_T" for r in range(3)}}
    geo.update({f"R{r}A{i}": f"R{r}" for r in range(3) for i in range(5)})
    dims = [Dimension("geo", geo), h.flat_dimension("nat", [f"n{i}" for i in range(14)]), h.flat_dimension("s", ["f", "m"])]
    return grid_cube(np.floor(rng.lognormal(0.6, 1.1, int(np.prod([len(d.leaves()) for d in dims])))), dims)


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("seed", [0, 1])
def test_large_component_verdicts_match_the_independent_attacker(rule: str, seed: int) -> None:
    """Over 400 suppressed cells in one component: boxes, restricted centres and the LPs after them decide
    every primary cell exactly as the attacker does, and never report a bound the attacker cannot reach."""
    cube = _table(seed)
    x = cube.cells["value"].to_numpy()
    primary = (x <= 4) & ((x > 0) | RULES[rule])
    rng = np.random.default_rng(seed + 10)
    hidden = primary | (rng.random(len(x)) < 0.3)
    assert hidden.sum() > 400
    audit = audit_intervals([cube], [hidden], ProtectionInterval(3), primary=[primary])
    rows = audit.cells.set_index("row")
    check = np.flatnonzero(primary)
    check = np.union1d(check[:: max(1, len(check) // 60)], rows.index[~rows["protected"]].to_numpy())
    truth = attacker_bounds(cube, hidden, check)
    for i in check:
        lo, hi = truth[int(i)]
        got = rows.loc[i]
        assert got["protected"] == (hi - lo >= 3 - 1e-6), (i, x[i], lo, hi, got["lower"], got["upper"])
        assert lo - 1e-6 <= got["lower"] and got["upper"] <= hi + 1e-6
