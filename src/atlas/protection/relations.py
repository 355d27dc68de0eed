"""Every additive relation of linked cubes as one sparse system over unified cells, tied cells merged.

Cubes released together describe the same population: a cell with the same codes in two cubes (a cube
lacking a dimension stands at that dimension's root `_T`) is one unknown to an attacker. `CellSpace`
gives each such population cell one column and each relation `parent - sum(children) = 0` one row, so
suppression, audit and MILP all read the same matrix. Cells absent from a sparse cube are zeros that are
published, so they simply drop out of the relations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from atlas.errors import Issue, RejectedInput
from atlas.protection.cube import Cube, Dimension


@dataclass
class CellSpace:
    """Unified cells of linked cubes (`coords` into per-dimension code lists) and their relation matrix."""

    dims: list[str]
    codes: list[list[str]]
    roots: list[int]
    radix: np.ndarray
    keys: np.ndarray
    coords: np.ndarray
    value: np.ndarray
    cube_cells: list[np.ndarray]
    cube_dims: list[list[int]]
    hierarchies: list[list[Dimension]]
    relations: sp.csr_matrix = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def mult(self) -> np.ndarray:
        return np.concatenate([np.cumprod(self.radix[::-1])[::-1][1:], [1]]).astype(np.int64)

    def lookup(self, coords: np.ndarray) -> np.ndarray:
        """Unified index of each row of `coords` (..., D); -1 where the cell is absent (a published zero)."""
        return self.find(coords.astype(np.int64) @ self.mult)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Unified index of each cell key; -1 where the cell is absent (a published zero)."""
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, pos, -1)

    def code_index(self, dim: int) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes[dim])}


def _root(d: Dimension) -> str:
    roots = [c for c, p in d.parent.items() if p is None]
    if len(roots) != 1:
        raise RejectedInput("a dimension needs exactly one root (total) code", issues=[
            Issue("hierarchy-root", f"{len(roots)} roots", column=d.name)])
    return roots[0]


def build_space(cubes: list[Cube]) -> CellSpace:
    """One unknown per population cell across `cubes`, and the sparse matrix of all their relations."""
    dims: list[str] = []
    codes: list[list[str]] = []
    roots: list[int] = []
    for cube in cubes:
        for d in cube.dimensions:
            if d.name not in dims:
                dims.append(d.name)
                codes.append([_root(d)])
                roots.append(0)
            j = dims.index(d.name)
            if _root(d) != codes[j][0]:
                raise RejectedInput("linked cubes disagree on a dimension's total code", issues=[
                    Issue("linked-root", f"{_root(d)} vs {codes[j][0]}", column=d.name)])
            seen = set(codes[j])
            codes[j].extend(c for c in d.codes if c not in seen)
    radix = np.array([len(c) for c in codes], dtype=np.int64)
    if float(np.prod(radix.astype(float))) >= 2**62:
        raise RejectedInput("linked cubes have too many potential cells", issues=[Issue("cube-too-large", str(radix))])
    mult = np.concatenate([np.cumprod(radix[::-1])[::-1][1:], [1]]).astype(np.int64)
    cube_keys, cube_dims = [], []
    for cube in cubes:
        coords = np.zeros((len(cube.cells), len(dims)), dtype=np.int64)
        cube_dims.append([dims.index(d.name) for d in cube.dimensions])
        for d, j in zip(cube.dimensions, cube_dims[-1]):
            coords[:, j] = pd.Categorical(cube.cells[d.name].astype(str), categories=codes[j]).codes
        cube_keys.append(coords @ mult)
    keys, inverse = np.unique(np.concatenate(cube_keys), return_inverse=True)
    bounds = np.cumsum([0] + [len(k) for k in cube_keys])
    cube_cells = [inverse[bounds[i]:bounds[i + 1]] for i in range(len(cubes))]
    value = _tied_values(cubes, cube_cells, len(keys))
    coords = np.stack(np.unravel_index(keys, tuple(radix)), axis=1).astype(np.int32)
    space = CellSpace(dims, codes, roots, radix, keys, coords, value, cube_cells, cube_dims,
                      [list(c.dimensions) for c in cubes], sp.csr_matrix((0, len(keys))))
    space.relations = _relations(space)
    return space


def _tied_values(cubes: list[Cube], cube_cells: list[np.ndarray], n: int) -> np.ndarray:
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    for cube, idx in zip(cubes, cube_cells):
        v = cube.cells["value"].to_numpy(dtype=float)
        np.minimum.at(lo, idx, v)
        np.maximum.at(hi, idx, v)
    bad = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi)))
    if len(bad):
        raise RejectedInput("linked cubes give different values for the same cell", issues=[
            Issue("linked-mismatch", f"{lo[b]} vs {hi[b]}") for b in bad[:20]])
    return lo


def _relations(space: CellSpace) -> sp.csr_matrix:
    """Rows `parent - sum(children)`, one per (hierarchy, parent cell); identical rows of linked cubes merged."""
    mult = space.mult
    groups: dict[tuple, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for ci, idx in enumerate(space.cube_cells):
        for d, j in zip(space.hierarchies[ci], space.cube_dims[ci]):
            par, has_kids = _parent_arrays(d, space.codes[j])
            key = (j, tuple(sorted(d.parent.items(), key=lambda kv: kv[0])))
            c = space.coords[idx, j]
            k = space.keys[idx]
            m = par[c] >= 0
            child = (k[m] + (par[c[m]] - c[m]) * mult[j], idx[m], -np.ones(m.sum()))
            m2 = has_kids[c]
            parent = (k[m2], idx[m2], np.ones(m2.sum()))
            groups.setdefault(key, []).extend([child, parent])
    rows, cols, vals = [], [], []
    offset = 0
    for key in sorted(groups, key=lambda t: (t[0], str(t[1]))):
        rk = np.concatenate([g[0] for g in groups[key]])
        cc = np.concatenate([g[1] for g in groups[key]])
        vv = np.concatenate([g[2] for g in groups[key]])
        uniq, r = np.unique(rk, return_inverse=True)
        pair = (r.astype(np.int64) + offset) * (space.n + 1) + cc
        _, first = np.unique(pair, return_index=True)
        rows.append(r[first] + offset)
        cols.append(cc[first])
        vals.append(vv[first])
        offset += len(uniq)
    if not rows:
        return sp.csr_matrix((0, space.n))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(offset, space.n))


def _parent_arrays(d: Dimension, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pos = {c: i for i, c in enumerate(codes)}
    par = np.full(len(codes), -1, dtype=np.int64)
    has_kids = np.zeros(len(codes), dtype=bool)
    for c, p in d.parent.items():
        if p is not None:
            par[pos[c]] = pos[p]
            has_kids[pos[p]] = True
    return par, has_kids


def cell_graph(relations: sp.csr_matrix, mask: np.ndarray) -> sp.csr_matrix:
    """Cells in `mask` linked when some relation holds both (the graph that components and neighbourhoods walk)."""
    sub = relations[:, np.flatnonzero(mask)]
    pattern = (sub != 0).astype(np.int32)
    return (pattern.T @ pattern).tocsr()
