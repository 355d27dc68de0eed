"""Rounding: multiples of the base, unbiased random rounding repeatable per cell, additivity reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.protection.cube import Cube
from atlas.protection.policy import RoundingPolicy
from atlas.protection.rounding import additivity, round_cube, round_to_base
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import compute_margins


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.integers(0, 10_000), min_size=1, max_size=50),
    base=st.sampled_from([3, 5, 10]),
    mode=st.sampled_from(["random", "conventional"]),
)
def test_multiples_of_base_within_one_step(values: list[int], base: int, mode: str) -> None:
    x = np.array(values)
    u = np.linspace(0, 0.999, len(x))
    out = round_to_base(x, base, mode, u)
    assert (out % base == 0).all() and (np.abs(out - x) < base).all()
    assert (out[x % base == 0] == x[x % base == 0]).all()


def test_conventional() -> None:
    assert round_to_base(np.array([1, 2, 3, 7, 8, 12, 13]), 5).tolist() == [0, 0, 5, 5, 10, 10, 15]


def test_random_rounding_unbiased() -> None:
    rng = np.random.default_rng(3)
    x = np.full(200_000, 7)
    out = round_to_base(x, 5, "random", rng.random(len(x)))
    assert set(np.unique(out)) == {5, 10} and abs(out.mean() - 7) < 0.03


def cube_of(rows: list[tuple[str, str, int]]) -> Cube:
    fin = pd.DataFrame(rows, columns=["a", "b", "n"]).assign(ckey=np.linspace(0.1, 0.9, len(rows)))
    return compute_margins(fin, [flat_dimension("a", ["x", "y", "z"]), flat_dimension("b", ["p", "q"])])


def test_repeatable_with_cell_keys_and_additivity_reported() -> None:
    cube = cube_of([("x", "p", 7), ("y", "q", 3), ("z", "p", 12), ("x", "q", 1)])
    one = round_cube(cube, RoundingPolicy(5, "random"))
    assert np.array_equal(one, round_cube(cube, RoundingPolicy(5, "random")))
    exact = additivity(cube, cube.cells["value"].to_numpy())
    assert (
        exact.non_additive == 0 and exact.relations == 3 + 4
    )  # one relation per code of the other dimension
    small = cube_of([("x", "p", 4), ("y", "p", 4), ("z", "p", 4)])
    broken = additivity(small, round_to_base(small.cells["value"].to_numpy(), 10))
    assert broken.non_additive > 0 and broken.max_gap >= 10
