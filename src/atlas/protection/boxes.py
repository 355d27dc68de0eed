"""Box certificates: directions that change no relation, found combinatorially before any LP.

For a cube (a product of hierarchies) the tensor product of one null vector per dimension is a null
vector of every relation of the cube. Through a cell's code c, each dimension offers a swap (+ c and a
path from c down to a leaf, - a sibling of c and a path down from it) or a path (+ every ancestor of c, c
and a path down to a leaf). When every corner of such a box is suppressed, moving the table along it keeps
every published cell, so the two tables at the ends of the feasible step are certificates for all its
corners at once (2^d cells for the classic hypercube of a cell and one sibling per dimension).

Candidates are built heuristically (suppressed siblings and children of largest value first) and trusted
for nothing: `apply_directions` keeps only directions supported on unknown cells with A v = 0 checked
numerically, and takes the step lengths from the true values and the caps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from atlas.protection.certify import Bounds
from atlas.protection.cube import Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.relations import CellSpace

log = logging.getLogger(__name__)

PASSES = ((2, 1), (16, 1))
BATCH = 4_096
TOL = 1e-9
MIN_YIELD = 0.02
DENSE_MAX = 1 << 24


@dataclass
class _Axis:
    """One dimension of one cube: its hierarchy on the unified codes and the unknown cells by parent line."""

    j: int
    step: int
    parent: np.ndarray
    leaf: np.ndarray
    depth: np.ndarray
    height: int
    gkeys: np.ndarray
    gstart: np.ndarray
    gsize: np.ndarray
    members: np.ndarray
    where: np.ndarray


@dataclass
class _Pattern:
    """Per target, the signed codes of one dimension's null vector (-1 / 0 padding) and whether it exists."""

    codes: np.ndarray
    signs: np.ndarray
    ok: np.ndarray


def _axis(space: CellSpace, j: int, dim: Dimension, cells: np.ndarray) -> _Axis:
    pos = {c: i for i, c in enumerate(space.codes[j])}
    parent = np.full(len(space.codes[j]), -1, dtype=np.int64)
    has_kids = np.zeros(len(parent), dtype=bool)
    for c, p in dim.parent.items():
        if p is not None:
            parent[pos[c]] = pos[p]
            has_kids[pos[p]] = True
    depth = np.zeros(len(parent), dtype=np.int64)
    cur = parent.copy()
    while (cur >= 0).any():
        depth += cur >= 0
        cur = np.where(cur >= 0, parent[np.maximum(cur, 0)], -1)
    step = int(space.mult[j])
    c = space.coords[cells, j].astype(np.int64)
    cells = cells[parent[c] >= 0]
    c = space.coords[cells, j].astype(np.int64)
    line = space.keys[cells] + (parent[c] - c) * step
    order = np.lexsort((cells, -space.value[cells], line))
    gkeys, gstart, gsize = np.unique(line[order], return_index=True, return_counts=True)
    where = np.full(space.n, -1, dtype=np.int64)
    where[cells[order]] = np.arange(len(order))
    return _Axis(j, step, parent, ~has_kids, depth, int(depth.max(initial=0)), gkeys, gstart, gsize, cells[order],
                  where)


