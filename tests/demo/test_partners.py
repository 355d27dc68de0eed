"""Partner demo files: plausible shapes, valid codes, consent on every shared contact."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pycountry
import pytest

from atlas.demo.country import demo_areas
from atlas.demo.partners import (
    evidence,
    flow_monitoring,
    focal_points,
    indicators,
    organisations,
    write_partner_files,
)


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return demo_areas()


def test_flow_monitoring(areas: pd.DataFrame) -> None:
    flows = flow_monitoring(areas, "XAT", 1)
    assert list(flows.columns[:6]) == ["period", "entry_point", "origin", "destination", "sex", "count"]
    assert (flows["count"] > 0).all() and "XAT" in set(flows["destination"])
    assert all(pycountry.countries.get(alpha_3=c) for c in set(flows["destination"]) - {"XAT"})
    assert set(flows["entry_point"]) <= set(areas["pcode"])
    assert all(pycountry.countries.get(alpha_3=c) for c in flows["origin"].unique())
    assert flows["period"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert (flows["count"] < 10).any(), "small cells are needed to exercise suppression"


def test_organisations_and_focal_points(areas: pd.DataFrame) -> None:
    orgs = organisations(areas, "XAT", 1)
    assert orgs["org_id"].is_unique and set(orgs["area"]) <= set(areas["pcode"])
    contacts = focal_points(orgs, 1)
    assert set(contacts["org_id"]) <= set(orgs["org_id"])
    assert contacts["email"].str.endswith("@example.org").all()
    assert contacts["phone"].str.startswith("+999").all()
    refused = contacts["consent_given"] == "no"
    assert (contacts.loc[refused, "share_with"] == "nobody").all()
    assert (contacts.loc[~refused, "consent_date"] != "").all()


def test_evidence_and_indicators(areas: pd.DataFrame) -> None:
    ev = evidence(areas, "XAT", 1)
    assert ev["title"].str.startswith("FAKE").all()
    assert set(ev["sensitivity"]) <= {"public", "restricted", "confidential"}
    assert all(set(a.split(";")) <= set(areas["pcode"]) for a in ev["areas"])
    ind = indicators(areas, "XAT", 1)
    assert set(ind["kind"]) == {"trafficking", "smuggling"}
    assert set(ind["confidence"]) <= {"low", "medium", "high"}
    assert ind["period"].str.fullmatch(r"\d{4}Q[1-4]").all()


def test_write_is_deterministic(tmp_path: Path, areas: pd.DataFrame) -> None:
    a = write_partner_files(tmp_path / "a", areas=areas, host_country="XAT", seed=4)
    b = write_partner_files(tmp_path / "b", areas=areas, host_country="XAT", seed=4)
    assert set(a) == {"flow_monitoring", "organisations", "focal_points", "evidence", "indicators"}
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes()
