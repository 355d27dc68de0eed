"""Differential privacy through OpenDP: additive noisy table, epsilon recorded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from atlas.errors import PolicyRefused
from atlas.protection.dp import dp_cube
from atlas.protection.policy import DPPolicy
from atlas.protection.rounding import additivity
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import compute_margins

pytest.importorskip("opendp")


def test_noisy_counts_are_additive_and_budgeted() -> None:
    fin = pd.DataFrame({"a": ["x", "y", "x"], "b": ["p", "q", "q"], "n": [40, 25, 3]})
    cube = compute_margins(fin, [flat_dimension("a", ["x", "y", "z"]), flat_dimension("b", ["p", "q"])])
    rel = dp_cube(cube, DPPolicy(epsilon=0.5))
    assert rel.epsilon == pytest.approx(0.5) and rel.mechanism == "discrete_laplace"
    vals = rel.cube.cells["value"].to_numpy()
    assert (vals >= 0).all() and additivity(rel.cube, vals).non_additive == 0
    assert len(rel.cube.cells) == 4 * 3


def test_noise_scale() -> None:
    leaves = [f"c{i}" for i in range(3000)]
    fin = pd.DataFrame({"a": leaves, "n": 1000})
    cube = compute_margins(fin, [flat_dimension("a", leaves)])
    rel = dp_cube(cube, DPPolicy(epsilon=1.0))
    leaf = rel.cube.cells["a"] != "_T"
    err = rel.cube.cells.loc[leaf, "value"].to_numpy() - 1000
    assert abs(err.mean()) < 0.2 and 0.75 < np.abs(err).mean() < 0.95  # E|X| = 2e^-1/(1-e^-2) = 0.851


def test_too_large_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas.protection import dp

    monkeypatch.setattr(dp, "MAX_FINEST_CELLS", 2)
    cube = compute_margins(pd.DataFrame({"a": ["x"], "n": [1]}), [flat_dimension("a", ["x", "y", "z"])])
    with pytest.raises(PolicyRefused):
        dp_cube(cube, DPPolicy())