@dataclass
class _View:
    """The cell keys and coordinates the search reads, with a direct key -> cell map when it is small."""

    space: CellSpace
    keys: np.ndarray
    coords: np.ndarray
    dense: np.ndarray | None

    @property
    def n(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, space: CellSpace) -> _View:
        size = int(np.prod(space.radix.astype(float)))
        dense = None
        if size <= max(DENSE_MAX, 4 * space.n):
            dense = np.full(size, -1, dtype=np.int32)
            dense[space.keys] = np.arange(space.n)
        return cls(space, space.keys, space.coords, dense)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Index of each cell key (-1 where the cell is absent: a published zero)."""
        if self.dense is not None:
            inside = (keys >= 0) & (keys < len(self.dense))
            return np.where(inside, self.dense[np.where(inside, keys, 0)], -1).astype(np.int64)
        return self.space.find(keys)


def _member(ax: _Axis, line: np.ndarray, rank: np.ndarray | int) -> np.ndarray:
    """The `rank`-th largest unknown cell on each parent line `line` (-1 when there is none)."""
    g = np.minimum(np.searchsorted(ax.gkeys, line), len(ax.gkeys) - 1)
    ok = (ax.gkeys[g] == line) & (ax.gsize[g] > rank) if len(ax.gkeys) else np.zeros(len(line), dtype=bool)
    at = np.where(ok, ax.gstart[g] + rank, 0) if len(ax.gkeys) else np.zeros(len(line), dtype=np.int64)
    return np.where(ok, ax.members[at] if len(ax.members) else -1, -1)


def _down(space: _View, ax: _Axis, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a path from each cell down to a leaf through unknown cells (largest child first)."""
    out = np.full((len(cells), ax.height + 1), -1, dtype=np.int64)
    ok = cells >= 0
    cur = np.where(ok, cells, 0)
    out[:, 0] = np.where(ok, space.coords[cur, ax.j], -1)
    for k in range(1, ax.height + 1):
        more = ok & (out[:, k - 1] >= 0) & ~ax.leaf[np.maximum(out[:, k - 1], 0)]
        if not more.any():
            break
        kid = _member(ax, space.keys[cur], 0)
        ok &= ~more | (kid >= 0)
        step = more & ok
        cur = np.where(step, kid, cur)
        out[:, k] = np.where(step, space.coords[cur, ax.j], -1)
    return out, ok


def _up(space: _View, ax: _Axis, cells: np.ndarray, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the strict ancestors of each cell along `ax` (parent first), and whether each is unknown."""
    out = np.full((len(cells), ax.height), -1, dtype=np.int64)
    hid = np.zeros((len(cells), ax.height), dtype=bool)
    c = space.coords[cells, ax.j].astype(np.int64)
    cur = ax.parent[c]
    for k in range(ax.height):
        has = cur >= 0
        if not has.any():
            break
        idx = space.find(space.keys[cells] + (np.maximum(cur, 0) - c) * ax.step)
        hid[:, k] = has & (idx >= 0) & unknown[np.maximum(idx, 0)]
        out[:, k] = cur
        cur = np.where(has, ax.parent[np.maximum(cur, 0)], -1)
    return out, hid


def options(ax: _Axis, ranks: int) -> list[tuple[int, int]]:
    """(levels up, sibling rank) of the swaps tried along `ax`, best first; rank -1 is the path to the root."""
    first = [(u, 0) for u in range(ax.height)]
    return first + [(0, -1)] + [(u, r) for r in range(1, ranks) for u in range(ax.height)]


@dataclass
class _Along:
    """What every option of one axis needs for a batch of cells: ancestors, the path down, and per level up
    the sibling group of the ancestor there (index into the axis' groups, its own rank, usable or not)."""

    depth: np.ndarray
    anc: np.ndarray
    hid: np.ndarray
    down: np.ndarray
    down_ok: np.ndarray
    groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]]


def _along(space: _View, ax: _Axis, cells: np.ndarray, unknown: np.ndarray) -> _Along:
    c = space.coords[cells, ax.j].astype(np.int64)
    depth = ax.depth[c]
    anc, hid = _up(space, ax, cells, unknown)
    down, down_ok = _down(space, ax, cells)
    groups = []
    for u in range(ax.height):
        ok = down_ok & (depth > u) & hid[:, :u].all(axis=1)
        top = cells if u == 0 else space.find(space.keys[cells] + (np.maximum(anc[:, u - 1], 0) - c) * ax.step)
        ok &= top >= 0
        top = np.maximum(top, 0)
        tc = space.coords[top, ax.j].astype(np.int64)
        line = space.keys[top] + (ax.parent[tc] - tc) * ax.step
        g = np.minimum(np.searchsorted(ax.gkeys, line), max(len(ax.gkeys) - 1, 0))
        ok &= (ax.gkeys[g] == line) if len(ax.gkeys) else False
        me = np.where(ok, ax.where[top] - ax.gstart[g] if len(ax.gkeys) else -1, -1)
        groups.append((g, me, ok & (me >= 0)))
    return _Along(depth, anc, hid, down, down_ok, groups)


