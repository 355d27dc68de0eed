"""Fast first pass: rounds over all relations at once until each looks protectable on its own.

A relation holding exactly one suppressed cell gives that cell away by subtraction; a relation whose
published parent is the sum of suppressed children that are all small cannot let a primary child rise
far enough (the siblings that would have to fall are too small: tau-Argus' capacity check). Each round
(sparse matrix products, no loop per cell) gives every such relation one more suppressed cell among its
publishable cells, chosen by cost divided by how many such relations the cell mends at once, preferring
cells large enough to cover the relation's shortfall; a cell that would open relations holding no
suppressed cell yet (each then needing a partner of its own) costs `1 + DAMAGE` times more per such
relation, which keeps the pattern inside relations already opened (peer table, 1M records: 2,866
instead of 2,912 secondary cells with zeros primary, 2,868 after the pinned rounds below, and nothing
left to repair with zeros published).

Several picks of one round often mend the same relation, so `trim` then publishes again every added
cell, largest first, whose relations all stay mended without it. Given the cells in need, last rounds
mend the relations where a pinned one (`movable`: an empty cell can only rise, so chains of empty cells
pin each other) has nothing to move against; on the peer table with zeros primary this leaves the audit
nothing to refute. Necessary conditions, not sufficient (a cell can still be isolated by combining
several relations); the audit and its repair finish the job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

MAX_ROUNDS = 200
MAX_SWEEPS = 60
MAX_STALLED = 3  # rounds in a row without fewer pinned cells before the rest is left to the audit and repair
DAMAGE = 1.0  # any weight >= 1 gave the same patterns on the peer table; 0.1 and 0.5 fell in between


@dataclass
class _System:
    """The relation matrix in the forms the rounds read, built once."""

    pattern: sp.csr_matrix
    children: sp.csr_matrix
    parents: sp.csr_matrix
    csc: sp.csc_matrix
    row: np.ndarray
    col: np.ndarray
    kid: np.ndarray

    @classmethod
    def of(cls, relations: sp.csr_matrix) -> _System:
        coo = relations.tocoo()
        return cls(sp.csr_matrix((relations != 0).astype(np.int32)), sp.csr_matrix((relations < 0).astype(np.float64)),
                   sp.csr_matrix((relations > 0).astype(np.int32)), sp.csc_matrix(relations), coo.row, coo.col,
                   coo.data < 0)


def mend_singletons(relations: sp.csr_matrix, suppressed: np.ndarray, cost: np.ndarray, allowed: np.ndarray,
                    value: np.ndarray | None = None, rise: np.ndarray | None = None,
                    need: np.ndarray | None = None) -> np.ndarray:
    """`suppressed` grown until no relation holds exactly one suppressed cell (where a partner exists) and,
    with `value` and `rise` (how far each primary cell must be able to rise), no relation falls short;
    with `need` too, until no cell of `need` is pinned (`movable`)."""
    system = _System.of(relations)
    supp = _rounds(system, suppressed, cost, allowed, value, rise, None)
    supp = _trim(system, suppressed, supp, value, rise)
    if need is not None and value is not None:
        supp = _rounds(system, supp, cost, allowed, value, rise, need)
    return supp


def _rounds(system: _System, supp: np.ndarray, cost: np.ndarray, allowed: np.ndarray, value: np.ndarray | None,
            rise: np.ndarray | None, need: np.ndarray | None) -> np.ndarray:
    supp = supp.copy()
    fewest, stalled = np.inf, 0
    for _ in range(MAX_ROUNDS):
        short = _shortfall(system, supp, value, rise)
        count = system.pattern @ supp.astype(np.int32)
        stuck = np.zeros(len(short), dtype=bool)
        if need is not None and value is not None and stalled < MAX_STALLED:
            stuck, pinned = _stuck_rows(system, supp, value, need)
            stalled = stalled + 1 if pinned >= fewest else 0
            fewest = min(fewest, pinned)
            short = np.where(stuck, np.maximum(short, 1e-3), short)
        rows = np.flatnonzero((count == 1) | (short > 1e-9) | stuck)
        if len(rows) == 0:
            break
        opened = system.pattern.T @ (count == 0).astype(np.int32)
        chosen = _picks(system.pattern[rows], short[rows], supp, cost * (1.0 + DAMAGE * opened), allowed, value)
        if len(chosen) == 0:
            break
        supp[chosen] = True
    return supp


def movable(relations: sp.csr_matrix, supp: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which suppressed cells may rise, and which fall, as far as each relation alone can tell.

    A cell rising as a child needs a parent that may rise or a sibling that may fall; as a parent, a child
    that may rise (and the mirror for falling, which also needs a positive value). The largest sets
    meeting these conditions (a fixpoint; stopped after `MAX_SWEEPS`, they are only larger) contain every
    cell that moves in some feasible table, so a cell outside both is pinned: the audit would find it.
    """
    return _fixpoint(_System.of(relations), supp, value)[:2]


