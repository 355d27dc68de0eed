"""Small cubes for the protection tests: a full grid of finest cells with every margin, and cell selection."""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.protection.cube import Cube, Dimension
from atlas.tables.margins import compute_margins


def grid_cube(values: np.ndarray, dims: list[Dimension]) -> Cube:
    """The cube whose finest cells are every combination of `dims`' leaves, in order, holding `values`."""
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=[d.name for d in dims]).to_frame(index=False)
    grid["value"] = np.asarray(values).astype(float)
    return compute_margins(grid.assign(n=grid["value"].astype(int)), dims)


def cells_at(cube: Cube, **codes: str) -> np.ndarray:
    """Rows of `cube` whose dimensions carry the given codes."""
    m = np.ones(len(cube.cells), dtype=bool)
    for d, c in codes.items():
        m &= (cube.cells[d] == c).to_numpy()
    return m
