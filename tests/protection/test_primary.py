"""Primary rules against sdcTable's published results and hand-checked group disclosure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.errors import PolicyRefused
from atlas.protection.cube import TOTAL, Cube
from atlas.protection.policy import DisclosurePolicy, Dominance, GroupDisclosure, PPercent
from atlas.protection.primary import dominance_mask, frequency_mask, p_percent_mask, primary_masks
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import compute_margins


@pytest.fixture(scope="module")
def microdata1(shared_data: Path) -> Cube:
    d = pd.read_csv(shared_data / "sdc" / "sdctable_microdata1.csv")
    fin = d.assign(n=1, value=d["val"], top1=d["val"], top2=0.0)
    dims = [flat_dimension("region", list("ABCD")), flat_dimension("gender", ["male", "female"])]
    return compute_margins(fin[["region", "gender", "n", "value", "top1", "top2"]], dims)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (DisclosurePolicy(min_count=3, group=None), 1),  # freq maxN=2
        (DisclosurePolicy(min_count=3, group=None, dominance=Dominance(2, 75)), 2),  # nk n=2 k=75
        (DisclosurePolicy(min_count=3, group=None, p_percent=PPercent(70)), 2),  # p = 70
        (DisclosurePolicy(min_count=3, group=None, p_percent=PPercent(60, 80)), 2),  # pq = (60, 80)
    ],
)
def test_sdctable_microdata1(microdata1: Cube, policy: DisclosurePolicy, expected: int) -> None:
    result = primary_masks(microdata1, policy)
    assert int(result.mask.sum()) == expected
    row = microdata1.cells[result.reasons["frequency"]]
    assert row[["region", "gender"]].values.tolist() == [["A", "female"]]


def test_magnitude_rules_need_top_columns() -> None:
    cube = compute_margins(pd.DataFrame({"g": ["a"], "n": [3]}), [flat_dimension("g", ["a"])])
    with pytest.raises(PolicyRefused):
        primary_masks(cube, DisclosurePolicy(dominance=Dominance()))


def test_zeros_protected_or_published() -> None:
    cells = pd.DataFrame({"n": [0, 1, 9, 10]})
    assert frequency_mask(cells, 10).tolist() == [False, True, True, False]
    assert frequency_mask(cells, 10, protect_zeros=True).tolist() == [True, True, True, False]


def status_cube(counts: dict[tuple[str, str], int]) -> Cube:
    fin = pd.DataFrame([(a, s, n) for (a, s), n in counts.items()], columns=["area", "migration_status", "n"])
    dims = [
        flat_dimension("area", ["X", "Y"]),
        flat_dimension("migration_status", ["regular", "irregular", "unknown"], sensitive=True),
    ]
    return compute_margins(fin, dims)


def test_group_disclosure_all_in_one_category() -> None:
    cube = status_cube(
        {("X", "irregular"): 30, ("Y", "regular"): 20, ("Y", "irregular"): 25, ("X", "unknown"): 1}
    )
    res = primary_masks(cube, DisclosurePolicy(group=GroupDisclosure(0.9)))
    hit = cube.cells[res.reasons["group"]]
    assert hit[["area", "migration_status"]].values.tolist() == [["X", "irregular"]]


def test_group_disclosure_small_groups_only() -> None:
    cube = status_cube({("X", "irregular"): 30, ("Y", "irregular"): 5})
    res = primary_masks(cube, DisclosurePolicy(group=GroupDisclosure(0.9, max_group_n=10)))
    hit = cube.cells[res.reasons["group"]]
    assert hit[["area", "migration_status"]].values.tolist() == [["Y", "irregular"]]


def test_dominant_unknown_is_not_disclosive() -> None:
    cube = status_cube({("X", "unknown"): 30, ("X", "regular"): 1})
    res = primary_masks(cube, DisclosurePolicy(group=GroupDisclosure(0.9)))
    assert not res.reasons["group"].any()


@settings(max_examples=50, deadline=None)
@given(counts=st.lists(st.integers(0, 30), min_size=6, max_size=6), k=st.integers(3, 15))
def test_frequency_mask_is_exact(counts: list[int], k: int) -> None:
    keys = [(a, s) for a in ("X", "Y") for s in ("regular", "irregular", "unknown")]
    cube = status_cube({key: n for key, n in zip(keys, counts) if n})
    mask = primary_masks(cube, DisclosurePolicy(min_count=k, group=None)).mask
    n = cube.cells["n"].to_numpy()
    assert np.array_equal(mask, (n > 0) & (n < k))
    assert (cube.cells.loc[~mask, "n"].pipe(lambda s: (s == 0) | (s >= k))).all()
    c = cube.cells
    assert c.loc[(c["area"] == TOTAL) & (c["migration_status"] == TOTAL), "n"].item() == sum(counts)


PP_COLUMNS = [
    "Size",
    "Region",
    "Var2",
    "FreqVar",
    "Var2_Shadow",
    "Var2_Cost",
    "Top1",
    "Top2",
    "StatusVar",
    "Lpl",
    "Upl",
]


@pytest.mark.parametrize(
    "rule",
    [lambda t: p_percent_mask(t, PPercent(30)), lambda t: dominance_mask(t, Dominance(2, 75))],
    ids=["p30", "nk2-75"],
)
def test_tau_argus_table_input_unsafe_cells(
    shared_data: Path, rule: Callable[[pd.DataFrame], np.ndarray]
) -> None:
    """tau-Argus' pp.tab marks 9 cells U; the p% rule with p=30 (and (2,75) dominance) finds exactly them."""
    t = pd.read_csv(
        shared_data / "sdc" / "tauargus" / "tableinput" / "pp.tab",
        sep=";",
        header=None,
        names=PP_COLUMNS,
        decimal=",",
        dtype={"Size": str, "Region": str},
    )
    cells = pd.DataFrame({"value": t["Var2_Shadow"], "n": t["FreqVar"], "top1": t["Top1"], "top2": t["Top2"]})
    assert np.array_equal(rule(cells), (t["StatusVar"] == "U").to_numpy())


def test_rule_protection_levels(microdata1: Cube) -> None:
    cube = status_cube({("X", "irregular"): 30, ("Y", "regular"): 20, ("Y", "irregular"): 25})
    res = primary_masks(cube, DisclosurePolicy(group=GroupDisclosure(0.9)))
    assert res.lower_pl is not None
    hit = np.flatnonzero(res.reasons["group"])
    assert res.lower_pl[hit].tolist() == [30 - 26]  # attacker's lower bound must reach 26 < 0.9 * 30
    levelled = res.with_levels(cube)
    assert "lower_pl" in levelled.cells and cube is not levelled
    nk = primary_masks(microdata1, DisclosurePolicy(min_count=3, group=None, p_percent=PPercent(70)))
    assert nk.upper_pl is not None and (nk.upper_pl[nk.reasons["p_percent"]] > 0).all()
    assert (nk.upper_pl[~nk.reasons["p_percent"]] == 0).all()
