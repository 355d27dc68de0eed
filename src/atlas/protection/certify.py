"""Cheap proofs that suppressed cells are protected: feasible tables far from the true one.

Any table that satisfies every relation, agrees with every published cell and is non-negative is a
certificate: the attacker's interval of each cell stretches at least from the true value to that table's
value. A few such tables prove most cells of a component at once, so the exact LP per cell (min and max)
is needed only for the few left. Certificates come from, cheapest per proven cell first:

1. the interior-point centre (zero objective, no crossover) of the cells near those still unproven after
   the box certificates of `atlas.protection.boxes`, then of the whole component when many are left: it
   moves almost every cell that can move at all (large components only);
2. simplex solves of signed sums of the cells still unproven (warm-started: one model, costs changed);
3. the same LP restricted to a cell's neighbourhood (closed down the hierarchies, see
   `milp.neighbourhood`) with the cells outside held at their true values (a restriction: still a
   certificate for the whole table), for the last few cells of a large component.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from atlas.protection.interval import ProtectionInterval
from atlas.protection.lp import equality_lp, solve_costs
from atlas.protection.milp import hop_graph, rings

CENTRE_ABOVE = 400
SUM_ROUNDS = 12
SUM_PROGRESS = 0.05
LOCAL_RADII = (1, 2, 3)
LOCAL_BELOW = 6_000
FEASIBLE = 1e-9


@dataclass
class Bounds:
    """Inner bounds of one component's cells; `exact` where min and max were both solved exactly."""

    x: np.ndarray
    req: tuple[np.ndarray, np.ndarray, np.ndarray]
    need: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    exact: np.ndarray
    refuted: np.ndarray

    @classmethod
    def start(cls, x: np.ndarray, req: tuple[np.ndarray, ...], need: np.ndarray) -> Bounds:
        n = len(x)
        return cls(x, req, need, x.copy(), x.copy(), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))  # type: ignore[arg-type]

    def see(self, table: np.ndarray) -> None:
        """Widen every interval to hold `table` (a feasible table of the component)."""
        np.minimum(self.lower, np.maximum(table, 0.0), out=self.lower)
        np.maximum(self.upper, table, out=self.upper)

    def pending(self) -> np.ndarray:
        """Cells that must be protected and are neither proven nor refuted yet."""
        ok = ProtectionInterval.holds(self.lower, self.upper, self.x, self.req)
        return np.flatnonzero(self.need & ~ok & ~self.refuted)

    def holds_at(self, j: int, lo: float, hi: float) -> bool:
        s = slice(j, j + 1)
        return bool(ProtectionInterval.holds(np.array([lo]), np.array([hi]), self.x[s],
                                             (self.req[0][s], self.req[1][s], self.req[2][s]))[0])

    def proven(self, j: int) -> bool:
        return not self.need[j] or self.holds_at(j, self.lower[j], self.upper[j])


def centre(a: sp.csr_matrix, b: np.ndarray, cap: np.ndarray, deadline: float | None = None) -> np.ndarray | None:
    """A point deep inside {u >= 0, u <= cap, a u = b}: interior-point method on a zero objective.

    With presolve first (2-7x faster here); its postsolved point can miss the equations by more than the
    certificates may (seen: 3.5e-6), so every point is checked (absolute error at most `FEASIBLE`, far
    below the 1e-6 a cell must move to count) and, when off, solved again without presolve.
    """
    for presolve in ("on", "off"):
        h = equality_lp(a, b, cap)
        if deadline is not None:
            h.setOptionValue("time_limit", max(0.1, deadline - time.perf_counter()))
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("presolve", presolve)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        z = np.asarray(h.getSolution().col_value)
        if np.abs(a @ z - b).max(initial=0.0) <= FEASIBLE and z.min(initial=0.0) >= -FEASIBLE:
            return z
    return None


class Centres:
    """Interior-point centres of parts of one component: the cells near the unproven ones, every other
    cell held at its true value (a restriction, so each centre is a certificate for the whole component)."""

    def __init__(self, a: sp.csr_matrix, cap: np.ndarray) -> None:
        self.a, self.cap = a, cap
        self.by_col = sp.csc_matrix(a)

    def near(self, cells: np.ndarray, radius: int) -> np.ndarray:
        """Cells within `radius` relation hops of `cells`."""
        seen = np.zeros(self.a.shape[1], dtype=bool)
        seen[cells] = True
        frontier = np.asarray(cells)
        for _ in range(radius):
            rows = np.unique(self.by_col[:, frontier].indices)
            reach = np.unique(self.a[rows].indices)
            frontier = reach[~seen[reach]]
            seen[frontier] = True
        return np.flatnonzero(seen)

    def run(self, bounds: Bounds, cells: np.ndarray, deadline: float | None = None) -> None:
        """Widen `bounds` by the centre of the table restricted to `cells`."""
        rows = np.unique(self.by_col[:, cells].indices)
        sub = self.a[rows][:, cells]
        z = centre(sub, sub @ bounds.x[cells], self.cap[cells], deadline)
        if z is not None:
            full = bounds.x.copy()
            full[cells] = z
            bounds.see(full)


