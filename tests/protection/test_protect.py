"""protect(): suppression with secondary + audit (sdcTable microdata1), perturbation methods, refusal paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.errors import PolicyRefused
from atlas.protection.cube import PERTURBED, PRIMARY, SECONDARY, Cube
from atlas.protection.policy import DisclosurePolicy, RoundingPolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.hierarchy import flat_dimension, grouped_dimension
from atlas.tables.margins import compute_margins


@pytest.fixture(scope="module")
def microdata1(shared_data: Path) -> Cube:
    d = pd.read_csv(shared_data / "sdc" / "sdctable_microdata1.csv")
    rng = np.random.default_rng(7)
    fin = d.assign(n=1, value=1, ckey=rng.random(len(d)))[["region", "gender", "n", "value", "ckey"]]
    return compute_margins(
        fin, [flat_dimension("region", list("ABCD")), flat_dimension("gender", ["male", "female"])]
    )


@pytest.mark.parametrize("secondary", ["fast", "optimal", "auto"])
def test_suppression_matches_sdctable(microdata1: Cube, secondary: str) -> None:
    t = protect(microdata1, DisclosurePolicy(min_count=3, group=None, secondary=secondary), names="m1")
    cells = t.cells
    assert (cells["flag"] == PRIMARY).sum() == 1 and (cells["flag"] == SECONDARY).sum() == 3
    assert cells["value"].notna().sum() == 11  # published: 11 of 15, as sdcTable
    assert cells["value"].isna().eq(cells["flag"].isin([PRIMARY, SECONDARY])).all()
    assert t.audit is not None and t.audit["ok"] and t.audit["unprotected"] == 0
    assert "value" not in t.audit_intervals.columns


def test_no_primary_publishes_everything(microdata1: Cube) -> None:
    t = protect(
        Cube(microdata1.dimensions, microdata1.cells.assign(n=microdata1.cells["n"] + 2)),
        DisclosurePolicy(min_count=3, group=None),
    )
    assert (t.cells["flag"] == "").all() and t.cells["value"].notna().all()


@pytest.mark.parametrize("method", ["cell_key", "rounding", "dp"])
def test_perturbative_methods(microdata1: Cube, method: str) -> None:
    t = protect(
        microdata1, DisclosurePolicy(method=method, min_count=5, rounding=RoundingPolicy(5, "random"))
    )
    cells = t.cells
    assert (cells["flag"] == PERTURBED).all() and cells["value"].notna().all()
    assert "additivity" in t.method_details
    if method == "cell_key":
        assert not cells["value"].between(1, 4).any()
    if method == "rounding":
        assert (cells["value"] % 5 == 0).all()
    if method == "dp":
        assert t.method_details["epsilon_spent"] == pytest.approx(1.0)


def test_cell_key_needs_record_keys(microdata1: Cube) -> None:
    cube = Cube(microdata1.dimensions, microdata1.cells.drop(columns="ckey"))
    with pytest.raises(PolicyRefused):
        protect(cube, DisclosurePolicy(method="cell_key"))


def test_linked_cubes_protected_together(microdata1: Cube) -> None:
    region = compute_margins(
        microdata1.cells.query("gender != '_T' and region != '_T'")[["region", "n", "value"]],
        [microdata1.dimension("region")],
    )
    out = protect([microdata1, region], DisclosurePolicy(min_count=3, group=None), names=["a", "b"])
    assert [t.name for t in out] == ["a", "b"] and all(t.audit["ok"] for t in out)


def test_only_protect_builds_protected_tables() -> None:
    with pytest.raises(TypeError):
        ProtectedTable(
            name="x",
            dimensions=(),
            _cells=pd.DataFrame(),
            policy=DisclosurePolicy(),
            method_details={},
            info_loss={},
        )


def test_failed_audit_refuses(microdata1: Cube, monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas.protection import secondary

    real = secondary.protect_secondary

    def nothing_more(cubes, primary, **kw):  # a broken pattern: only the primary cell
        res = real(cubes, primary, **kw)
        res.flags = [np.where(p, PRIMARY, "").astype(object) for p in primary]
        return res

    monkeypatch.setattr(secondary, "protect_secondary", nothing_more)
    with pytest.raises(PolicyRefused) as info:
        protect(microdata1, DisclosurePolicy(min_count=3, group=None))
    assert info.value.clause == "audit"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=st.lists(st.integers(0, 25), min_size=8, max_size=8), k=st.integers(3, 10))
def test_no_published_cell_below_threshold(counts: list[int], k: int) -> None:
    keys = [(a, s) for a in ("a1", "a2", "b1", "b2") for s in ("f", "m")]
    fin = pd.DataFrame(
        [(a, s, n) for (a, s), n in zip(keys, counts, strict=True) if n], columns=["area", "sex", "n"]
    )
    if fin.empty:
        return
    area = grouped_dimension("area", ["a1", "a2", "b1", "b2"], {"A": ["a1", "a2"], "B": ["b1", "b2"]})
    cube = compute_margins(fin, [area, flat_dimension("sex", ["f", "m"])])
    t = protect(cube, DisclosurePolicy(min_count=k, group=None))
    published = t.cells["value"].dropna().to_numpy()
    assert not ((published > 0) & (published < k)).any()
    assert t.audit is not None and t.audit["ok"]


def test_group_disclosure_interval_keeps_share_uncertain() -> None:
    """All 40 people of area X have the sensitive status; afterwards nobody can prove that >= 90% do."""
    rows = [
        ("X", "irregular", 40),
        ("Y", "regular", 20),
        ("Y", "irregular", 25),
        ("Z", "regular", 30),
        ("Z", "irregular", 12),
        ("W", "regular", 18),
        ("W", "irregular", 22),
    ]
    fin = pd.DataFrame(rows, columns=["area", "migration_status", "n"])
    dims = [
        flat_dimension("area", ["W", "X", "Y", "Z"]),
        flat_dimension("migration_status", ["regular", "irregular"], sensitive=True),
    ]
    t = protect(compute_margins(fin, dims), DisclosurePolicy(min_count=5))
    assert t.method_details["primary_rules"][0]["group"] == 1
    bounds = t.audit_intervals.set_index(["area", "migration_status"])
    assert bounds.loc[("X", "irregular"), "lower"] < 0.9 * 40
    assert t.audit["ok"]


def test_protected_zeros_need_a_dense_cube() -> None:
    fin = pd.DataFrame({"a": ["x"], "b": ["p"], "n": [20]})
    sparse = compute_margins(
        fin, [flat_dimension("a", ["x", "y"]), flat_dimension("b", ["p", "q"])], dense=False
    )
    with pytest.raises(PolicyRefused):
        protect(sparse, DisclosurePolicy(zeros="protected"))


def test_protected_zero_is_suppressed_with_a_wide_interval() -> None:
    fin = pd.DataFrame(
        {"a": ["x", "x", "y", "y", "z"], "b": ["p", "q", "p", "q", "p"], "n": [20, 30, 25, 15, 40]}
    )
    cube = compute_margins(fin, [flat_dimension("a", ["x", "y", "z"]), flat_dimension("b", ["p", "q"])])
    t = protect(cube, DisclosurePolicy(zeros="protected", group=None))
    cells = t.cells.set_index(["a", "b"])
    assert cells.loc[("z", "q"), "flag"] == PRIMARY and pd.isna(cells.loc[("z", "q"), "value"])
    zq = t.audit_intervals.set_index(["a", "b"]).loc[("z", "q")]
    assert zq["lower"] == 0 and zq["upper"] >= 10


@pytest.mark.parametrize("method", ["cell_key", "rounding"])
def test_perturbation_refused_when_a_group_shares_a_sensitive_category(method: str) -> None:
    fin = pd.DataFrame(
        {
            "area": ["X", "Y", "Y"],
            "status": ["irregular", "regular", "irregular"],
            "n": [40, 20, 25],
            "ckey": [0.1, 0.2, 0.3],
        }
    )
    dims = [
        flat_dimension("area", ["X", "Y"]),
        flat_dimension("status", ["regular", "irregular"], sensitive=True),
    ]
    cube = compute_margins(fin, dims)
    with pytest.raises(PolicyRefused) as info:
        protect(cube, DisclosurePolicy(method=method))
    assert info.value.clause == "group"
    assert protect(cube, DisclosurePolicy(method=method, group=None)).cells["value"].notna().all()
