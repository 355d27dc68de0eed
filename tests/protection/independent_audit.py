"""An attacker written from scratch for the tests: scipy linprog on equations built cell by cell.

It shares no code path with the engine (no CellSpace, no HiGHS wrapper): it rebuilds every relation of
a dense cube from its `Dimension` parents with plain Python loops, fixes the published cells, and asks
scipy.optimize.linprog for the min and max of each suppressed cell.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from atlas.protection.cube import Cube


def equations(cube: Cube) -> list[dict[int, float]]:
    """Every relation parent - sum(children) = 0 of `cube` as {row position: coefficient}."""
    names = cube.dim_names
    where = {tuple(r): i for i, r in enumerate(cube.cells[names].astype(str).itertuples(index=False))}
    out = []
    for key, i in where.items():
        for k, d in enumerate(cube.dimensions):
            kids = [c for c, p in d.parent.items() if p == key[k]]
            if not kids:
                continue
            eq = {i: 1.0}
            for c in kids:
                child = key[:k] + (c,) + key[k + 1:]
                if child in where:
                    eq[where[child]] = eq.get(where[child], 0.0) - 1.0
            out.append(eq)
    return out


def attacker_bounds(cube: Cube, suppressed: np.ndarray,
                    cells: np.ndarray | None = None) -> dict[int, tuple[float, float]]:
    """{row: (min, max)} of every suppressed cell (or of `cells` only); max is inf when unbounded."""
    x = cube.cells["value"].to_numpy(dtype=float)
    hidden = [int(i) for i in np.flatnonzero(suppressed)]
    col = {c: j for j, c in enumerate(hidden)}
    rows, rhs = [], []
    for eq in equations(cube):
        row = np.zeros(len(hidden))
        b = 0.0
        for i, a in eq.items():
            if i in col:
                row[col[i]] += a
            else:
                b -= a * x[i]
        if row.any():
            rows.append(row)
            rhs.append(b)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    out = {}
    wanted = col.items() if cells is None else ((int(i), col[int(i)]) for i in cells)
    for i, j in wanted:
        c = np.zeros(len(hidden))
        c[j] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0, lo.message
        out[i] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out
