"""A small protected table with a primary and secondary cells and a formula-like code."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.hierarchy import flat_dimension, grouped_dimension
from atlas.tables.margins import compute_margins


@pytest.fixture(scope="module")
def table() -> ProtectedTable:
    fin = pd.DataFrame(
        {
            "area": ["=HYPERLINK(1)", "a1", "a2", "a2", "b1"],
            "sex": ["male", "female", "male", "female", "male"],
            "n": [12, 2, 15, 14, 20],
        }
    )
    area = grouped_dimension(
        "area", ["=HYPERLINK(1)", "a1", "a2", "b1"], {"A": ["a1", "a2"]}, {"A": "Région A"}
    )
    cube = compute_margins(fin, [area, flat_dimension("sex", ["female", "male"])])
    return protect(cube, DisclosurePolicy(min_count=3, group=None), names="demo", title="Demo table")
