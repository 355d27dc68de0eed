"""Relation rounds and their trim: every relation mended, redundant picks published again, needed ones kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from atlas.protection.singletons import mend_singletons, trim


def _one_relation(values: list[float]) -> tuple[sp.csr_matrix, np.ndarray]:
    """total - sum(children) = 0 over cells [total, child 0, child 1, ...]."""
    row = np.r_[1.0, -np.ones(len(values))]
    return sp.csr_matrix(row[None, :]), np.r_[sum(values), values]


def test_trim_publishes_the_largest_redundant_pick_and_keeps_a_partner() -> None:
    rel, x = _one_relation([1, 5, 9])
    kept = np.array([False, True, False, False])
    supp = np.array([False, True, True, True])
    out = trim(rel, kept, supp, x)
    assert out.tolist() == [False, True, True, False]


def test_trim_keeps_the_only_cell_that_lets_an_empty_primary_rise() -> None:
    """Zero primary under a published total: removing the 5 would leave no sibling able to fall."""
    rel, x = _one_relation([0, 0, 5])
    kept = np.array([False, True, False, False])
    supp = np.array([False, True, True, True])
    rise = np.array([0.0, 1e-3, 0.0, 0.0])
    out = trim(rel, kept, supp, x, rise)
    assert out.tolist() == [False, True, False, True]
    assert trim(rel, kept, supp, x).tolist() == [False, True, True, False]


def test_trim_never_leaves_a_cell_alone_in_a_relation() -> None:
    rel, x = _one_relation([1, 5])
    kept = np.array([False, True, False])
    supp = np.array([False, True, True])
    assert trim(rel, kept, supp, x).tolist() == supp.tolist()


@pytest.mark.parametrize("zeros", [False, True], ids=["zeros published", "zeros primary"])
def test_rounds_leave_no_relation_with_a_single_suppressed_cell(zeros: bool) -> None:
    from atlas.protection.status import base_status
    from atlas.tables import hierarchy as h
    from atlas.tables.margins import compute_margins

    rng = np.random.default_rng(5)
    dims = [h.flat_dimension("a", [f"a{i}" for i in range(6)]), h.flat_dimension("b", [f"b{i}" for i in range(5)]),
            h.flat_dimension("c", ["F", "M"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=["a", "b", "c"]).to_frame(index=False)
    grid["value"] = rng.choice([0.0, 1.0, 3.0, 6.0, 12.0], size=len(grid))
    cube = compute_margins(grid.assign(n=grid["value"].astype(int)), dims)
    x = cube.cells["value"].to_numpy()
    primary = (x <= 4) & ((x > 0) | zeros)
    st = base_status([cube], [primary], None)
    rel, v = st.space.relations, st.space.value
    rise = np.where(st.primary, 1e-3, 0.0)
    out = mend_singletons(rel, st.primary.copy(), np.ones(len(v)), ~st.forced, v, rise)
    assert (out >= st.primary).all()
    counts = (rel != 0).astype(np.int32) @ out.astype(np.int32)
    assert not (counts == 1).any()
    assert (trim(rel, st.primary, out, v, rise) == out).all()
