"""Secondary suppression: known patterns, the subtraction attack, linked cubes, and random tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from grids import cells_at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent_audit import attacker_bounds, equations

from atlas.protection.cube import Cube, Dimension
from atlas.protection.interval import ProtectionInterval
from atlas.protection.secondary import audit_intervals, protect_secondary
from atlas.tables import hierarchy as h
from atlas.tables.margins import compute_margins


def cube_of(finest: pd.DataFrame, dims: list[Dimension]) -> Cube:
    return compute_margins(finest.assign(n=finest["value"].astype(int)), dims)


@pytest.fixture
def two_by_two() -> Cube:
    finest = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"], "value": [1.0, 20, 30, 40]})
    return cube_of(finest, [h.flat_dimension("a", ["x", "y"]), h.flat_dimension("b", ["u", "v"])])


@pytest.mark.parametrize("method", ["optimal", "fast"])
def test_two_by_two_needs_exactly_three_secondary(two_by_two: Cube, method: str) -> None:
    primary = cells_at(two_by_two, a="x", b="u")
    res = protect_secondary([two_by_two], [primary], method=method, protection=ProtectionInterval(3))
    assert res.audit.ok
    assert res.n_secondary == 3
    sec = two_by_two.cells[res.secondary[0]]
    assert set(zip(sec["a"], sec["b"])) == {("x", "v"), ("y", "u"), ("y", "v")}


def test_naive_suppression_is_undone_by_subtraction(two_by_two: Cube) -> None:
    primary = cells_at(two_by_two, a="x", b="u")
    naive = audit_intervals([two_by_two], [primary], ProtectionInterval(3), primary=[primary])
    assert not naive.ok
    row = naive.cells.iloc[0]
    assert row["lower"] == pytest.approx(1.0) and row["upper"] == pytest.approx(1.0)


def test_interval_narrowed_below_k_is_caught() -> None:
    finest = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"], "value": [2.0, 1, 1, 50]})
    cube = cube_of(finest, [h.flat_dimension("a", ["x", "y"]), h.flat_dimension("b", ["u", "v"])])
    hidden = cells_at(cube, a="x") | cells_at(cube, a="y")
    hidden &= ~cells_at(cube, b="_T") & ~cells_at(cube, a="_T")
    primary = [cells_at(cube, a="x", b="u")]
    audit = audit_intervals([cube], [hidden], ProtectionInterval(5), primary=primary)
    prim = audit.cells[audit.cells["primary"]].iloc[0]
    assert prim["upper"] - prim["lower"] == pytest.approx(3.0)
    assert not audit.ok
    res = protect_secondary([cube], primary, protection=ProtectionInterval(5))
    assert res.audit.ok


def test_sdctable_microdata1(shared_data: Path) -> None:
    expected = __import__("json").loads((shared_data / "sdc" / "published_expected_results.json").read_text())
    case = expected["sdctable_microdata1_protectTable"]
    micro = pd.read_csv(shared_data / "sdc" / "sdctable_microdata1.csv")
    finest = micro.groupby(["region", "gender"]).size().rename("value").reset_index().astype({"value": float})
    cube = cube_of(finest, [h.flat_dimension("region", list("ABCD")), h.flat_dimension("gender", ["female", "male"])])
    assert cube.cells.loc[cells_at(cube, region="A", gender="female"), "value"].item() == case["counts"]["A"]["female"]
    primary = cells_at(cube, region="A", gender="female")
    res = protect_secondary([cube], [primary], method="optimal", protection=ProtectionInterval(3))
    assert res.method == "optimal"
    assert res.n_secondary == case["expected_secondary_suppressions"]
    assert int((~res.suppressed[0]).sum()) == case["expected_publishable_cells"]
    assert res.audit.ok


def _pp_tab(shared_data: Path) -> tuple[Cube, np.ndarray]:
    folder = shared_data / "sdc" / "tauargus" / "tableinput"
    cols = ["Size", "Region", "Var2", "FreqVar", "Shadow", "Cost", "Top1", "Top2", "Status", "lower_pl", "upper_pl"]
    raw = pd.read_csv(folder / "pp.tab", sep=";", header=None, names=cols, decimal=",", dtype={"Size": str, "Region": str})
    raw["Size"] = raw["Size"].str.strip().replace({"Total": "_T"})
    raw["Region"] = raw["Region"].str.strip().replace({"Total": "_T"})
    region: dict[str, str | None] = {"_T": None}
    group = None
    for line in (folder / "region2.hrc").read_text().splitlines():
        if not line.strip():
            continue
        if line.startswith("@"):
            region[line[1:].strip()] = group
        else:
            group = line.strip()
            region[group] = "_T"
    region["99"] = "_T"
    sizes = [c for c in raw["Size"].unique() if c != "_T"]
    dims = [h.flat_dimension("Size", sizes), Dimension("Region", region)]
    # the published file is off by one in three relations; margins are recomputed from its inner cells
    inner = raw[(raw["Size"] != "_T") & raw["Region"].isin([c for c, p in region.items() if p and p != "_T" or c == "99"])]
    cube = compute_margins(inner.rename(columns={"Var2": "value", "FreqVar": "n"})[["Size", "Region", "value", "n"]], dims)
    extra = raw[["Size", "Region", "lower_pl", "upper_pl", "Status"]]
    cells = cube.cells.merge(extra, on=["Size", "Region"], how="left", validate="one_to_one")
    cube = Cube(cube.dimensions, cells)
    return cube, (cells["Status"] == "U").to_numpy()


def test_tau_argus_pp_tab(shared_data: Path) -> None:
    cube, primary = _pp_tab(shared_data)
    assert primary.sum() == 9 and len(cube.cells) == 162
    for eq in equations(cube):
        assert abs(sum(a * cube.cells["value"].iloc[i] for i, a in eq.items())) < 1e-6
    res = protect_secondary([cube], [primary], protection=ProtectionInterval(0), cost="value")
    assert res.audit.ok
    bounds = attacker_bounds(cube, res.suppressed[0])
    x = cube.cells["value"].to_numpy()
    for i in np.flatnonzero(primary):
        lo, hi = bounds[i]
        assert hi >= x[i] + cube.cells["upper_pl"].iloc[i] - 1e-6
        assert lo <= x[i] - min(x[i], cube.cells["lower_pl"].iloc[i]) + 1e-6


def test_linked_cubes_share_their_common_cells() -> None:
    finest = pd.DataFrame({"r": list("aabbcc"), "s": list("fmfmfm"), "value": [1.0, 9, 7, 8, 6, 5]})
    full = cube_of(finest, [h.flat_dimension("r", list("abc")), h.flat_dimension("s", ["f", "m"])])
    margin = Cube([full.dimensions[0]], full.cells[full.cells["s"] == "_T"].drop(columns="s").reset_index(drop=True))
    primary = [cells_at(full, r="a", s="f"), np.zeros(len(margin.cells), dtype=bool)]
    res = protect_secondary([full, margin], primary, protection=ProtectionInterval(3))
    assert res.audit.ok
    tied = full.cells.loc[res.suppressed[0] & (full.cells["s"] == "_T").to_numpy(), "r"]
    assert set(tied) == set(margin.cells.loc[res.suppressed[1], "r"])


def test_published_before_is_known_to_the_attacker() -> None:
    finest = pd.DataFrame({"r": list("aabb"), "s": list("fmfm"), "value": [2.0, 9, 7, 8]})
    cube = cube_of(finest, [h.flat_dimension("r", list("ab")), h.flat_dimension("s", ["f", "m"])])
    earlier = Cube(cube.dimensions, cube.cells.assign(flag=np.where(cells_at(cube, r="b", s="f"), "", "s")))
    earlier.cells.loc[cells_at(cube, r="_T"), "flag"] = ""
    primary = [cells_at(cube, r="a", s="f")]
    alone = protect_secondary([cube], primary, protection=ProtectionInterval(3))
    assert alone.audit.ok
    res = protect_secondary([cube], primary, protection=ProtectionInterval(3), published_before=[earlier])
    failed = res.audit.failures
    assert len(failed) == 1 and (failed["r"].item(), failed["s"].item()) == ("a", "f")
    assert failed["lower"].item() == pytest.approx(2.0) == failed["upper"].item()


def _random_dim(draw: st.DrawFn, name: str) -> Dimension:
    if draw(st.booleans()):
        return h.flat_dimension(name, [f"{name}{i}" for i in range(draw(st.integers(2, 4)))])
    parent: dict[str, str | None] = {"_T": None}
    for g in range(draw(st.integers(2, 3))):
        parent[f"{name}G{g}"] = "_T"
        for i in range(draw(st.integers(1, 3))):
            parent[f"{name}G{g}L{i}"] = f"{name}G{g}"
    return Dimension(name, parent)


@st.composite
def random_tables(draw: st.DrawFn) -> tuple[Cube, int]:
    ndim = draw(st.sampled_from([2, 2, 3]))
    dims = [_random_dim(draw, n) for n in "abc"[:ndim]]
    leaves = [d.leaves() for d in dims]
    grid = pd.MultiIndex.from_product(leaves, names=[d.name for d in dims]).to_frame(index=False)
    grid["value"] = draw(st.lists(st.integers(0, 12), min_size=len(grid), max_size=len(grid)))
    grid["value"] = grid["value"].astype(float)
    return cube_of(grid, dims), draw(st.integers(3, 5))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], report_multiple_bugs=False)
@given(random_tables(), st.sampled_from(["fast", "optimal"]))
def test_random_tables_survive_an_independent_attacker(case: tuple[Cube, int], method: str) -> None:
    cube, k = case
    if method == "optimal" and len(cube.dimensions) > 2:
        method = "fast"  # a 3-D MILP may stop at its time limit, and then is not repeatable
    x = cube.cells["value"].to_numpy()
    primary = (x > 0) & (x < k)
    protection = ProtectionInterval(k)
    res = protect_secondary([cube], [primary], method=method, protection=protection, time_limit=20)
    if method == "fast":  # a MILP stopped by its time limit on a loaded machine may pick another pattern
        again = protect_secondary([cube], [primary], method=method, protection=protection, time_limit=20)
        assert all((a == b).all() for a, b in zip(res.flags, again.flags, strict=True))
    assert res.audit.ok
    bounds = attacker_bounds(cube, res.suppressed[0])
    for i in np.flatnonzero(primary):
        lo, hi = bounds[i]
        assert hi - lo >= k - 1e-6, (i, x[i], lo, hi)
    published = ~res.suppressed[0]
    for eq in equations(cube):
        if all(published[i] for i in eq):
            assert abs(sum(a * x[i] for i, a in eq.items())) < 1e-9


@pytest.mark.parametrize("zeros", [False, True], ids=["<=4, zeros published", "<=4 and zeros"])
def test_peer_shaped_table_not_exactly_recoverable_under_both_rules(zeros: bool) -> None:
    """adm1 > adm2 x nationality x sex with skewed counts, width > 0 required (the peers' guarantee)."""
    rng = np.random.default_rng(8)
    geo: dict[str, str | None] = {"_T": None, "R1": "_T", "R2": "_T"}
    geo.update({f"R{r}D{i}": f"R{r}" for r in (1, 2) for i in range(3)})
    dims = [Dimension("adm2", geo), h.flat_dimension("nationality", [f"N{i}" for i in range(5)]),
            h.flat_dimension("sex", ["F", "M"])]
    grid = pd.MultiIndex.from_product([d.leaves() for d in dims], names=[d.name for d in dims]).to_frame(index=False)
    grid["value"] = np.floor(rng.pareto(1.2, size=len(grid)) * 2).astype(float)
    cube = cube_of(grid, dims)
    x = cube.cells["value"].to_numpy()
    primary = (x <= 4) & ((x > 0) | zeros)
    _assert_not_exactly_recoverable(cube, primary, time_limit=30)


def _assert_not_exactly_recoverable(cube: Cube, primary: np.ndarray, time_limit: float) -> None:
    """The fast pattern at width > 0 passes its audit, and the independent attacker agrees for every primary cell."""
    x = cube.cells["value"].to_numpy()
    res = protect_secondary([cube], [primary], method="fast", protection=ProtectionInterval(0), time_limit=time_limit)
    assert res.audit.ok
    bounds = attacker_bounds(cube, res.suppressed[0])
    for i in np.flatnonzero(primary):
        lo, hi = bounds[i]
        assert hi - lo > 1e-6, (i, x[i], lo, hi)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], report_multiple_bugs=False)
@given(random_tables(), st.booleans())
def test_random_tables_not_exactly_recoverable_under_both_rules(case: tuple[Cube, int], zeros: bool) -> None:
    """Width > 0 with empty cells primary or published: the pinned-cell rounds, the trim and the box repair
    must never leave a primary cell (an empty one least of all) worked out exactly."""
    cube, _ = case
    x = cube.cells["value"].to_numpy()
    primary = (x <= 4) & ((x > 0) | zeros)
    _assert_not_exactly_recoverable(cube, primary, time_limit=20)