def _pattern(space: _View, ax: _Axis, al: _Along, rows: np.ndarray, option: tuple[int, int]) -> _Pattern:
    """For cells `rows` of the batch: swap of the ancestor `u` levels up (the cell itself for 0) with its
    `r`-th largest other sibling, each with a path down through the cell or to a leaf; or (r = -1) the path
    from the root through the cell."""
    u, r = option
    depth, anc, down = al.depth[rows], al.anc[rows], al.down[rows]
    ok = al.down_ok[rows]
    levels = np.arange(ax.height)[None, :]
    if r < 0:
        u_eff = depth
        ok = ok & (al.hid[rows] | (levels >= depth[:, None])).all(axis=1)
        theirs = np.full((len(rows), 0), -1, dtype=np.int64)
    else:
        g, me, ok_u = (arr[rows] for arr in al.groups[u])
        rank = r + (me <= r)
        ok = ok & ok_u & (ax.gsize[g] > rank) if len(ax.gkeys) else np.zeros(len(rows), dtype=bool)
        partner = np.where(ok, ax.members[np.where(ok, ax.gstart[g] + rank, 0)] if len(ax.members) else -1, -1)
        theirs, ok2 = _down(space, ax, partner)
        ok &= ok2
        u_eff = np.full(len(rows), u)
    lifted = np.where(levels < u_eff[:, None], anc, -1)
    codes = np.concatenate([lifted, down, theirs], axis=1)
    signs = np.concatenate([np.where(lifted >= 0, 1, 0), np.where(down >= 0, 1, 0), np.where(theirs >= 0, -1, 0)],
                           axis=1)
    first = np.argsort(signs == 0, axis=1, kind="stable")
    codes = np.take_along_axis(codes, first, axis=1)
    signs = np.take_along_axis(signs, first, axis=1).astype(np.int8)
    return _Pattern(codes, signs, ok)


@dataclass
class _States:
    """Partial boxes: target (index into the batch), corner keys and signs (0 = padding), and the least
    value among the corners moving with the target (`plus`) and against it (`minus`)."""

    tgt: np.ndarray
    keys: np.ndarray
    signs: np.ndarray
    plus: np.ndarray
    minus: np.ndarray

    @classmethod
    def concat(cls, parts: list[_States]) -> _States:
        width = max(p.keys.shape[1] for p in parts)
        pad = [(p.keys.shape[0], width - p.keys.shape[1]) for p in parts]
        return cls(np.concatenate([p.tgt for p in parts]),
                   np.concatenate([np.hstack([p.keys, np.zeros(w, dtype=np.int64)]) for p, w in zip(parts, pad)]),
                   np.concatenate([np.hstack([p.signs, np.zeros(w, dtype=np.int8)]) for p, w in zip(parts, pad)]),
                   np.concatenate([p.plus for p in parts]), np.concatenate([p.minus for p in parts]))


