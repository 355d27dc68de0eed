"""Pair repair: each certificate must hold against an independent attacker on the repaired pattern."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent_audit import attacker_bounds

from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.pairs import pair_repair
from atlas.protection.relations import build_space
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins


def _sparse_cube(seed: int, rows: int) -> Cube:
    rng = np.random.default_rng(seed)
    geo: dict[str, str | None] = {"_T": None, "A": "_T", "B": "_T"}
    geo.update({f"{g}{i}": g for g in "AB" for i in range(3)})
    dims = [Dimension("geo", geo), h.flat_dimension("age", ["a0", "a1", "a2"]), h.flat_dimension("s", ["f", "m"]),
            h.flat_dimension("nat", ["n0", "n1", "n2", "n3"])]
    df = pd.DataFrame({d.name: rng.choice(d.leaves(), rows) for d in dims})
    fin = df.groupby(list(df.columns)).size().rename("n").reset_index()
    return compute_margins(fin.assign(value=fin["n"].astype(float)), dims, dense=False)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), rows=st.integers(40, 200), k=st.sampled_from([0.0, 3.0]))
def test_pair_certificates_survive_the_independent_attacker(seed: int, rows: int, k: float) -> None:
    cube = _sparse_cube(seed, rows)
    space = build_space([cube])
    x = space.value
    primary = x <= 2
    req = ProtectionInterval(k).requirements(x)
    req = (np.where(primary, req[0], 0), np.where(primary, req[1], 0), np.where(primary, req[2], 1e-3))
    got = pair_repair(space, primary.copy(), np.flatnonzero(primary), np.ones(space.n, dtype=bool),
                      np.ones(space.n), req)
    assert got is not None
    targets = np.flatnonzero(primary)
    assert got.proven.any()
    pattern = primary | got.add
    at = {int(u): i for i, u in enumerate(space.cube_cells[0])}
    sup = np.zeros(len(cube.cells), dtype=bool)
    sup[[at[int(u)] for u in np.flatnonzero(pattern)]] = True
    proven = targets[got.proven]
    pick = proven[:: max(1, len(proven) // 10)]
    truth = attacker_bounds(cube, sup, np.array([at[int(u)] for u in pick]))
    for u in pick:
        lo, hi = truth[at[int(u)]]
        j = int(np.searchsorted(targets, u))
        assert lo <= got.lower[j] + 1e-9 and got.upper[j] <= hi + 1e-9
        assert ProtectionInterval.holds(np.array([lo]), np.array([hi]), x[u:u + 1],
                                        (req[0][u:u + 1], req[1][u:u + 1], req[2][u:u + 1]))[0]


def test_cells_that_may_not_be_suppressed_are_never_added() -> None:
    cube = _sparse_cube(3, 150)
    space = build_space([cube])
    x = space.value
    primary = x <= 2
    req = ProtectionInterval(0).requirements(x)
    allowed = np.ones(space.n, dtype=bool)
    allowed[np.argmax(x)] = False
    allowed[np.random.default_rng(0).random(space.n) < 0.1] = False
    got = pair_repair(space, primary.copy(), np.flatnonzero(primary), allowed, np.ones(space.n), req)
    assert got is not None and got.proven.any()
    assert not (got.add & ~allowed).any()
    assert pair_repair(build_space([cube, cube]), primary, np.flatnonzero(primary), allowed, np.ones(space.n),
                       req) is None