def sum_rounds(h: highspy.Highs, bounds: Bounds, rounds: int = SUM_ROUNDS) -> None:
    """Maximise, then minimise, then randomly signed sums of the unproven cells; stop when a round proves
    fewer than `SUM_PROGRESS` of them (the exact LPs are then cheaper)."""
    rng = np.random.default_rng(0)
    pending = bounds.pending()
    for r in range(rounds):
        if len(pending) == 0:
            return
        signs = np.full(len(pending), 1.0 - 2 * r) if r < 2 else rng.choice([-1.0, 1.0], size=len(pending))
        res = solve_costs(h, pending, signs, maximize=True)
        if res is not None:
            bounds.see(res[1])
        left = bounds.pending()
        if r >= 1 and len(pending) - len(left) <= SUM_PROGRESS * len(pending):
            return
        pending = left


def exact_cells(h: highspy.Highs, bounds: Bounds, cells: np.ndarray, deadline: float | None = None) -> None:
    """Exact LP max (and min when still needed) of each unproven cell of `cells`, until `deadline`."""
    for j in cells:
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            h.setOptionValue("time_limit", left)
        if bounds.proven(j):
            continue
        idx = np.array([j])
        up = solve_costs(h, idx, np.ones(1), maximize=True)
        if up is None:
            continue
        bounds.see(up[1])
        bounds.upper[j] = up[0]
        down = solve_costs(h, idx, np.ones(1), maximize=False) if bounds.x[j] > 1e-9 else (0.0, None)
        if down is None:
            continue
        if down[1] is not None:
            bounds.see(down[1])
        bounds.lower[j] = max(down[0], 0.0)
        bounds.exact[j] = True


def local_cells(a: sp.csr_matrix, bounds: Bounds, cells: np.ndarray, cap: np.ndarray,
                deadline: float | None = None) -> None:
    """Decide cells on their neighbourhood alone: proven when the neighbourhood with the cells outside held
    at their true values (a restriction) is wide enough; refuted when the neighbourhood with the relations
    reaching outside dropped (a relaxation, whose interval holds the true one) is too narrow."""
    graph = hop_graph(a)
    pattern = graph[0]
    by_col = pattern.T.tocsr()
    row_len = np.diff(pattern.indptr)
    everywhere = np.ones(a.shape[1], dtype=bool)
    for j in cells:
        if bounds.proven(j) or bounds.refuted[j]:
            continue
        walk = rings(a, np.array([j]), max(LOCAL_RADII), everywhere, True, graph)
        for radius in LOCAL_RADII:
            if bounds.proven(j) or bounds.refuted[j] or (deadline is not None and time.perf_counter() > deadline):
                break
            nb = walk[min(radius, len(walk)) - 1]
            if len(nb) > LOCAL_BELOW:
                break
            rows = np.unique(by_col[nb].indices)
            sub = a[rows][:, nb]
            pos = int(np.searchsorted(nb, j))
            inner = extremes(sub, bounds.x[nb], cap[nb], pos)
            for table in inner[2]:
                full = bounds.x.copy()
                full[nb] = table
                bounds.see(full)
            if bounds.proven(j):
                break
            inside = np.diff(sub.indptr) == row_len[rows]
            lo, hi, _ = extremes(sub[inside], bounds.x[nb], cap[nb], pos)
            hi = np.inf if hi >= cap[j] * (1 - 1e-9) else hi
            if not bounds.holds_at(j, lo, hi):
                bounds.refuted[j] = True
                bounds.lower[j], bounds.upper[j] = lo, hi


def extremes(sub: sp.csr_matrix, x: np.ndarray, cap: np.ndarray, pos: int) -> tuple[float, float, list[np.ndarray]]:
    """LP min and max of cell `pos` over {u >= 0, u <= cap, sub u = sub x}, with the tables reaching them."""
    if sub.shape[0] == 0:
        return 0.0, np.inf, []
    h = equality_lp(sub, sub @ x, cap)
    lo, hi = x[pos], x[pos]
    tables: list[np.ndarray] = []
    for sense in (True, False):
        if not sense and x[pos] <= 1e-9:
            lo = 0.0
            continue
        res = solve_costs(h, np.array([pos]), np.ones(1), maximize=sense)
        if res is None:
            return x[pos], x[pos], tables
        tables.append(res[1])
        hi, lo = (res[0], lo) if sense else (hi, max(res[0], 0.0))
    return lo, hi, tables
