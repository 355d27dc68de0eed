"""Optimal suppression by MILP (HiGHS), Fischetti-Salazar style with one pair of perturbations per primary.

A primary cell p with value x is protected iff there are two perturbations g and h of the table, each
zero on published cells, each satisfying every relation, with x + g and x + h non-negative, g_p >= U_p,
h_p <= -L_p and g_p - h_p >= W_p (LP duality: the attacker's max is at least x_p + g_p, the min at most
x_p + h_p). Binary y_c marks suppressed cells; the links -x_c y_c <= g_c <= M y_c tie perturbations to
suppression. Minimising the cost of y over all primaries at once is the optimal method; the same model
on one cell and a neighbourhood of it (cells outside held fixed, a restriction, hence still sound) repairs
a cell the audit found too narrow.
"""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from atlas.protection.lp import INF, new_highs


def neighbourhood(relations: sp.csr_matrix, start: np.ndarray, radius: int, allowed: np.ndarray,
                  closed: bool = True, graph: tuple[sp.csr_matrix, sp.csr_matrix] | None = None) -> np.ndarray:
    """Cells within `radius` relation hops of `start`, walking only through `allowed` cells, closed downward.

    Every cell reached brings all its descendants along every hierarchy (the relations where it is the
    parent, recursively): a margin can only move together with the cells below it, so a hop to a margin
    is useless without them. With this closure, a d-dimensional box around a cell lies within d hops.
    `graph` (from `hop_graph`) saves rebuilding the patterns on repeated calls.
    """
    return rings(relations, start, radius, allowed, closed, graph)[-1]


