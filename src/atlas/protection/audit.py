"""Interval audit: the attacker's LP min and max of every suppressed cell, given everything published.

The attacker knows every published cell of the cubes released together and of earlier releases, every
additive relation, that tied cells are equal and that no cell is negative. Suppressed cells fall into
independent components (linked through relations holding two or more of them); each component is one
HiGHS model re-solved with changed costs. Components up to `exact_limit` cells get exact LP bounds for
every cell. In larger ones, a few interior-point LPs with signed sums of the still-unproven primary cells
yield feasible tables that prove most intervals wide enough (a feasible table is a certificate: the true
bounds are at least that wide). Such bounds are reported with `exact=False`; cells left unproven are
reported unprotected (conservative) and repaired by the suppression loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from atlas.protection.cube import Cube
from atlas.protection.interval import ProtectionInterval
from atlas.protection.lp import equality_lp, solve_costs
from atlas.protection.relations import CellSpace, build_space

EXACT_LIMIT = 1500
CERT_ROUNDS = 6


@dataclass
class AuditResult:
    """One row per suppressed cell of each cube: true value, LP lower/upper, requirement met or not."""

    cells: pd.DataFrame

    @property
    def ok(self) -> bool:
        return bool(self.cells["protected"].all())

    @property
    def failures(self) -> pd.DataFrame:
        return self.cells[~self.cells["protected"]]

    def summary(self) -> dict[str, int | bool]:
        """Counts stored with a release."""
        c = self.cells
        return {"suppressed": len(c), "primary": int(c["primary"].sum()), "exact": int(c["exact"].sum()),
                "exposed": int((c["upper"] - c["lower"] <= 1e-9).sum()), "unprotected": int((~c["protected"]).sum()),
                "ok": self.ok}


@dataclass
class SpaceAudit:
    """Audit on unified cells (internal form shared with the suppression loop)."""

    lower: np.ndarray
    upper: np.ndarray
    exact: np.ndarray
    protected: np.ndarray


def requirement_arrays(space: CellSpace, cubes: list[Cube], protection: ProtectionInterval,
                       need: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unified cell (lower, upper, width) requirement; zero for cells in no need of protection."""
    lo_pl = np.zeros(space.n)
    up_pl = np.zeros(space.n)
    for cube, idx in zip(cubes, space.cube_cells):
        for col, arr in (("lower_pl", lo_pl), ("upper_pl", up_pl)):
            if col in cube.cells:
                np.maximum.at(arr, idx, np.nan_to_num(cube.cells[col].to_numpy(dtype=float)))
    req = protection.requirements(space.value, lo_pl, up_pl)
    return tuple(np.where(need, r, 0.0) for r in req)  # type: ignore[return-value]


def audit_space(space: CellSpace, unknown: np.ndarray, req: tuple[np.ndarray, np.ndarray, np.ndarray],
                need: np.ndarray, *, exact_limit: int = EXACT_LIMIT) -> SpaceAudit:
    """Bounds of every unknown cell; `need` marks cells whose requirement `req` must hold."""
    x = space.value
    lower, upper = x.copy(), x.copy()
    exact = np.ones(space.n, dtype=bool)
    s = np.flatnonzero(unknown)
    if len(s):
        a = space.relations
        a_s = a[:, s].tocsr()
        b = -(a[:, np.flatnonzero(~unknown)] @ x[~unknown])
        rows = np.flatnonzero(a_s.getnnz(axis=1) > 0)
        a_s, b = a_s[rows], b[rows]
        cap = 1.5 * (np.abs(x).max() + max(r.max() for r in req)) + 1.0
        for cells, crow in _components(a_s):
            sub = a_s[crow][:, cells]
            lo, hi, ex = _component_bounds(sub, b[crow], x[s[cells]], tuple(r[s[cells]] for r in req),
                                           need[s[cells]], cap, exact_limit)
            lower[s[cells]], upper[s[cells]], exact[s[cells]] = lo, hi, ex
    protected = ProtectionInterval.holds(lower, upper, x, req) | ~need
    return SpaceAudit(lower, upper, exact, protected)


