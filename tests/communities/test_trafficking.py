"""Attacks on trafficking indicators: finer geography, lower thresholds, wrong purpose, no agreement."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.communities.trafficking import (
    INDICATORS,
    MIN_COUNT,
    ReportIn,
    add_reports,
    list_reports,
    trafficking_table,
)
from atlas.errors import PolicyRefused
from atlas.privacy.users import actor_for, add_user
from atlas.protection.cube import TOTAL
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import add_agreement

TODAY = datetime.now(UTC).date()
ADM2 = ["HT0111", "HT0112", "HT0113", "HT0121", "HT0921"]


def agreement(name: str, purposes: list[str], finest: str = "adm2", min_count: int = 10) -> dict:
    return {"name": name, "parties": {"provider": "INS", "recipients": ["task-force"]},
            "tables": [{"name": "t", "dimensions": [{"field": "area", "level": "adm1"}]}], "dimensions": ["area"],
            "finest_geography": finest, "purposes": purposes,
            "disclosure": {"method": "suppression", "min_count": min_count},
            "start": str(TODAY - timedelta(days=10)), "expiry": str(TODAY + timedelta(days=100))}


def reports(rng: np.random.Generator, n: int, areas: list[str] = ADM2) -> list[ReportIn]:
    out = []
    for i in range(n):
        kind = "trafficking" if rng.random() < 0.6 else "smuggling"
        out.append(ReportIn(
            report_id=f"R{i}", kind=kind, indicator=str(rng.choice(INDICATORS[kind][:4])),
            area=str(rng.choice(areas)), route_origin=str(rng.choice(["VEN", "CUB", "DOM"])),
            route_destination="USA", period_start=date(2026, 1 + int(rng.integers(0, 6)), 1),
            period_end=date(2026, 7, 31), source_type="key_informant", source="Test protection partner",
            confidence=str(rng.choice(["low", "medium", "high"]))))
    return out


@pytest.fixture
def setup(workspace):
    with workspace.connect() as con:
        add_user(con, actor_for(con, "x"), "ana", role="steward", organisation="INS")
        steward = actor_for(con, "ana")
        add_user(con, steward, "tf", role="partner", organisation="task-force")
        add_user(con, steward, "ngo", role="partner", organisation="other-ngo")
        add_agreement(con, steward, parse_agreement(agreement("ct", ["counter_trafficking"])))
        add_agreement(con, steward, parse_agreement(agreement("stats", ["statistics", "preparedness"])))
        add_reports(con, steward, reports(np.random.default_rng(3), 400))
    return workspace


def published(table) -> list[tuple]:
    cells = table.cells
    return [tuple(r) for r in cells[cells["value"].notna()].itertuples(index=False)]


def last_refusal(con) -> dict:
    row = con.execute("SELECT actor, detail FROM audit_log WHERE action = 'access.refused' ORDER BY seq DESC LIMIT 1")
    actor, detail = row.fetchone()
    return {"actor": actor, **json.loads(detail)}


@pytest.mark.parametrize(("user", "kw", "clause"), [
    ("tf", {"agreement": "ct", "level": "adm2"}, "trafficking.finest_geography"),  # the agreement allows adm2
    ("tf", {"agreement": "ct", "min_count": 10}, "trafficking.min_count"),
    ("tf", {"agreement": "ct", "purpose": "statistics"}, "trafficking.purpose"),
    ("tf", {"agreement": "stats"}, "purposes"),              # an agreement that does not name the purpose
    ("tf", {}, "agreement"),                                 # no agreement at all
    ("ngo", {"agreement": "ct"}, "parties"),                 # not a party to the agreement
    ("ana", {"level": "adm2"}, "trafficking.finest_geography"),  # not even the steward
])
def test_stricter_rules_refuse_and_log(setup, user: str, kw: dict, clause: str) -> None:
    with setup.connect() as con:
        with pytest.raises(PolicyRefused) as exc:
            trafficking_table(con, actor_for(con, user), **kw)
        assert exc.value.clause == clause
        assert last_refusal(con) | {"actor": user, "clause": clause} == last_refusal(con)


def test_published_cells_meet_the_threshold_and_geography(setup) -> None:
    with setup.connect() as con:
        table = trafficking_table(con, actor_for(con, "tf"), agreement="ct", dimensions=["area", "kind", "period"],
                                  period="quarter")
        levels = dict(con.execute("SELECT pcode, level FROM geo_areas").fetchall())
        assert table.policy.min_count == MIN_COUNT and table.audit["ok"]
        cells = published(table)
        assert cells, "some cells are published"
        for area, _kind, _period, value, _flag in cells:
            assert area == TOTAL or levels[area] == 1
            assert value == 0 or value >= MIN_COUNT
        logged = con.execute("SELECT count(*) FROM audit_log WHERE action = 'trafficking.table'").fetchone()[0]
        assert logged == 1


def test_the_agreement_floor_raises_the_threshold_never_lowers_it(setup) -> None:
    with setup.connect() as con:
        steward = actor_for(con, "ana")
        add_agreement(con, steward, parse_agreement(agreement("ct", ["counter_trafficking"], min_count=40)))
        table = trafficking_table(con, actor_for(con, "tf"), agreement="ct")
        assert table.policy.min_count == 40
        assert all(v == 0 or v >= 40 for *_, v, _f in published(table))


def test_reports_are_for_the_providers_analysts_only(setup) -> None:
    with setup.connect() as con:
        assert len(list_reports(con, actor_for(con, "ana"))) == 400
        with pytest.raises(PolicyRefused):
            list_reports(con, actor_for(con, "tf"))


def test_a_person_named_as_source_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a person"):
        ReportIn(report_id="X", kind="smuggling", indicator="boat_departures", area="HT0111",
                 period_start=date(2026, 1, 1), period_end=date(2026, 1, 2), source_type="hotline",
                 source="call from Mr. Teodor Vasquell", confidence="low")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(0, 120),
       dims=st.sampled_from([["area"], ["area", "kind"], ["area", "indicator"], ["route_origin", "area"],
                             ["area", "confidence", "kind"]]))
def test_no_published_cell_below_the_threshold_or_admin1(workspace, seed: int, n: int, dims: list[str]) -> None:
    with workspace.connect() as con:
        steward = actor_for(con, "any")  # bootstrap steward of a workspace without users
        con.execute("DELETE FROM trafficking_reports")
        add_reports(con, steward, reports(np.random.default_rng(seed), n))
        table = trafficking_table(con, steward, dimensions=dims)
        cells = table.cells
        shown = cells[cells["value"].notna()]
        assert ((shown["value"] == 0) | (shown["value"] >= MIN_COUNT)).all()
        assert set(shown["area"]) <= {TOTAL, "HT01", "HT09"} | {c for c in shown["area"] if len(c) == 4}
        assert not shown["area"].isin(ADM2).any()


def fixed(n: int, start: int, area: str, month: int, confidence: str = "high") -> list[ReportIn]:
    return [ReportIn(report_id=f"F{start + i}", kind="trafficking", indicator="debt_bondage", area=area,
                     period_start=date(2026, month, 1), period_end=date(2026, month, 28), source_type="hotline",
                     confidence=confidence) for i in range(n)]


@pytest.fixture
def issued(workspace):
    """The task force's agreement, and reports in two departments: HT01 has 5 low-confidence reports of 30."""
    with workspace.connect() as con:
        add_user(con, actor_for(con, "x"), "ana", role="steward", organisation="INS")
        steward = actor_for(con, "ana")
        add_user(con, steward, "tf", role="partner", organisation="task-force")
        add_agreement(con, steward, parse_agreement(agreement("ct", ["counter_trafficking"])))
        add_reports(con, steward, [*fixed(25, 0, "HT0111", 1), *fixed(5, 100, "HT0112", 7, "low"),
                                   *fixed(45, 200, "HT0921", 4)])
    return workspace


