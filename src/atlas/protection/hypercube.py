"""Fast secondary suppression: one cheapest protecting hypercube per primary cell (hierarchy-aware).

Every perturbation of the finest cells that sums to zero leaves all published margins alone; the table
of its aggregates is a null vector of the relations. For a cell with code c in dimension d, a 1-D null
vector through c is either c and a sibling s with opposite signs (each extended down one chain to a leaf,
so deeper relations balance too) or a chain from a leaf up through c to the root. The outer product of
one such vector per dimension is a null vector of the whole cube (a generalised hypercube) with entries
+-1. If all its cells are suppressed, adding t times it to the true table keeps every published cell and
every relation, so the attacker's interval of the primary cell reaches x + (smallest value on the minus
side) and x - (smallest value on the plus side): a certificate that the cell is protected. For each
primary cell we pick, among the best few 1-D options per dimension, the hypercube of least added cost
whose capacities meet the cell's requirement. Cells left without one are repaired by MILP afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atlas.protection.cube import Dimension
from atlas.protection.relations import CellSpace

TOP_OPTIONS = 3


@dataclass
class DimTree:
    """One cube's hierarchy of one dimension over the unified code list, with its 1-D null-vector options."""

    parent: np.ndarray
    kids: list[list[int]]
    down: np.ndarray
    cache: dict[int, tuple[np.ndarray, np.ndarray]]

    def chain_down(self, c: int) -> list[int]:
        out = [c]
        while self.down[out[-1]] >= 0:
            out.append(int(self.down[out[-1]]))
        return out

    def ancestors(self, c: int) -> list[int]:
        out = []
        while self.parent[c] >= 0:
            c = int(self.parent[c])
            out.append(c)
        return out

    def options(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """(codes, signs), padded with -1 / 0: sibling pairs first, then the chain to the root."""
        if c not in self.cache:
            opts: list[tuple[list[int], list[int]]] = []
            own = self.chain_down(c)
            p = int(self.parent[c])
            if p >= 0:
                for s in self.kids[p]:
                    if s != c:
                        other = self.chain_down(s)
                        opts.append((own + other, [1] * len(own) + [-1] * len(other)))
            up = own + self.ancestors(c)
            opts.append((up, [1] * len(up)))
            width = max(len(o[0]) for o in opts)
            codes = np.full((len(opts), width), -1, dtype=np.int64)
            signs = np.zeros((len(opts), width), dtype=np.int8)
            for k, (cs, sg) in enumerate(opts):
                codes[k, :len(cs)] = cs
                signs[k, :len(sg)] = sg
            self.cache[c] = (codes, signs)
        return self.cache[c]


def dim_tree(space: CellSpace, cube: int, d: Dimension, j: int) -> DimTree:
    """Tree of dimension `d` (union index `j`) of cube `cube`; chains go down through the largest margin."""
    pos = space.code_index(j)
    n = len(space.codes[j])
    parent = np.full(n, -1, dtype=np.int64)
    kids: list[list[int]] = [[] for _ in range(n)]
    for c, p in d.parent.items():
        if p is not None:
            parent[pos[c]] = pos[p]
            kids[pos[p]].append(pos[c])
    base = np.array(space.roots, dtype=np.int64)
    probe = np.tile(base, (n, 1))
    probe[:, j] = np.arange(n)
    idx = space.lookup(probe)
    margin = np.where(idx >= 0, space.value[np.maximum(idx, 0)], 0.0)
    down = np.full(n, -1, dtype=np.int64)
    for p, ks in enumerate(kids):
        if ks:
            down[p] = ks[int(np.argmax(margin[ks]))]
    return DimTree(parent, kids, down, {})


@dataclass
class Hypercubes:
    """State of the greedy: which cells are suppressed, at what cost, which cells may not be."""

    space: CellSpace
    trees: list[list[tuple[int, DimTree]]]
    owner: np.ndarray
    cost: np.ndarray
    forced: np.ndarray
    suppressed: np.ndarray

    def protect(self, i: int, need: tuple[float, float, float], top: int = TOP_OPTIONS) -> bool:
        """Suppress the cheapest hypercube protecting cell `i`; False when none of the options can."""
        base = self.space.coords[i].astype(np.int64)
        dims = self.trees[self.owner[i]]
        chosen = [self._best_options(base, j, t, need, top) for j, t in dims]
        coords, signs, valid = _product(base, [j for j, _ in dims], chosen)
        idx = self.space.lookup(coords)
        bad = (valid & ((idx < 0) | self.forced[np.maximum(idx, 0)])).any(axis=1)
        safe = np.maximum(idx, 0)
        add = (valid & ~self.suppressed[safe]) * self.cost[safe]
        val = self.space.value[safe]
        up = np.where(valid & (signs < 0), val, np.inf).min(axis=1)
        down = np.where(valid & (signs > 0), val, np.inf).min(axis=1)
        lower, upper, width = need
        tol = 1e-9 * max(1.0, self.space.value[i])
        ok = ~bad & (up >= upper - tol) & (down >= lower - tol) & (np.minimum(up, 1e300) + down >= width - tol)
        if not ok.any():
            return False
        total = add.sum(axis=1)
        order = np.lexsort((np.arange(len(total)), -(np.minimum(up, 1e300) + down), total))
        best = order[ok[order]][0]
        self.suppressed[idx[best][valid[best]]] = True
        return True

    def _best_options(self, base: np.ndarray, j: int, tree: DimTree, need: tuple[float, float, float],
                      top: int) -> tuple[np.ndarray, np.ndarray]:
        codes, signs = tree.options(int(base[j]))
        if len(codes) <= top:
            return codes, signs
        line = np.broadcast_to(base, codes.shape + (len(base),)).copy()
        line[..., j] = np.maximum(codes, 0)
        idx = self.space.lookup(line)
        valid = codes >= 0
        safe = np.maximum(idx, 0)
        bad = (valid & ((idx < 0) | self.forced[safe])).any(axis=1)
        add = ((valid & ~self.suppressed[safe]) * self.cost[safe]).sum(axis=1)
        val = self.space.value[safe]
        up = np.where(valid & (signs < 0), val, np.inf).min(axis=1)
        down = np.where(valid & (signs > 0), val, np.inf).min(axis=1)
        weak = (up < need[1]) | (down < need[0]) | (np.minimum(up, 1e300) + down < need[2])
        order = np.lexsort((np.arange(len(add)), add, weak, bad))[:top]
        return codes[order], signs[order]


def _product(base: np.ndarray, dims: list[int], chosen: list[tuple[np.ndarray, np.ndarray]]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All combinations of one option per dimension: coords (combos, cells, D), signs and validity."""
    k = len(dims)
    m = [c.shape[0] for c, _ in chosen]
    lens = [c.shape[1] for c, _ in chosen]
    shape = tuple(m) + tuple(lens)
    coords = np.broadcast_to(base, shape + (len(base),)).copy()
    signs = np.ones(shape, dtype=np.int8)
    valid = np.ones(shape, dtype=bool)
    for t, (j, (c, s)) in enumerate(zip(dims, chosen)):
        view = [1] * (2 * k)
        view[t], view[k + t] = m[t], lens[t]
        coords[..., j] = np.maximum(c, 0).reshape(view)
        signs = signs * s.reshape(view)
        valid &= (c >= 0).reshape(view)
    combos = int(np.prod(m))
    cells = int(np.prod(lens))
    return coords.reshape(combos, cells, len(base)), signs.reshape(combos, cells), valid.reshape(combos, cells)
