"""Pair repair: free a pinned cell of a large sparse cube by trading one record with a sibling cell.

For two interior cells p and q of one cube, moving one unit from q to p (every cell above p up, every
cell above q down; the cells above both stay) keeps every relation. Once every cell of that symmetric
difference is suppressed, a cell c above p and not above q moves with it: its attacker's interval holds
[c - x_p, c + x_q], whatever else is published. So for each failing cell the repair picks an interior p
under it and a present sibling q of p in a dimension where c keeps p's leaf code, at the least cost of
the published cells to add, and suppresses them. More suppression never narrows an interval, so the
cells already proven stay proven, and the certificate itself is checked against every relation. This
needs no LP, which is what makes it usable where the pinned cells of one component number thousands.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from atlas.protection.ancestors import CubeTree
from atlas.protection.interval import ProtectionInterval
from atlas.protection.relations import CellSpace

MAX_CANDIDATES = 16
CHUNK = 20_000
SPREAD = 3  # q may differ from p in up to this many dimensions


@dataclass
class PairRepair:
    """Cells to suppress, the cells proven by their pairs, and the bounds each pair gives them."""

    add: np.ndarray
    proven: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def pair_repair(space: CellSpace, supp: np.ndarray, cells: np.ndarray, allowed: np.ndarray, costs: np.ndarray,
                req: tuple[np.ndarray, np.ndarray, np.ndarray]) -> PairRepair | None:
    """The cheapest pair certificate for each of `cells` (failing cells of a single cube); None for linked cubes."""
    tree = CubeTree.of(space)
    if tree is None or len(cells) == 0:
        return None
    coords = space.coords.astype(np.int64)
    leaf = tree.interior(space)
    p_of = _interior_under(space, cells, leaf, supp, tree)
    x = space.value
    best_cost = np.full(len(cells), np.inf)
    best_q = np.full(len(cells), -1)
    rows = np.flatnonzero(p_of >= 0)
    if len(rows) == 0:
        return PairRepair(np.zeros(space.n, dtype=bool), np.zeros(len(cells), dtype=bool), x[cells].copy(),
                          x[cells].copy())
    up_p = tree.up(space, coords[p_of[rows]])
    tie = x / (float(np.abs(x).sum()) + 1.0)  # among pairs adding as much, the one publishing the larger cells wins
    pool = np.flatnonzero(leaf)
    spreads = (itertools.combinations(tree.dims, m) for m in range(1, min(len(tree.dims), SPREAD) + 1))
    for spread in itertools.chain(*spreads):
        if np.isfinite(best_cost).all() and len(spread) > 2:
            break
        tgt, q = _candidates(space, coords, pool, p_of[rows], cells[rows], list(spread))
        for beg in range(0, len(tgt), CHUNK):
            t, qq = tgt[beg:beg + CHUNK], q[beg:beg + CHUNK]
            cost, feasible = _cost(up_p[t], tree.up(space, coords[qq]), supp, allowed, costs, tie)
            cost = np.where(feasible, cost, np.inf)
            order = np.lexsort((cost, t))
            first = order[np.concatenate([[True], t[order][1:] != t[order][:-1]])]
            r = rows[t[first]]
            better = cost[first] < best_cost[r]
            best_cost[r[better]], best_q[r[better]] = cost[first][better], qq[first][better]
    chosen = np.flatnonzero(best_q >= 0)
    lower, upper = x[cells].copy(), x[cells].copy()
    proven = np.zeros(len(cells), dtype=bool)
    add = np.zeros(space.n, dtype=bool)
    if len(chosen) == 0:
        return PairRepair(add, proven, lower, upper)
    delta = _signed(up_p[np.searchsorted(rows, chosen)], tree.up(space, coords[best_q[chosen]]), space.n)
    if abs(space.relations @ delta).count_nonzero():
        return PairRepair(add, proven, lower, upper)  # not one complete cube: leave the cells to the LP repairs
    sign = np.asarray(delta[cells[chosen], np.arange(len(chosen))]).ravel()
    xc, xp, xq = x[cells[chosen]], x[p_of[chosen]], x[best_q[chosen]]
    lo = np.where(sign > 0, xc - xp, xc - xq)
    hi = np.where(sign > 0, xc + xq, xc + xp)
    sl = cells[chosen]
    ok = (sign != 0) & ProtectionInterval.holds(np.maximum(lo, 0.0), hi, xc, (req[0][sl], req[1][sl], req[2][sl]))
    proven[chosen[ok]] = True
    lower[chosen[ok]], upper[chosen[ok]] = np.maximum(lo[ok], 0.0), hi[ok]
    touched = np.unique(delta[:, np.flatnonzero(ok)].indices)
    add[touched[~supp[touched]]] = True
    return PairRepair(add, proven, lower, upper)


def _interior_under(space: CellSpace, cells: np.ndarray, leaf: np.ndarray, supp: np.ndarray,
                    tree: CubeTree) -> np.ndarray:
    """A suppressed interior cell under each of `cells` (itself when interior); -1 where none is found."""
    out = np.where(leaf[cells], cells, -1)
    todo = np.flatnonzero(out < 0)
    if len(todo) == 0:
        return out
    interior = np.flatnonzero(leaf & supp)
    up = tree.up(space, space.coords[interior])
    targets = np.sort(cells[todo])
    flat = up.ravel()
    at = np.minimum(np.searchsorted(targets, flat), len(targets) - 1)
    hit = np.flatnonzero(targets[at] == flat)
    found, first = np.unique(at[hit], return_index=True)
    rank = np.searchsorted(targets, cells[todo])
    got = np.full(len(targets), -1)
    got[found] = interior[hit[first] // up.shape[1]]
    out[todo] = got[rank]
    return out


def _candidates(space: CellSpace, coords: np.ndarray, pool: np.ndarray, p: np.ndarray, c: np.ndarray,
                spread: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(target row, q) pairs: up to `MAX_CANDIDATES` present interior cells q that agree with p outside the
    dimensions `spread` and differ from it in one of them where the target c keeps p's code (q not under c)."""
    def key(cc: np.ndarray) -> np.ndarray:
        cc = cc.copy()
        cc[:, spread] = 0
        return cc @ space.mult
    pool_keys = key(coords[pool])
    order = np.argsort(pool_keys, kind="stable")
    sorted_keys, members = pool_keys[order], pool[order]
    k = key(coords[p])
    beg, end = np.searchsorted(sorted_keys, k), np.searchsorted(sorted_keys, k, side="right")
    tgt, q = [], []
    for off in range(MAX_CANDIDATES + 1):
        has = beg + off < end
        t = np.flatnonzero(has)
        cand = members[beg[t] + off]
        differs = np.zeros(len(t), dtype=bool)
        for j in spread:
            differs |= (coords[c[t], j] == coords[p[t], j]) & (coords[cand, j] != coords[p[t], j])
        tgt.append(t[differs])
        q.append(cand[differs])
    return np.concatenate(tgt), np.concatenate(q)


