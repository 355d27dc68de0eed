"""Invariants of the vectorised household and categorical draws, for any size and seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.demo import people
from atlas.demo.country import demo_areas
from atlas.demo.population import generate_population
from atlas.demo.profiles import build_profiles

PROF = build_profiles("XAT")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 5000), seed=st.integers(0, 2**32 - 1))
def test_households_cover_exactly_n_people(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    hh = people.households(rng, n, PROF)
    assert hh.sizes.sum() == n and (hh.sizes >= 1).all() and (hh.sizes <= 7).all()
    assert len(hh.of_row) == n and (np.diff(hh.of_row) >= 0).all()
    assert (hh.pos[np.r_[0, np.flatnonzero(np.diff(hh.of_row)) + 1]] == 0).all()
    demo = people.demography(rng, hh, PROF)
    heads = demo["head"]
    assert ((demo["age"][heads] >= 18) | demo["uam"][heads]).all()
    assert (demo["age"] >= 0).all() and (demo["age"] <= 99).all()


@settings(max_examples=40, deadline=None)
@given(weights=st.lists(st.lists(st.floats(0, 10), min_size=3, max_size=3), min_size=1, max_size=5),
       seed=st.integers(0, 1000))
def test_draw_rows_respects_zero_weights(weights: list[list[float]], seed: int) -> None:
    w = np.array(weights)
    w[w.sum(axis=1) == 0, 0] = 1.0
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(w), 500)
    picked = people.draw_rows(rng, cum, rows)
    assert (picked >= 0).all() and (picked < 3).all()
    assert (w[rows, picked] > 0).all()


def test_zero_rows_writes_header_only(tmp_path: Path) -> None:
    run = generate_population(0, areas=demo_areas(), host_country="XAT", seed=1, out=tmp_path / "z.csv")
    assert run.rows == 0 and run.households == 0
    assert run.path.read_text().count("\n") == 1