def _components(a_s: sp.csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
    m, n = a_s.shape
    pattern = (a_s != 0).astype(np.int8)
    graph = sp.bmat([[None, pattern.T], [pattern, None]], format="csr")
    _, lab = connected_components(graph, directed=False)
    cell_lab, row_lab = lab[:n], lab[n:]
    corder = np.argsort(cell_lab, kind="stable")
    rorder = np.argsort(row_lab, kind="stable")
    cb = np.searchsorted(cell_lab[corder], np.unique(cell_lab))
    ce = np.append(cb[1:], n)
    out = []
    for beg, end in zip(cb, ce):
        cells = corder[beg:end]
        l0 = cell_lab[cells[0]]
        rb, re = np.searchsorted(row_lab[rorder], [l0, l0 + 1])
        out.append((cells, np.sort(rorder[rb:re])))
    return out


def _component_bounds(a: sp.csr_matrix, b: np.ndarray, x: np.ndarray, req: tuple[np.ndarray, ...],
                      need: np.ndarray, cap: float, exact_limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = a.shape[1]
    if a.shape[0] == 0:
        return np.zeros(n), np.full(n, np.inf), np.ones(n, dtype=bool)
    if n > exact_limit:
        return _certify(a, b, x, req, need, cap)
    lo, hi = x.copy(), x.copy()
    h = equality_lp(a, b, np.full(n, cap))
    for j in range(n):
        _exact_cell(h, j, lo, hi)
    return lo, np.where(hi >= cap * (1 - 1e-9), np.inf, hi), np.ones(n, dtype=bool)


def _exact_cell(h: object, j: int, lo: np.ndarray, hi: np.ndarray) -> None:
    idx = np.array([j])
    res = solve_costs(h, idx, np.ones(1), maximize=True)
    if res is not None:
        np.minimum(lo, res[1], out=lo)
        np.maximum(hi, res[1], out=hi)
        hi[j] = res[0]
    if lo[j] > 1e-9:
        res = solve_costs(h, idx, np.ones(1), maximize=False)
        if res is not None:
            np.minimum(lo, res[1], out=lo)
            np.maximum(hi, res[1], out=hi)
            lo[j] = max(res[0], 0.0)
    else:
        lo[j] = 0.0


def _certify(a: sp.csr_matrix, b: np.ndarray, x: np.ndarray, req: tuple[np.ndarray, ...],
             need: np.ndarray, cap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inner bounds from a few interior-point solutions of signed sums over the still-unproven cells.

    Without crossover, HiGHS' IPM stops inside the optimal face rather than at a vertex, so one solution
    moves almost every cell away from its value at once. Cells still unproven after the rounds are
    reported unprotected (conservative); the suppression loop repairs them.
    """
    n = a.shape[1]
    lo, hi = x.copy(), x.copy()
    h = equality_lp(a, b, np.full(n, cap))
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    rng = np.random.default_rng(0)
    pending = np.flatnonzero(need & ~ProtectionInterval.holds(lo, hi, x, req))
    for r in range(CERT_ROUNDS):
        if len(pending) == 0:
            break
        signs = rng.choice([-1.0, 1.0], size=len(pending)) if r >= 2 else np.full(len(pending), 1.0 - 2 * r)
        res = solve_costs(h, pending, signs, maximize=True)
        if res is not None:
            np.minimum(lo, np.maximum(res[1], 0.0), out=lo)
            np.maximum(hi, res[1], out=hi)
        left = np.flatnonzero(need & ~ProtectionInterval.holds(lo, hi, x, req))
        if r >= 1 and len(left) == len(pending):
            break
        pending = left
    return lo, np.where(hi >= cap * (1 - 1e-9), np.inf, hi), np.zeros(n, dtype=bool)


def audit_intervals(cubes: list[Cube], suppressed: list[np.ndarray], protection: ProtectionInterval, *,
                    primary: list[np.ndarray] | None = None, published_before: list[Cube] | None = None,
                    exact_limit: int = EXACT_LIMIT) -> AuditResult:
    """LP min/max of every suppressed cell of `cubes` given all they publish (and earlier releases)."""
    from atlas.protection.status import cell_status

    status = cell_status(cubes, suppressed, primary, published_before)
    req = requirement_arrays(status.space, cubes, protection, status.need)
    res = audit_space(status.space, status.unknown, req, status.need, exact_limit=exact_limit)
    return to_result(status.space, cubes, suppressed, status.need, req, res)


def to_result(space: CellSpace, cubes: list[Cube], suppressed: list[np.ndarray], need: np.ndarray,
              req: tuple[np.ndarray, np.ndarray, np.ndarray], res: SpaceAudit) -> AuditResult:
    """Expand unified bounds to one row per suppressed cell of each cube."""
    frames = []
    for ci, (cube, idx) in enumerate(zip(cubes, space.cube_cells)):
        rows = np.flatnonzero(np.asarray(suppressed[ci], dtype=bool))
        u = idx[rows]
        frame = pd.DataFrame({"cube": ci, "row": rows, "cell": u, "value": space.value[u],
                              "lower": res.lower[u], "upper": res.upper[u], "primary": need[u],
                              "need_lower": req[0][u], "need_upper": req[1][u], "need_width": req[2][u],
                              "exact": res.exact[u], "protected": res.protected[u]})
        for d in cube.dim_names:
            frame[d] = cube.cells[d].to_numpy()[rows]
        frames.append(frame)
    return AuditResult(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
