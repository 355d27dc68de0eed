"""Differential privacy for public counts through OpenDP: noise on the finest cells, margins by post-processing.

Each record lies in exactly one finest cell, so the finest histogram has L1 sensitivity 1 (add/remove one
person) and discrete Laplace noise of scale 1/epsilon gives pure epsilon-DP. Negative noisy counts are set
to 0 and margins are summed from the noisy finest cells, so the table stays additive (post-processing
costs no budget). The epsilon spent is returned and stored with the release.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from atlas.errors import Issue, PolicyRefused
from atlas.protection.cube import Cube
from atlas.protection.policy import DPPolicy

MAX_FINEST_CELLS = 2_000_000


@dataclass(frozen=True)
class DPRelease:
    """Noisy cube plus the privacy loss spent on it."""

    cube: Cube
    epsilon: float
    mechanism: str
    scale: float


def dp_cube(cube: Cube, rule: DPPolicy) -> DPRelease:
    """Noisy counts of every cell: discrete Laplace on the full finest grid, margins summed from it."""
    try:
        import opendp.prelude as dp
    except ImportError:
        raise PolicyRefused("differential privacy needs the opendp package", clause="dp") from None
    from atlas.tables.margins import compute_margins

    leaves = [d.leaves() for d in cube.dimensions]
    size = int(np.prod([len(lv) for lv in leaves]))
    if size > MAX_FINEST_CELLS:
        raise PolicyRefused(
            "table too large for differential privacy",
            clause="dp",
            issues=[
                Issue(
                    "dp-too-large",
                    f"{size} finest cells (limit {MAX_FINEST_CELLS})",
                    hint="use coarser dimensions",
                )
            ],
        )
    grid = (
        pd.DataFrame(list(product(*leaves)), columns=cube.dim_names)
        if size
        else pd.DataFrame(columns=cube.dim_names)
    )
    finest = grid.merge(cube.cells[[*cube.dim_names, "n"]], on=cube.dim_names, how="left")
    counts = finest["n"].fillna(0).to_numpy(dtype=np.int64)
    dp.enable_features("contrib")
    scale = 1.0 / rule.epsilon
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    meas = space >> dp.m.then_laplace(scale=scale)
    noisy = np.maximum(np.asarray(meas(counts.tolist()), dtype=np.int64), 0)
    spent = float(meas.map(d_in=1))
    out = compute_margins(grid.assign(n=noisy, value=noisy), cube.dimensions, dense=True)
    return DPRelease(out, spent, "discrete_laplace", scale)