def _cost(up_p: np.ndarray, up_q: np.ndarray, supp: np.ndarray, allowed: np.ndarray, costs: np.ndarray,
          tie: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost of the published cells in each pair's symmetric difference, and whether all may be suppressed.

    With both lists built over the same level combinations, a cell above both sits at the same position
    in each (leaves of balanced hierarchies); elsewhere a shared cell may be counted twice, which only
    overstates a cost: the cells suppressed come from the checked directions, not from this estimate."""
    cost = np.zeros(len(up_p))
    feasible = np.ones(len(up_p), dtype=bool)
    same = up_p.shape == up_q.shape
    for a, b in ((up_p, up_q), (up_q, up_p)):
        only = (a >= 0) & ((a != b) if same else ~(a[:, :, None] == b[:, None, :]).any(axis=2))
        cell = np.maximum(a, 0)
        published = only & ~supp[cell]
        cost += np.where(published, costs[cell] + tie[cell], 0.0).sum(axis=1)
        feasible &= ~(published & ~allowed[cell]).any(axis=1)
    return cost, feasible


def _signed(up_p: np.ndarray, up_q: np.ndarray, n: int) -> sp.csc_matrix:
    """Columns +1 on the cells above p, -1 above q (cells above both cancel): one direction per pair."""
    rows = np.concatenate([up_p.ravel(), up_q.ravel()])
    cols = np.concatenate([np.repeat(np.arange(len(up_p)), up_p.shape[1]), np.repeat(np.arange(len(up_q)), up_q.shape[1])])
    vals = np.concatenate([np.ones(up_p.size), -np.ones(up_q.size)])
    ok = rows >= 0
    m = sp.csc_matrix((vals[ok], (rows[ok], cols[ok])), shape=(n, len(up_p)))
    m.sum_duplicates()
    m.eliminate_zeros()
    return m
