"""Cell-key perturbation: tau-Argus p-tables read, the default table's guarantees, consistency across tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.errors import RejectedInput
from atlas.protection.cellkey import (
    block_small,
    cell_keys,
    default_ptable,
    perturb_cube,
    perturbation,
    read_ptable,
)
from atlas.protection.cube import TOTAL
from atlas.tables.hierarchy import flat_dimension, grouped_dimension
from atlas.tables.margins import compute_margins

TAU_TABLES = [
    "cellkey_frequency/tau_testW_ptable.txt",
    "cellkey_frequency/20160511_szenario_5a.txt",
    "cellkey_magnitude/ptab_freq.txt",
]


@pytest.mark.parametrize("name", TAU_TABLES)
def test_reads_tau_argus_ptables(shared_data: Path, name: str) -> None:
    t = read_ptable(shared_data / "sdc" / "tauargus" / name)
    d = t.describe()
    assert t.imax >= 8 and d["max_perturbation"] <= 7
    assert max(abs(m) for m in d["mean"]) < 1e-3  # these tables are unbiased
    assert (t.i + t.v >= 0).all()


def test_magnitude_ptable_refused(shared_data: Path) -> None:
    with pytest.raises(RejectedInput):
        read_ptable(shared_data / "sdc" / "tauargus" / "cellkey_magnitude" / "ptab_savings_all.txt")


def test_lookup_matches_cumulative_intervals(shared_data: Path) -> None:
    t = read_ptable(shared_data / "sdc" / "tauargus" / "cellkey_frequency" / "tau_testW_ptable.txt")
    # row i=1: v=-1 up to 0.775078851, then v=2 up to 0.8624432242
    assert perturbation(np.array([1, 1, 1]), np.array([0.1, 0.775, 0.8]), t).tolist() == [-1, -1, 2]
    assert perturbation(np.array([0, 500]), np.array([0.5, 0.0]), t).tolist() == [0, -7]


@pytest.mark.parametrize(("d", "v", "js"), [(3, 1.0, 0), (5, 3.0, 2), (3, 1.0, 9), (5, 2.0, 4)])
def test_default_ptable_guarantees(d: int, v: float, js: int) -> None:
    t = default_ptable(d, v, js)
    desc = t.describe()
    big = [i for i in range(t.imax + 1) if i > js + d]
    assert all(abs(desc["mean"][i]) < 1e-4 and abs(desc["variance"][i] - v) < 1e-3 for i in big)
    assert all(abs(desc["mean"][i]) < 1e-9 for i in range(1, js + 1))  # small counts unbiased too
    out = t.i + t.v
    assert not ((out >= 1) & (out <= js)).any()
    assert np.abs(t.v[t.i > js]).max() <= d


def test_tau_argus_record_keys(shared_data: Path) -> None:
    """Sex x Age of tau-Argus' CKM test microdata with its own record keys and p-table."""
    base = shared_data / "sdc" / "tauargus" / "cellkey_magnitude"
    micro = pd.read_csv(
        base / "microdata.csv",
        sep=";",
        header=None,
        names=["Sex", "Age", "HighIncome", "Savings", "Weight", "Key"],
        dtype={"Sex": str, "Age": str},
    )
    assert micro["Key"].between(0, 1, inclusive="left").all()
    dims = [
        flat_dimension("Sex", sorted(micro["Sex"].unique())),
        flat_dimension("Age", sorted(micro["Age"].unique())),
    ]
    cube = compute_margins(
        micro.assign(n=1, value=1, ckey=micro["Key"])[["Sex", "Age", "n", "value", "ckey"]], dims
    )
    t = read_ptable(base / "ptab_freq.txt")
    out = perturb_cube(cube, t)
    assert (np.abs(out - cube.cells["n"]) <= t.max_perturbation).all() and (out >= 0).all()
    total = cube.cells[(cube.cells[["Sex", "Age"]] == TOTAL).all(axis=1)].index[0]
    expected_key = np.mod(micro["Key"].sum(), 1.0)
    assert abs(cell_keys(cube.cells["ckey"].to_numpy())[total] - expected_key) < 1e-6


records = st.lists(
    st.tuples(
        st.sampled_from(["a1", "a2", "b1"]), st.sampled_from(["m", "f"]), st.floats(0, 1, exclude_max=True)
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=50, deadline=None)
@given(rows=records, k=st.integers(3, 12))
def test_consistent_across_tables_and_never_small(rows: list[tuple[str, str, float]], k: int) -> None:
    micro = pd.DataFrame(rows, columns=["area", "sex", "ckey"]).assign(n=1)
    area = grouped_dimension("area", ["a1", "a2", "b1"], {"a": ["a1", "a2"]})
    t = default_ptable(3, 1.0, k - 1)
    one = compute_margins(micro[["area", "sex", "n", "ckey"]], [area, flat_dimension("sex", ["m", "f"])])
    two = compute_margins(micro[["area", "n", "ckey"]], [area])
    p1 = one.cells.assign(p=block_small(perturb_cube(one, t), cell_keys(one.cells["ckey"]), k))
    p2 = two.cells.assign(p=block_small(perturb_cube(two, t), cell_keys(two.cells["ckey"]), k))
    same = p1[p1["sex"] == TOTAL].merge(p2, on="area")
    assert (same["p_x"] == same["p_y"]).all()
    assert not ((p1["p"] >= 1) & (p1["p"] < k)).any()
    assert (p1.loc[p1["n"] == 0, "p"] == 0).all()


@settings(max_examples=30, deadline=None)
@given(n=st.lists(st.integers(0, 200), min_size=1, max_size=50), k=st.integers(3, 12))
def test_block_small_never_yields_small(n: list[int], k: int) -> None:
    keys = np.linspace(0, 0.999, len(n))
    out = block_small(np.array(n), keys, k)
    assert not ((out >= 1) & (out < k)).any()
    assert (out[np.array(n) >= k] == np.array(n)[np.array(n) >= k]).all()