def hop_graph(relations: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The patterns `neighbourhood` walks: every relation, and the parents' side of each."""
    return sp.csr_matrix((relations != 0).astype(np.int8)), sp.csr_matrix((relations > 0).astype(np.int8))


def rings(relations: sp.csr_matrix, start: np.ndarray, radius: int, allowed: np.ndarray, closed: bool = True,
          graph: tuple[sp.csr_matrix, sp.csr_matrix] | None = None) -> list[np.ndarray]:
    """`neighbourhood` at every radius from 1 to `radius` (one walk)."""
    pattern, parents = graph or hop_graph(relations)
    seen = np.zeros(relations.shape[1], dtype=bool)
    seen[start] = True
    if closed:
        seen = _descend(pattern, parents, seen, seen.copy(), allowed)
    frontier = seen.copy()
    out = []
    for _ in range(radius):
        rows = (pattern @ frontier.astype(np.int8)) > 0
        reach = (pattern.T @ rows.astype(np.int8)) > 0
        frontier = reach & ~seen & allowed
        if frontier.any():
            seen |= frontier
            if closed:
                seen = _descend(pattern, parents, seen, frontier, allowed)
        out.append(np.flatnonzero(seen))
    return out or [np.flatnonzero(seen)]


def _descend(pattern: sp.csr_matrix, parents: sp.csr_matrix, seen: np.ndarray, new: np.ndarray,
             allowed: np.ndarray) -> np.ndarray:
    while new.any():
        rows = (parents @ new.astype(np.int8)) > 0
        kids = ((pattern.T @ rows.astype(np.int8)) > 0) & ~seen & allowed
        seen = seen | kids
        new = kids
    return seen


def solve_pattern(relations: sp.csr_matrix, value: np.ndarray, cells: np.ndarray, targets: np.ndarray,
                  req: tuple[np.ndarray, np.ndarray, np.ndarray], cost: np.ndarray, fixed: np.ndarray,
                  forced: np.ndarray, time_limit: float,
                  moves: dict[int, tuple[float, float]] | None = None, relax: bool = False,
                  reach: float | None = None) -> np.ndarray | None:
    """Least-cost suppressed set within `cells` protecting every cell of `targets`; None if none found.

    `moves`, when given, receives for each target the (down, up) perturbation found: a certificate that the
    attacker's interval reaches at least from x + down to x + up. With `relax`, the LP relaxation is solved
    and every cell with a positive y is suppressed: more cells than needed, found fast, still protecting
    (rounding y up only loosens the links). `reach` caps how far a cell may move up (default: the largest
    value plus requirement); a small cap gives a much tighter LP relaxation, hence a fast MILP, and is
    still sound (it restricts the perturbations that serve as certificates).
    """
    if len(targets) == 0:
        return cells[fixed[cells]]
    pos = {int(c): k for k, c in enumerate(cells)}
    n, t = len(cells), len(targets)
    a = relations[:, cells]
    a = a[a.getnnz(axis=1) > 0].tocsr()
    v = np.maximum(value[cells], 0.0)
    big = reach or float(v.max() if n else 0.0) + max(float(r[targets].max()) if t else 0.0 for r in req) + 1.0
    y_lo = np.where(fixed[cells], 1.0, 0.0)
    y_hi = np.where(forced[cells] & ~fixed[cells], 0.0, 1.0)
    y_cost = np.where(fixed[cells], 0.0, cost[cells])
    nb = 2 * t
    eye = sp.identity(n, format="csr")
    blocks_a = sp.block_diag([a] * nb, format="csr") if nb else sp.csr_matrix((0, 0))
    link_lo = sp.hstack([sp.vstack([sp.diags(v)] * nb), sp.block_diag([eye] * nb)], format="csr")
    link_hi = sp.hstack([sp.vstack([-big * eye] * nb), sp.block_diag([eye] * nb)], format="csr")
    top = sp.hstack([sp.csr_matrix((blocks_a.shape[0], n)), blocks_a], format="csr")
    width_rows = sp.lil_matrix((t, n * (1 + nb)))
    f_lo = np.tile(-v, nb)
    f_hi = np.full(n * nb, big)
    for k, p in enumerate(targets):
        j = pos[int(p)]
        g, h = n * (1 + 2 * k) + j, n * (2 + 2 * k) + j
        width_rows[k, g], width_rows[k, h] = 1.0, -1.0
        f_lo[g - n] = max(f_lo[g - n], req[1][p])
        f_hi[h - n] = min(f_hi[h - n], -req[0][p])
        y_lo[j] = 1.0
    mat = sp.vstack([top, link_lo, link_hi, width_rows.tocsr()], format="csc")
    r_lo = np.concatenate([np.zeros(top.shape[0]), np.zeros(n * nb), np.full(n * nb, -INF), req[2][targets]])
    r_hi = np.concatenate([np.zeros(top.shape[0]), np.full(n * nb, INF), np.zeros(n * nb), np.full(t, INF)])
    col_lo = np.concatenate([y_lo, f_lo])
    col_hi = np.concatenate([y_hi, f_hi])
    cst = np.concatenate([y_cost, np.zeros(n * nb)])
    sol = _run(mat, r_lo, r_hi, col_lo, col_hi, cst, 0 if relax else n, time_limit)
    if sol is None:
        return None
    if moves is not None:
        for k, p in enumerate(targets):
            j = pos[int(p)]
            moves[int(p)] = (float(sol[n * (2 + 2 * k) + j]), float(sol[n * (1 + 2 * k) + j]))
    return cells[sol[:n] > (1e-9 if relax else 0.5)]


def _run(mat: sp.csc_matrix, r_lo: np.ndarray, r_hi: np.ndarray, c_lo: np.ndarray, c_hi: np.ndarray,
         cost: np.ndarray, n_int: int, time_limit: float) -> np.ndarray | None:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = mat.shape[1], mat.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, c_lo, c_hi
    lp.row_lower_, lp.row_upper_ = r_lo, r_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(float)
    if n_int:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_int + [highspy.HighsVarType.kContinuous] * (mat.shape[1] - n_int)
    h = new_highs(time_limit)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.25)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if h.getInfo().primal_solution_status != 2 or status == highspy.HighsModelStatus.kInfeasible:
        return None
    return np.asarray(h.getSolution().col_value)


def milp_size(n_cells: int, n_targets: int) -> int:
    """Number of variables of the compact model (used to decide whether `optimal` fits)."""
    return n_cells * (1 + 2 * n_targets)
