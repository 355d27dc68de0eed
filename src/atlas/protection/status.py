"""What the attacker knows about each unified cell: published now, published before, structural zero, or not."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atlas.protection.cube import PRIMARY, SECONDARY, STRUCTURAL_ZERO, Cube
from atlas.protection.relations import CellSpace, build_space


@dataclass
class CellStatus:
    """Unified-cell masks; the first `n_current` cubes of `space` are the ones being released now."""

    space: CellSpace
    n_current: int
    current: np.ndarray
    forced: np.ndarray
    fixed_unknown: np.ndarray
    primary: np.ndarray
    unknown: np.ndarray
    need: np.ndarray


def _flags(cube: Cube) -> np.ndarray:
    if "flag" in cube.cells:
        return cube.cells["flag"].fillna("").astype(str).to_numpy()
    return np.full(len(cube.cells), "", dtype=object)


def base_status(cubes: list[Cube], primary: list[np.ndarray] | None,
                published_before: list[Cube] | None) -> CellStatus:
    """Masks before any suppression decision: forced-published, fixed-unknown and primary cells."""
    before = list(published_before or [])
    space = build_space(list(cubes) + before)
    n = space.n
    current = np.zeros(n, dtype=bool)
    forced = np.zeros(n, dtype=bool)
    prim = np.zeros(n, dtype=bool)
    for ci, cube in enumerate(cubes):
        idx = space.cube_cells[ci]
        current[idx] = True
        flags = _flags(cube)
        forced[idx[flags == STRUCTURAL_ZERO]] = True
        p = np.asarray(primary[ci], dtype=bool) if primary is not None else flags == PRIMARY
        prim[idx[p]] = True
    prev_unknown = np.zeros(n, dtype=bool)
    for bi, cube in enumerate(before):
        idx = space.cube_cells[len(cubes) + bi]
        hidden = np.isin(_flags(cube), [PRIMARY, SECONDARY])
        forced[idx[~hidden]] = True
        prev_unknown[idx[hidden]] = True
    fixed_unknown = prev_unknown & ~current & ~forced
    return CellStatus(space, len(cubes), current, forced, fixed_unknown, prim, fixed_unknown.copy(), prim)


def cell_status(cubes: list[Cube], suppressed: list[np.ndarray], primary: list[np.ndarray] | None,
                published_before: list[Cube] | None) -> CellStatus:
    """Masks after a suppression decision: a tied cell published in any cube is known everywhere."""
    st = base_status(cubes, primary, published_before)
    n = st.space.n
    published = np.zeros(n, dtype=bool)
    hidden = np.zeros(n, dtype=bool)
    for ci in range(len(cubes)):
        idx = st.space.cube_cells[ci]
        s = np.asarray(suppressed[ci], dtype=bool)
        published[idx[~s]] = True
        hidden[idx[s]] = True
    if primary is None and not any("flag" in c.cells for c in cubes):
        st.need = hidden.copy()
        st.primary = st.need
    st.unknown = (hidden & ~published & ~st.forced) | st.fixed_unknown
    return st
