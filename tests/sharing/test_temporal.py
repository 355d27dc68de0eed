"""Differencing over time: two releases of one table on successive data must not reveal a small change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from atlas.privacy.users import actor_for
from atlas.protection.cube import Cube
from atlas.protection.protect import protect
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import add_agreement
from atlas.sharing.release import run_release
from atlas.store.workspace import Workspace
from atlas.tables.service import cube_for
from atlas.tables.spec import TableSpec

from .conftest import agreement_data, ingest_population


def _independent_attacker():  # type: ignore[no-untyped-def]
    """The from-scratch LP attacker of the protection tests (tests/protection is not a package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "protection" / "independent_audit.py"
    spec = importlib.util.spec_from_file_location("independent_audit", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.attacker_bounds


attacker_bounds = _independent_attacker()
K = 10
TABLE = {"name": "by_dept_sex", "dimensions": [{"field": "area", "level": "adm1"}, {"field": "sex"}]}


def _arrivals(n_small: int, n_large: int) -> dict[str, list[str]]:
    """`n_small` women arrive in department HT01 and `n_large` men in HT09."""
    n = n_small + n_large
    return {"record_id": [f"new{i}" for i in range(n)], "sex": ["F"] * n_small + ["M"] * n_large,
            "age": ["30"] * n, "nationality": ["VEN"] * n,
            "district": ["HT0111"] * n_small + ["HT0921"] * n_large}


def _agreement(ws: Workspace, method: str = "suppression") -> str:
    table = {**TABLE, "protection": {"method": method, "min_count": K}}
    a = parse_agreement(agreement_data(tables=[table], disclosure={"method": method, "min_count": K}))
    with ws.connect() as con:
        add_agreement(con, actor_for(con, ws.settings.user), a)
    return a.name


def _spec() -> TableSpec:
    return TableSpec.model_validate({**TABLE, "protection": {"method": "suppression", "min_count": K}})


def _published(path: Path) -> pd.DataFrame:
    return pd.read_csv(path / "by_dept_sex.csv", dtype={"area": str, "sex": str, "flag": str},
                       keep_default_na=False, na_values={"value": [""]})


def _change_attack(old: Cube, new: Cube, old_pub: pd.DataFrame, new_pub: pd.DataFrame) -> dict[tuple, tuple]:
    """The attacker subtracts the releases where both publish, then solves for every other change."""
    dims = new.dim_names
    true = new.cells[[*dims, "value"]].merge(old.cells[[*dims, "value"]], on=dims, how="left",
                                             suffixes=("", "_old")).fillna(0)
    change = Cube(new.dimensions, true[dims].assign(value=true["value"] - true["value_old"]))
    pub = new_pub.merge(old_pub, on=dims, suffixes=("", "_old"))
    known = change.cells[dims].merge(pub.assign(both=pub["value"].notna() & pub["value_old"].notna()),
                                     on=dims, how="left")["both"].fillna(False).to_numpy(dtype=bool)
    bounds = attacker_bounds(change, ~known)
    cells = change.cells
    out = {}
    for i, v in enumerate(cells["value"].to_numpy()):
        key = tuple(cells.iloc[i][dims])
        out[key] = (v, v, v) if known[i] else (v, *bounds[i])
    return out


def test_small_arrivals_between_two_suppressed_releases_cannot_be_derived(populated: Workspace,
                                                                          tmp_path: Path) -> None:
    name = _agreement(populated)
    with populated.connect() as con:
        old = cube_for(con, _spec(), "consular_assistance")
    first = run_release(populated, name)
    ingest_population(populated, tmp_path / "more", _arrivals(3, 30))
    with populated.connect() as con:
        new = cube_for(con, _spec(), "consular_assistance")
    second = run_release(populated, name)
    attack = _change_attack(old, new, _published(first.path), _published(second.path))
    small = {k: b for k, b in attack.items() if 0 < abs(b[0]) < K}
    assert small, "the scenario must contain small changes"
    for key, (true, lo, hi) in small.items():
        assert hi - lo >= 1, f"change in {key} pinned to [{lo}, {hi}] (true {true})"
    report = (second.path / "disclosure_report.json").read_text()
    assert '"withheld_for_changes_since_earlier_releases": 0' not in report


def test_the_same_releases_protected_one_by_one_do_reveal_the_change(populated: Workspace, tmp_path: Path) -> None:
    """Control: without the change cube the attack above succeeds, so the first test can fail."""
    spec = _spec()
    with populated.connect() as con:
        old = cube_for(con, spec, "consular_assistance")
    ingest_population(populated, tmp_path / "more", _arrivals(3, 30))
    with populated.connect() as con:
        new = cube_for(con, spec, "consular_assistance")
    alone = [protect(c, spec.policy, names="by_dept_sex").cells for c in (old, new)]
    attack = _change_attack(old, new, *alone)
    assert any(0 < abs(true) < K and hi - lo < 1e-6 for true, lo, hi in attack.values())


def test_large_changes_withhold_nothing(populated: Workspace, tmp_path: Path) -> None:
    name = _agreement(populated)
    run_release(populated, name)
    ingest_population(populated, tmp_path / "more", _arrivals(0, 30))
    second = run_release(populated, name)
    import json
    report = json.loads((second.path / "disclosure_report.json").read_text())
    assert all(t["withheld_for_changes_since_earlier_releases"] == 0 for t in report["tables"])


def test_removals_with_small_changes_are_refused_for_suppression(populated: Workspace, tmp_path: Path) -> None:
    from atlas.errors import PolicyRefused
    from atlas.sharing.temporal import _protect_changes

    spec = _spec()
    with populated.connect() as con:
        cube = cube_for(con, spec, "consular_assistance")
    cells = cube.cells.copy()
    cells["value"] = np.where(np.arange(len(cells)) == 0, -3.0, 0.0)
    cells["n"] = cells["value"].abs()
    with pytest.raises(PolicyRefused) as exc:
        _protect_changes([(Cube(cube.dimensions, cells), np.ones(len(cells), bool))], spec.policy, ["t"])
    assert exc.value.clause == "differencing"


def test_cell_key_releases_are_left_to_the_perturbation(populated: Workspace, tmp_path: Path) -> None:
    name = _agreement(populated, "cell_key")
    run_release(populated, name)
    ingest_population(populated, tmp_path / "more", _arrivals(3, 30))
    second = run_release(populated, name)
    assert set(_published(second.path)["flag"]) <= {"c", ""}