def _extend(space: _View, ax: _Axis, cells: np.ndarray, st: _States, pat: _Pattern, slot: np.ndarray,
            sel: np.ndarray, unknown: np.ndarray, bounds: Bounds, cap: float) -> _States:
    """States `sel` times the pattern (row `slot` of `pat`) of their target along `ax`, kept where every
    corner is unknown and the target could still move far enough."""
    t = st.tgt[sel]
    p = slot[t]
    ln = int((pat.signs[p] != 0).sum(axis=1).max())
    delta = (pat.codes[p, :ln] - space.coords[cells[t], ax.j][:, None]) * ax.step
    keys = (st.keys[sel][:, :, None] + delta[:, None, :]).reshape(len(sel), -1)
    signs = (st.signs[sel][:, :, None] * pat.signs[p, None, :ln]).reshape(len(sel), -1)
    live = signs != 0
    idx = space.find(np.where(live, keys, space.keys[0]))
    good = (~live | ((idx >= 0) & unknown[np.maximum(idx, 0)])).all(axis=1)
    xv = bounds.x[np.maximum(idx, 0)]
    plus = np.minimum(st.plus[sel], np.where(live & (signs > 0), xv, np.inf).min(axis=1))
    minus = np.minimum(st.minus[sel], np.where(live & (signs < 0), xv, np.inf).min(axis=1))
    c = cells[t]
    x = bounds.x[c]
    good &= ProtectionInterval.holds(x - plus, x + np.minimum(minus, cap - x), x, tuple(r[c] for r in bounds.req))  # type: ignore[arg-type]
    return _States(t[good], keys[good], signs[good], plus[good], minus[good])


def _search(space: _View, axes: list[_Axis], cells: np.ndarray, unknown: np.ndarray, bounds: Bounds,
            cap: float, ranks: int, beam: int) -> sp.csc_matrix:
    """One box per cell of `cells` where one is found: dimension by dimension, up to `beam` partial boxes
    per cell whose corners are all unknown, trying swaps with its `ranks` largest siblings at every level."""
    x = bounds.x
    st = _States(np.arange(len(cells)), space.keys[cells][:, None].astype(np.int64), np.ones((len(cells), 1), np.int8),
                 x[cells].copy(), np.full(len(cells), np.inf))
    for ax in sorted(axes, key=lambda a: len(a.members) / max(1, len(a.gkeys))):
        al = _along(space, ax, cells, unknown)
        parts: list[_States] = []
        count = np.zeros(len(cells), dtype=np.int64)
        largest = int(ax.gsize.max(initial=0))
        for opt in options(ax, min(ranks, largest)):
            want = np.unique(st.tgt[count[st.tgt] < beam])
            if len(want) == 0:
                break
            pat = _pattern(space, ax, al, want, opt)
            slot = np.full(len(cells), 0, dtype=np.int64)
            slot[want] = np.arange(len(want))
            good = np.zeros(len(cells), dtype=bool)
            good[want] = pat.ok
            sel = np.flatnonzero(good[st.tgt] & (count[st.tgt] < beam))
            if len(sel) == 0:
                continue
            part = _extend(space, ax, cells, st, pat, slot, sel, unknown, bounds, cap)
            parts.append(part)
            count += np.bincount(part.tgt, minlength=len(cells))
        if not parts:
            return sp.csc_matrix((space.n, 0))
        st = _States.concat(parts)
        if len(st.tgt) == 0:
            return sp.csc_matrix((space.n, 0))
    _, first = np.unique(st.tgt, return_index=True)
    keys, signs = st.keys[first], st.signs[first]
    live = signs != 0
    idx = np.where(live, space.find(np.where(live, keys, space.keys[0])), -1)
    idx = np.where(live, idx, -1)
    _, uniq = np.unique(np.sort(idx, axis=1), axis=0, return_index=True)
    idx, signs, live = idx[uniq], signs[uniq], live[uniq]
    col = np.repeat(np.arange(len(idx)), live.sum(axis=1))
    return sp.csc_matrix((signs[live].astype(float), (idx[live], col)), shape=(space.n, len(idx)))