def _fixpoint(system: _System, supp: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(may rise, may fall, per relation entry: whether a rise of its cell is compensated there)."""
    r, c, kid = system.row, system.col, system.kid
    m, n = system.pattern.shape
    up, down = supp.copy(), supp & (value > 0)
    for _ in range(MAX_SWEEPS):
        par_up = np.bincount(r[~kid], weights=up[c[~kid]], minlength=m)
        par_down = np.bincount(r[~kid], weights=down[c[~kid]], minlength=m)
        kid_up = np.bincount(r[kid], weights=up[c[kid]], minlength=m)
        kid_down = np.bincount(r[kid], weights=down[c[kid]], minlength=m)
        ok_up = np.where(kid, (par_up[r] > 0) | (kid_down[r] - down[c] > 0), kid_up[r] > 0)
        ok_down = np.where(kid, (par_down[r] > 0) | (kid_up[r] - up[c] > 0), kid_down[r] > 0)
        new_up = up & (np.bincount(c[~ok_up], minlength=n) == 0)
        new_down = down & (np.bincount(c[~ok_down], minlength=n) == 0)
        if (new_up == up).all() and (new_down == down).all():
            break
        up, down = new_up, new_down
    return up, down, ok_up


def _stuck_rows(system: _System, supp: np.ndarray, value: np.ndarray, need: np.ndarray) -> tuple[np.ndarray, int]:
    """Relations where a pinned cell of `need` finds nothing to move against when it rises; how many are pinned."""
    up, down, ok_up = _fixpoint(system, supp, value)
    pinned = need & supp & ~up & ~down
    out = np.zeros(system.pattern.shape[0], dtype=bool)
    if pinned.any():
        out[system.row[pinned[system.col] & ~ok_up]] = True
    return out, int(pinned.sum())


def trim(relations: sp.csr_matrix, kept: np.ndarray, supp: np.ndarray, value: np.ndarray | None = None,
         rise: np.ndarray | None = None) -> np.ndarray:
    """`supp` without the cells outside `kept` (largest first) that no relation needs: each of their
    relations keeps two or more suppressed cells, or none, and no shortfall (`_shortfall`) appears."""
    return _trim(_System.of(relations), kept, supp, value, rise)


def _trim(system: _System, kept: np.ndarray, supp: np.ndarray, value: np.ndarray | None,
          rise: np.ndarray | None) -> np.ndarray:
    supp = supp.copy()
    csc = system.csc
    cnt = system.pattern @ supp.astype(np.int32)
    v = np.maximum(value, 0.0) if value is not None else np.zeros(len(supp))
    room = system.children @ np.where(supp, v, 0.0)
    want = np.zeros_like(room)
    if value is not None and rise is not None:
        want = _want(system, supp & kept, v, rise)
    hidden_parents = system.parents @ supp.astype(np.int32)
    added = np.flatnonzero(supp & ~kept)
    for c in added[np.lexsort((added, -v[added]))]:
        rows = csc.indices[csc.indptr[c]:csc.indptr[c + 1]]
        sign = csc.data[csc.indptr[c]:csc.indptr[c + 1]]
        if (cnt[rows] == 2).any():
            continue
        new_room = room[rows] - np.where(sign < 0, v[c], 0.0)
        open_parent = hidden_parents[rows] - (sign > 0) == 0
        if (open_parent & (want[rows] - new_room > 1e-9)).any():
            continue
        supp[c] = False
        cnt[rows] -= 1
        room[rows] = new_room
        hidden_parents[rows] -= (sign > 0).astype(np.int32)
    return supp


def _shortfall(system: _System, supp: np.ndarray, value: np.ndarray | None, rise: np.ndarray | None) -> np.ndarray:
    """Per relation with a published parent: how much the suppressed children lack to let each primary rise."""
    if value is None or rise is None:
        return np.zeros(system.children.shape[0])
    v = np.maximum(value, 0.0)
    room = system.children @ np.where(supp, v, 0.0)
    open_parent = (system.parents @ supp.astype(np.int32)) == 0
    return np.where(open_parent, np.maximum(_want(system, supp, v, rise) - room, 0.0), 0.0)


def _want(system: _System, supp: np.ndarray, v: np.ndarray, rise: np.ndarray) -> np.ndarray:
    """Per relation: the largest rise plus value among its suppressed children that must rise."""
    kids = system.children
    vals = np.where(supp & (rise > 0), rise + v, 0.0)[kids.indices]
    out = np.zeros(kids.shape[0])
    full = np.diff(kids.indptr) > 0
    if len(vals):
        out[full] = np.maximum.reduceat(vals, kids.indptr[:-1][full])
    return out


def _picks(sub: sp.csr_matrix, short: np.ndarray, supp: np.ndarray, cost: np.ndarray, allowed: np.ndarray,
           value: np.ndarray | None) -> np.ndarray:
    """One publishable cell per listed relation; shared picks are not doubled within the round."""
    mend = np.asarray(sub.sum(axis=0)).ravel()
    free = allowed & ~supp
    row_of = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
    cell = sub.indices
    ok = free[cell]
    if not ok.any():
        return np.array([], dtype=np.int64)
    row_of, cell = row_of[ok], cell[ok]
    small = (np.maximum(value[cell], 0.0) < short[row_of]) if value is not None else np.zeros(len(cell), dtype=bool)
    score = cost[cell] / (1.0 + mend[cell]) + small * (1.0 + cost.max())
    order = np.lexsort((cell, score, row_of))
    first = np.ones(len(order), dtype=bool)
    first[1:] = row_of[order][1:] != row_of[order][:-1]
    picks = cell[order][first]
    prow = row_of[order][first]
    taken = np.zeros(sub.shape[0], dtype=bool)
    by_cell = sub.tocsc()
    start, rows = by_cell.indptr, by_cell.indices
    chosen = []
    for k in np.lexsort((picks, -mend[picks])):
        if taken[prow[k]]:
            continue
        c = picks[k]
        chosen.append(c)
        taken[rows[start[c]:start[c + 1]]] = True
    return np.array(chosen, dtype=np.int64)