def test_a_narrower_confidence_filter_cannot_be_subtracted(issued) -> None:
    with issued.connect() as con:
        tf = actor_for(con, "tf")
        first = trafficking_table(con, tf, agreement="ct", dimensions=["area"])
        assert first.cells.set_index("area").loc["HT01", "value"] == 30
        with pytest.raises(PolicyRefused) as exc:
            trafficking_table(con, tf, agreement="ct", dimensions=["area"], min_confidence="medium")
        assert exc.value.clause == "differencing"


def test_quarters_never_undo_a_year_already_held(issued) -> None:
    with issued.connect() as con:
        tf = actor_for(con, "tf")
        years = trafficking_table(con, tf, agreement="ct", dimensions=["area", "period"])
        quarters = trafficking_table(con, tf, agreement="ct", dimensions=["area", "period"], period="quarter")
        known = {(r.area, r.period): r.value for t in (years, quarters) for r in t.cells.itertuples()
                 if not pd.isna(r.value)}
        q = quarters.cells
        hidden = q[q["value"].isna() & q["period"].str.contains("-Q")]
        assert len(hidden), "the 5 reports of 2026-Q3 in HT01 are suppressed"
        for (area, year), total in [(k, v) for k, v in known.items() if "-Q" not in k[1] and k[1] != TOTAL]:
            group = q[(q["area"] == area) & q["period"].str.startswith(year + "-Q")]
            unknown = group["value"].isna().sum()
            assert unknown != 1, f"{area} {year}: one hidden quarter = {total} - the published ones"


def test_a_small_change_since_an_earlier_issue_is_withheld(issued) -> None:
    with issued.connect() as con:
        tf = actor_for(con, "tf")
        before = trafficking_table(con, tf, agreement="ct", dimensions=["area"]).cells.set_index("area")
        assert before.loc["HT09", "value"] == 45
        add_reports(con, actor_for(con, "ana"), fixed(3, 300, "HT0921", 5))
        after = trafficking_table(con, tf, agreement="ct", dimensions=["area"]).cells.set_index("area")
        assert pd.isna(after.loc["HT09", "value"])  # 48 - 45 would point at 3 reports
