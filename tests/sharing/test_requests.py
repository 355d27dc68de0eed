"""Special data runs: refusals, the approval flow with four eyes, the audit trail, and differencing attacks."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.users import actor_for, add_user
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import add_agreement
from atlas.sharing.requests import decide_request, list_requests, submit_request
from atlas.store.workspace import Workspace
from atlas.tables.spec import parse_spec

from .conftest import agreement_data

SEX_BY_DEPT = {"name": "sex_by_dept", "dimensions": [{"field": "area", "level": "adm1"}, {"field": "sex"}]}


def _setup(ws: Workspace, **over: object):
    with ws.connect() as con:
        add_user(con, actor_for(con, "ana"), "ana", role="steward")
        ana = actor_for(con, "ana")
        add_user(con, ana, "ben", role="steward")
        add_user(con, ana, "pia", role="partner", organisation="consulate-VEN")
        add_agreement(con, ana, parse_agreement(agreement_data(**over)))
        return ana, actor_for(con, "ben"), actor_for(con, "pia")


def _audit(ws: Workspace) -> list[tuple[str, str]]:
    with ws.connect(read_only=True) as con:
        return [(r[0], r[1]) for r in con.execute("SELECT actor, action FROM audit_log WHERE action LIKE 'request.%' "
                                                  "ORDER BY seq").fetchall()]


@pytest.mark.parametrize(("spec", "purpose", "clause"), [
    (SEX_BY_DEPT, "research", "purposes"),
    ({"name": "fine", "dimensions": [{"field": "area", "level": "adm2"}]}, "statistics", "finest_geography"),
    ({"name": "status", "dimensions": [{"field": "migration_status"}]}, "statistics", "dimensions"),
])
def test_refused_runs_are_recorded_with_their_clause(populated: Workspace, spec: dict, purpose: str,
                                                     clause: str) -> None:
    _, _, pia = _setup(populated)
    with pytest.raises(PolicyRefused) as exc:
        submit_request(populated, parse_spec(spec), "ins-consulate-ven", purpose, pia)
    assert exc.value.clause == clause
    [row] = list_requests(populated, pia)
    assert row["status"] == "refused" and row["reason"] == clause
    assert _audit(populated) == [("pia", "request.refused")]


@pytest.mark.parametrize(("over", "clause"), [
    ({"expiry": "2026-01-02"}, "expiry"),
    ({"status": "suspended"}, "status"),
    ({"special_runs": {"allowed": False}}, "special_runs.allowed"),
    ({"special_runs": {"allowed": True, "max_cells": 5}}, "special_runs.max_cells"),
])
def test_runs_outside_the_agreement_terms_are_refused(populated: Workspace, over: dict, clause: str) -> None:
    _, _, pia = _setup(populated, **over)
    with pytest.raises(PolicyRefused) as exc:
        submit_request(populated, parse_spec(SEX_BY_DEPT), "ins-consulate-ven", "statistics", pia)
    assert exc.value.clause == clause


def test_monthly_limit(populated: Workspace) -> None:
    _, _, pia = _setup(populated, special_runs={"allowed": True, "max_per_month": 1, "approval_required": True})
    submit_request(populated, parse_spec(SEX_BY_DEPT), "ins-consulate-ven", "statistics", pia)
    with pytest.raises(PolicyRefused) as exc:
        submit_request(populated, parse_spec(SEX_BY_DEPT), "ins-consulate-ven", "statistics", pia)
    assert exc.value.clause == "special_runs.max_per_month"


def test_approval_flow_with_four_eyes(populated: Workspace) -> None:
    ana, ben, pia = _setup(populated, special_runs={"allowed": True, "approval_required": True})
    out = submit_request(populated, parse_spec(SEX_BY_DEPT), "ins-consulate-ven", "consular_assistance", pia)
    assert out.status == "pending" and out.release is None
    with pytest.raises(PolicyRefused) as exc:
        decide_request(populated, out.request_id, True, "I want it", pia)
    assert exc.value.clause == "access:approve_sharing"
    done = decide_request(populated, out.request_id, True, "consular planning, checked", ben)
    assert done.status == "released" and done.release is not None
    assert done.release.recipients == ["consulate-VEN"] and done.release.kind == "special"
    assert (done.release.path / "sex_by_dept.csv").exists()
    with pytest.raises(PolicyRefused):
        decide_request(populated, out.request_id, True, "again", ana)
    second = submit_request(populated, parse_spec(SEX_BY_DEPT), "ins-consulate-ven", "statistics", ana)
    with pytest.raises(PolicyRefused) as exc:
        decide_request(populated, second.request_id, True, "my own", ana)
    assert exc.value.clause == "special_runs.four-eyes"
    rejected = decide_request(populated, second.request_id, False, "not needed", ben)
    assert rejected.status == "rejected"
    assert _audit(populated) == [("pia", "request.submit"), ("ben", "request.approve"), ("ben", "request.released"),
                                 ("ana", "request.submit"), ("ben", "request.reject")]
    assert [r["status"] for r in list_requests(populated, pia)] == ["released"]


def test_partner_of_another_organisation_cannot_request(populated: Workspace) -> None:
    _, _, _ = _setup(populated)
    with populated.connect() as con:
        add_user(con, actor_for(con, "ana"), "olga", role="partner", organisation="other-ngo")
        olga = actor_for(con, "olga")
    with pytest.raises(PolicyRefused) as exc:
        submit_request(populated, parse_spec(SEX_BY_DEPT), "ins-consulate-ven", "statistics", olga)
    assert exc.value.clause == "parties"


def _published(path: Path) -> dict[tuple[str, ...], int]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    dims = [k for k in rows[0] if k not in ("value", "flag")]
    return {tuple(r[d] for d in dims): int(r["value"]) for r in rows if r["value"] and r["flag"] not in ("p", "s")}


def _subtraction_attack(files: list[Path], k: int) -> list[tuple]:
    """Every pair of published tables: same cell, different filter; a difference 1..k-1 is a small group."""
    found = []
    for a, b in itertools.combinations(files, 2):
        pa, pb = _published(a), _published(b)
        for cell in pa.keys() & pb.keys():
            if 0 < abs(pa[cell] - pb[cell]) < k:
                found.append((a.name, b.name, cell, pa[cell] - pb[cell]))
    return found


AREAS = ["HT0111", "HT0112", "HT0113"]


@pytest.mark.parametrize("dims", [[{"field": "sex"}], [{"field": "area", "level": "adm1"}, {"field": "sex"}],
                                  [{"field": "nationality"}]])
def test_two_overlapping_runs_cannot_reveal_a_small_locality(populated: Workspace, dims: list[dict]) -> None:
    _, _, pia = _setup(populated, finest_geography="adm2")
    with_c = parse_spec({"name": "with_locality", "dimensions": dims,
                         "filter": [{"field": "adm2", "op": "in", "value": AREAS}]})
    without_c = parse_spec({"name": "without_locality", "dimensions": dims,
                            "filter": [{"field": "adm2", "op": "in", "value": AREAS[:2]}]})
    first = submit_request(populated, with_c, "ins-consulate-ven", "statistics", pia)
    assert first.release is not None
    with pytest.raises(PolicyRefused) as exc:
        submit_request(populated, without_c, "ins-consulate-ven", "statistics", pia)
    assert exc.value.clause == "differencing"
    files = sorted(populated.releases_dir.rglob("*_locality.csv"))
    assert [f.name for f in files] == ["with_locality.csv"]
    # A run that differs by a large group (a whole district of 260) is released, and subtraction finds nothing.
    wide = parse_spec({"name": "plus_district", "dimensions": dims,
                       "filter": [{"field": "adm2", "op": "in", "value": [*AREAS, "HT0121"]}]})
    assert submit_request(populated, wide, "ins-consulate-ven", "statistics", pia).release is not None
    files = sorted(populated.releases_dir.rglob("*.csv"))
    assert len(files) == 2 and _subtraction_attack(files, 10) == []


def test_the_attack_would_succeed_without_the_guard(populated: Workspace) -> None:
    """Sanity check of the attacker: the two runs, protected separately, do reveal the locality of 4."""
    from atlas.protection.protect import protect
    from atlas.tables.service import cube_for

    specs = [parse_spec({"name": n, "dimensions": [{"field": "sex"}],
                         "filter": [{"field": "adm2", "op": "in", "value": v}]})
             for n, v in (("a", AREAS), ("b", AREAS[:2]))]
    with populated.connect() as con:
        tables = [protect(cube_for(con, s), s.policy, names=s.name) for s in specs]
    a, b = (t.cells.set_index("sex")["value"] for t in tables)
    assert int(a["_T"] - b["_T"]) == 4


def _lp_bounds(csv_path: Path, structure_path: Path) -> dict[tuple[str, ...], tuple[float, float]]:
    """The attacker's LP: min and max of every suppressed cell given every published cell and every margin."""
    import json

    import numpy as np
    from scipy.optimize import linprog

    structure = json.loads(structure_path.read_text())
    parents = {d["name"]: {c["code"]: c["parent"] for c in d["codes"]} for d in structure["dimensions"]}
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    dims = list(parents)
    cells = {tuple(r[d] for d in dims): r for r in rows}
    hidden = [k for k, r in cells.items() if r["flag"] in ("p", "s")]
    col = {k: i for i, k in enumerate(hidden)}
    eq_rows, eq_rhs = [], []
    for key in cells:
        for j, d in enumerate(dims):
            kids = [c for c, p in parents[d].items() if p == key[j]]
            if not kids:
                continue
            terms = [(key, 1.0)] + [((*key[:j], c, *key[j + 1:]), -1.0) for c in kids]
            row, rhs = np.zeros(len(hidden)), 0.0
            for k, coef in terms:
                if k in col:
                    row[col[k]] += coef
                elif k in cells:
                    rhs -= coef * float(cells[k]["value"] or 0)
            if row.any():
                eq_rows.append(row)
                eq_rhs.append(rhs)
    bounds = {}
    for k, i in col.items():
        c = np.zeros(len(hidden))
        c[i] = 1
        lo = linprog(c, A_eq=np.array(eq_rows), b_eq=eq_rhs, bounds=(0, None)).fun
        hi = -linprog(-c, A_eq=np.array(eq_rows), b_eq=eq_rhs, bounds=(0, None)).fun
        bounds[k] = (lo, hi)
    return bounds


def test_lp_attack_on_a_released_run_cannot_pin_the_small_locality(populated: Workspace) -> None:
    _, _, pia = _setup(populated, finest_geography="adm2")
    spec = parse_spec({"name": "communes", "dimensions": [{"field": "area", "level": "adm2"}, {"field": "sex"}],
                       "filter": [{"field": "adm2", "op": "in", "value": AREAS}]})
    out = submit_request(populated, spec, "ins-consulate-ven", "statistics", pia)
    assert out.release is not None
    bounds = _lp_bounds(out.release.path / "communes.csv", out.release.path / "communes.structure.json")
    small = [k for k in bounds if k[0] == "HT0113"]
    assert small, "the locality of 4 must be suppressed"
    for k in small:
        lo, hi = bounds[k]
        assert hi - lo >= 1, f"{k} recovered within [{lo}, {hi}]"