def apply_directions(a: sp.csr_matrix, unknown: np.ndarray, x: np.ndarray, cap: np.ndarray | float,
                     v: sp.spmatrix, bounds: Bounds) -> int:
    """Widen `bounds` by both end tables x + t v of each column v of `v` that is a true certificate.

    A column counts only when it is zero on every known cell and a v = 0 holds numerically; t then ranges
    over the steps keeping every cell in [0, cap]. Returns the number of columns used.
    """
    v = sp.csc_matrix(v)
    v.sum_duplicates()
    v.eliminate_zeros()
    k = v.shape[1]
    col = np.repeat(np.arange(k), np.diff(v.indptr))
    bad = np.diff(v.indptr) == 0
    bad[col[~unknown[v.indices]]] = True
    av = (a @ v).tocoo()
    bad[av.col[np.abs(av.data) > TOL]] = True
    i, d = v.indices, v.data
    xi, ci = x[i], np.broadcast_to(np.asarray(cap, dtype=float), x.shape)[i]
    rise = np.where(d < 0, xi / -d, (ci - xi) / d)
    fall = np.where(d > 0, xi / d, (ci - xi) / -d)
    starts = v.indptr[:-1][~bad]
    t_hi = np.full(k, -1.0)
    t_lo = np.full(k, 1.0)
    if len(starts):
        keep = ~bad[col]
        seg = np.concatenate([[0], np.cumsum(np.diff(v.indptr)[~bad])[:-1]])
        t_hi[~bad] = np.minimum.reduceat(rise[keep], seg)
        t_lo[~bad] = -np.minimum.reduceat(fall[keep], seg)
    bad |= (t_hi < 0) | (t_lo > 0) | (t_hi - t_lo <= 0)
    use = ~bad[col]
    end_lo, end_hi = xi + d * t_lo[col], xi + d * t_hi[col]
    np.minimum.at(bounds.lower, i[use], np.maximum(np.minimum(end_lo, end_hi)[use], 0.0))
    np.maximum.at(bounds.upper, i[use], np.maximum(end_lo, end_hi)[use])
    return int((~bad).sum())


def _open(bounds: Bounds, cells: np.ndarray) -> np.ndarray:
    req = tuple(r[cells] for r in bounds.req)
    return ~ProtectionInterval.holds(bounds.lower[cells], bounds.upper[cells], bounds.x[cells], req)  # type: ignore[arg-type]


def _cube_boxes(view: _View, a: sp.csr_matrix, axes: list[_Axis], cells: np.ndarray, unknown: np.ndarray,
                cap: float, bounds: Bounds) -> int:
    """The passes of `PASSES` over one cube's unproven cells, in batches; stops where boxes are rare."""
    used = 0
    for ranks, beam in PASSES:
        targets = np.intersect1d(bounds.pending(), cells)
        targets = targets[np.random.default_rng(0).permutation(len(targets))]
        for beg in range(0, len(targets), BATCH):
            batch = targets[beg:beg + BATCH]
            batch = batch[_open(bounds, batch)]
            if len(batch) == 0:
                continue
            v = _search(view, axes, batch, unknown, bounds, cap, ranks, beam)
            used += apply_directions(a, unknown, bounds.x, cap, v, bounds)
            proven = len(batch) - int(_open(bounds, batch).sum())
            log.debug("boxes (%d ranks): %d of %d cells proven", ranks, proven, len(batch))
            if proven < MIN_YIELD * len(batch):
                return used  # boxes are rare in this cube (a sparse table): the LPs are cheaper
    return used


def widen_by_boxes(space: CellSpace, unknown: np.ndarray, cap: float, bounds: Bounds) -> int:
    """Prove what boxes can among the cells `bounds` still needs, cube by cube; returns boxes used."""
    a = space.relations
    used = 0
    view = _View.of(space)
    for ci, cells in enumerate(space.cube_cells):
        dims = space.cube_dims[ci]
        if not dims:
            continue
        hidden = cells[unknown[cells]]
        axes = [_axis(space, j, d, hidden) for j, d in zip(dims, space.hierarchies[ci])]
        used += _cube_boxes(view, a, axes, cells, unknown, cap, bounds)
    return used
