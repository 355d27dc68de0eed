"""The cells above a cell of one cube: every combination of ancestor levels, one per dimension.

Interior certificates group interior cells by the margins above them, and pair repair compares the
margins above two cells; both walk the same hierarchies of a single cube the same way.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from atlas.protection.relations import CellSpace, _parent_arrays


@dataclass
class CubeTree:
    """Parent code per code (-1 at the root) and whether a code has children, per dimension of one cube."""

    dims: list[int]
    parents: list[np.ndarray]
    kids: list[np.ndarray]

    @classmethod
    def of(cls, space: CellSpace) -> CubeTree | None:
        """The single cube's hierarchies; None for linked cubes (their interiors differ)."""
        if len(space.cube_cells) != 1:
            return None
        dims = space.cube_dims[0]
        pk = [_parent_arrays(d, space.codes[j]) for d, j in zip(space.hierarchies[0], dims)]
        return cls(dims, [p for p, _ in pk], [k for _, k in pk])

    def interior(self, space: CellSpace) -> np.ndarray:
        """Cells at a leaf of every hierarchy."""
        coords = space.coords
        out = np.ones(space.n, dtype=bool)
        for kids, j in zip(self.kids, self.dims):
            out &= ~kids[coords[:, j]]
        return out

    def above(self, space: CellSpace, coords: np.ndarray) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
        """(levels, key) for every combination of ancestor levels of each row of `coords`, the rows
        themselves first (levels all 0); a key is -1 where some dimension has no ancestor that high."""
        chains = []
        for par, j in zip(self.parents, self.dims):
            chain = [coords[:, j].astype(np.int64)]
            while (chain[-1] >= 0).any():
                chain.append(np.where(chain[-1] >= 0, par[np.maximum(chain[-1], 0)], -1))
            chains.append(chain[:-1])
        for levels in itertools.product(*[range(len(c)) for c in chains]):
            anc = coords.astype(np.int64)
            for j, chain, lv in zip(self.dims, chains, levels):
                anc[:, j] = chain[lv]
            ok = (anc >= 0).all(axis=1)
            yield levels, np.where(ok, anc @ space.mult, -1)

    def up(self, space: CellSpace, coords: np.ndarray) -> np.ndarray:
        """Unified index of every cell at or above each row of `coords` (rows x combinations; -1 absent)."""
        return np.stack([space.find(k) for _, k in self.above(space, coords)], axis=1)
