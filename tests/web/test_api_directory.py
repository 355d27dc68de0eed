"""The contingency directory over HTTP: coverage for anyone, contacts only within consent and an agreement,
evidence only as the caller's audience may read it, trafficking counts only under counter_trafficking."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sharing.conftest import agreement_data

from atlas.settings import Settings
from atlas.store.workspace import Workspace

from .conftest import World, make_client

TODAY = datetime.now(UTC).date()
NAMES = {f"FP{i}": f"Quilla Zembrowski-Test{i}" for i in range(1, 6)}
SECRET_NAME = "Bartholomew Quenzaloid"
CONTACTS = "/api/v1/focal-points/contacts?purpose=emergency_response"


def _agreements() -> list[dict]:
    window = {"start": str(TODAY - timedelta(days=30)), "expiry": str(TODAY + timedelta(days=200))}
    crisis = agreement_data(name="crisis-contacts", parties={"provider": "INS", "recipients": ["relief-agency"]},
                            purposes=["emergency_response", "preparedness"], special_runs={"allowed": False},
                            **window)
    traffic = agreement_data(name="counter-trafficking", parties={"provider": "INS", "recipients": ["task-force"]},
                             purposes=["counter_trafficking"], special_runs={"allowed": False}, **window)
    return [crisis, traffic]


def _populate(ws: Workspace, tokens: dict[str, str]) -> None:
    from atlas.communities.evidence import EvidenceIn, add_evidence
    from atlas.communities.focal_points import ConsentIn, FocalPointIn, add_focal_points
    from atlas.communities.networks import NetworkIn, add_networks
    from atlas.communities.trafficking import ReportIn, add_reports
    from atlas.privacy.users import actor_for, add_user, create_api_key
    from atlas.sharing.agreement import parse_agreement
    from atlas.sharing.catalog import add_agreement

    with ws.connect() as con:
        alice = actor_for(con, "alice")
        for name, org in (("relief", "relief-agency"), ("tf", "task-force")):
            add_user(con, alice, name, role="partner", organisation=org)
            tokens[name] = create_api_key(con, alice, name, days=30).token
        for data in _agreements():
            add_agreement(con, alice, parse_agreement(data))
        liz = actor_for(con, "liz")
        add_networks(con, liz, [NetworkIn(network_id=f"N{i}", name=f"Venezuelan association {i}",
                                          kind="diaspora_association", nationalities=["VEN"], areas=["HT0111"])
                                for i in range(1, 5)] + [
            NetworkIn(network_id="N5", name="Informal network", kind="informal_network", formal=False,
                      nationalities=["CUB"], areas=["HT0921"])])
        anyone = {"purposes": ["emergency_response"], "given_at": TODAY - timedelta(days=10), "scope": "always"}
        add_focal_points(con, ws.keys, liz, [
            FocalPointIn(focal_id=f"FP{i}", network_id=f"N{i}", full_name=NAMES[f"FP{i}"], phone=f"+509 3710 000{i}",
                         areas=["HT0111"], consent=ConsentIn(**anyone)) for i in range(1, 5)] + [
            FocalPointIn(focal_id="FP5", network_id="N5", full_name=NAMES["FP5"], phone="+509 3710 0005",
                         areas=["HT0921"], consent=ConsentIn(purposes=["community_engagement"],
                                                             given_at=TODAY - timedelta(days=3), scope="always"))])
        common = {"themes": ["housing"], "method": "focus_group", "places": ["HT0111"]}
        add_evidence(con, ws.keys, liz, [
            EvidenceIn(evidence_id="E1", title="housing costs in the west", sensitivity="public",
                       text="participants described rising rents and crowded housing near the port.", **common),
            EvidenceIn(evidence_id="E2", title="housing and one landlord", sensitivity="public",
                       text=f"Mr {SECRET_NAME} evicted families from housing, call +509 3444 5555.", **common),
            EvidenceIn(evidence_id="E3", title="housing for partners", sensitivity="restricted",
                       text="restricted notes on housing shortages for planning.", **common)])
        reports = [ReportIn(report_id=f"T{i}", kind="trafficking", indicator="debt_bondage", area="HT0111",
                            route_origin="VEN", period_start=date(2026, 3, 1), period_end=date(2026, 3, 31),
                            source_type="key_informant", confidence="medium") for i in range(30)]
        reports += [ReportIn(report_id=f"S{i}", kind="smuggling", indicator="boat_departures", area="HT0921",
                             period_start=date(2026, 4, 1), period_end=date(2026, 4, 30),
                             source_type="hotline", confidence="high") for i in range(5)]
        add_reports(con, alice, reports)


@pytest.fixture(scope="module")
def _directory_world(_api_world: World, tmp_path_factory: pytest.TempPathFactory) -> World:
    home = tmp_path_factory.mktemp("directory") / "ws"
    shutil.copytree(_api_world.home, home)
    tokens = dict(_api_world.tokens)
    _populate(Workspace.open(Settings(home=home)), tokens)
    return World(home, tokens)


@pytest.fixture
def dw(_directory_world: World, tmp_path: Path) -> World:
    home = tmp_path / "ws"
    shutil.copytree(_directory_world.home, home)
    return World(home, _directory_world.tokens)


@pytest.fixture
def api(dw: World) -> Iterator[TestClient]:
    with make_client(dw.home, rate_limit=100_000, rate_burst=100_000) as c:
        yield c


def auth(world: World, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}


def refusals(client: TestClient, actor: str) -> list[dict]:
    with client.app.state.workspace.connect() as con:
        rows = con.execute("SELECT object, detail FROM audit_log WHERE action = 'access.refused' AND actor = ? "
                           "ORDER BY seq", [actor]).fetchall()
    entries = [{"object": o, **json.loads(d)} for o, d in rows]
    return [e | {"clause": e.get("clause") or f"access:{e.get('permission')}"} for e in entries]


def published(table: dict) -> list[int]:
    return [int(c["value"]) for c in table["cells"] if c["value"] is not None]


def cell(table: dict, **where: str) -> float | None:
    (found,) = [c for c in table["cells"] if all(c[k] == v for k, v in where.items())]
    return found["value"]


def test_network_coverage_is_protected_and_open_to_anyone(api) -> None:
    r = api.get("/api/v1/networks/coverage")
    assert r.status_code == 200
    body = r.json()
    assert cell(body, area="HT01", nationality="VEN") == 4
    assert cell(body, area="HT09", nationality="CUB") is None  # one network: suppressed
    assert all(v == 0 or v >= 3 for v in published(body))
    assert any("4 networks cover nationals of" in s and "(VEN)" in s for s in body["statements"])
    assert "Informal network" not in r.text
    assert api.get("/api/v1/networks/coverage?level=adm2").status_code == 200
    assert api.get("/api/v1/networks/coverage?level=adm3").status_code == 422


def test_public_callers_asking_for_contacts_are_refused_and_logged(api, dw) -> None:
    anonymous = api.get(CONTACTS + "&agreement=crisis-contacts")
    assert anonymous.status_code == 401 and anonymous.json()["clause"] == "access:authentication"
    assert refusals(api, "anonymous")[-1]["clause"] == "access:authentication"
    assert api.get("/api/v1/focal-points/FP1?purpose=emergency_response").status_code == 401
    pub = api.get(CONTACTS, headers=auth(dw, "pub"))
    assert pub.status_code == 403 and pub.json()["clause"] == "agreement"
    pub = api.get(CONTACTS + "&agreement=crisis-contacts", headers=auth(dw, "pub"))
    assert pub.status_code == 403 and pub.json()["clause"] == "access:read_releases"
    assert [x["clause"] for x in refusals(api, "pub")] == ["agreement", "access:read_releases"]
    assert api.get("/api/v1/focal-points/coverage", headers=auth(dw, "pub")).status_code == 403
    assert NAMES["FP1"] not in pub.text


def test_partner_without_the_agreement_is_refused_with_the_clause(api, dw) -> None:
    for url, clause in ((CONTACTS, "agreement"), (CONTACTS + "&agreement=crisis-contacts", "parties"),
                        ("/api/v1/focal-points/FP1?purpose=emergency_response&agreement=crisis-contacts", "parties")):
        r = api.get(url, headers=auth(dw, "olga"))
        assert r.status_code == 403 and r.json()["clause"] == clause
        assert r.headers["content-type"].startswith("application/problem+json")
    assert [x["clause"] for x in refusals(api, "olga")] == ["agreement", "parties", "parties"]
    wrong_purpose = api.get("/api/v1/focal-points/FP1?purpose=statistics&agreement=crisis-contacts",
                            headers=auth(dw, "relief"))
    assert wrong_purpose.status_code == 403 and wrong_purpose.json()["clause"] == "purposes"
    assert api.get("/api/v1/focal-points/FP1?purpose=emergency_response&agreement=nothing-here",
                   headers=auth(dw, "relief")).status_code == 404


def test_withdrawn_consent_leaves_the_contact_route_the_sheet_and_the_counts(api, dw) -> None:
    from atlas.communities.focal_points import withdraw_focal_consent
    from atlas.privacy.users import actor_for

    relief, steward = auth(dw, "relief"), auth(dw, "alice")
    one = "/api/v1/focal-points/FP1?purpose=emergency_response&agreement=crisis-contacts"
    got = api.get(one, headers=relief)
    assert got.status_code == 200 and got.json()["full_name"] == NAMES["FP1"] and got.json()["phone"]
    sheet = api.get(CONTACTS + "&agreement=crisis-contacts&area=HT0111", headers=relief).json()
    assert {c["focal_id"] for c in sheet["contacts"]} == {"FP1", "FP2", "FP3", "FP4"}
    assert cell(api.get("/api/v1/focal-points/coverage", headers=steward).json(), area="HT01", nationality="VEN") == 4
    refused = api.get("/api/v1/focal-points/FP5?purpose=emergency_response&agreement=crisis-contacts", headers=relief)
    assert refused.status_code == 403 and refused.json()["clause"] == "consent.purposes"
    assert NAMES["FP5"] not in refused.text

    with api.app.state.workspace.connect() as con:
        withdraw_focal_consent(con, actor_for(con, "liz"), "FP1")
    gone = api.get(one, headers=relief)
    assert gone.status_code == 403 and gone.json()["clause"] == "consent.withdrawn"
    sheet = api.get(CONTACTS + "&agreement=crisis-contacts", headers=relief).json()
    assert "FP1" not in {c["focal_id"] for c in sheet["contacts"]} and NAMES["FP1"] not in json.dumps(sheet)
    assert cell(api.get("/api/v1/focal-points/coverage", headers=steward).json(), area="HT01", nationality="VEN") == 3
    with api.app.state.workspace.connect() as con:
        views = con.execute("SELECT count(*) FROM audit_log WHERE action IN ('focal_point.view', 'focal_point.sheet') "
                            "AND actor = 'relief'").fetchone()[0]
    assert views == 3  # one contact, two sheets


def test_evidence_shows_only_what_the_audience_may_read(api, dw) -> None:
    def ids(headers: dict | None = None, query: str = "q=housing") -> set[str]:
        r = api.get(f"/api/v1/evidence?{query}", headers=headers or {})
        assert r.status_code == 200 and SECRET_NAME not in r.text and "3444" not in r.text
        return {e["evidence_id"] for e in r.json()}

    assert ids() == {"E1"}
    assert ids(auth(dw, "olga")) == {"E1", "E3"}
    assert ids(auth(dw, "olga"), "q=housing&audience=public") == {"E1"}
    assert ids(auth(dw, "alice"), "theme=housing&place=HT0111") == {"E1", "E3"}
    assert ids(query="q=rents") == {"E1"}
    item = api.get("/api/v1/evidence/E1")
    assert item.status_code == 200 and "crowded housing" in item.json()["body"]
    assert api.get("/api/v1/evidence/E3").status_code == 404
    assert api.get("/api/v1/evidence/E3", headers=auth(dw, "olga")).status_code == 200
    for who in (None, "olga", "alice"):
        unreviewed = api.get("/api/v1/evidence/E2", headers=auth(dw, who) if who else {})
        assert unreviewed.status_code == 404 and SECRET_NAME not in unreviewed.text
    assert api.get("/api/v1/evidence?audience=partner").status_code == 401
    refused = api.get("/api/v1/evidence?audience=partner", headers=auth(dw, "pub"))
    assert refused.status_code == 403 and refused.json()["clause"] == "access:read_releases"


def test_trafficking_counts_only_under_counter_trafficking_and_never_below_20(api, dw) -> None:
    url = "/api/v1/trafficking/counter-trafficking"
    assert api.get(url).status_code == 401
    for user, clause in (("olga", "parties"), ("relief", "parties"), ("pub", "access:read_releases")):
        r = api.get(url, headers=auth(dw, user))
        assert r.status_code == 403 and r.json()["clause"] == clause
        assert refusals(api, user)[-1]["clause"] == clause
    wrong = api.get("/api/v1/trafficking/crisis-contacts", headers=auth(dw, "relief"))
    assert wrong.status_code == 403 and wrong.json()["clause"] == "purposes"
    task_force = auth(dw, "tf")
    for query, clause in (("level=adm2", "trafficking.finest_geography"), ("min_count=10", "trafficking.min_count"),
                          ("purpose=statistics", "trafficking.purpose")):
        r = api.get(f"{url}?{query}", headers=task_force)
        assert r.status_code == 403 and r.json()["clause"] == clause
    ok = api.get(url, headers=task_force)
    assert ok.status_code == 200
    table = ok.json()
    assert table["min_count"] >= 20 and all(v == 0 or v >= 20 for v in published(table))
    assert cell(table, area="HT01", kind="trafficking") == 30
    assert cell(table, area="HT09", kind="smuggling") is None
    assert {c["area"] for c in table["cells"]} <= {"_T"} | {f"HT{i:02d}" for i in range(1, 11)}
    by_origin = api.get(f"{url}?by=route_origin,period&period=quarter", headers=task_force)
    assert by_origin.status_code == 200 and all(v == 0 or v >= 20 for v in published(by_origin.json()))


@pytest.mark.parametrize("user", [None, "tf"])
def test_directory_routes_never_answer_a_server_error(dw, user: str | None) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    headers = auth(dw, user) if user else {}
    bounded = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                       database=None)
    with make_client(dw.home, rate_limit=1_000_000, rate_burst=1_000_000) as client:
        schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
        operations = [r.ok() for r in schema.get_all_operations()]
        operations = [o for o in operations if "directory" in (o.definition.raw.get("tags") or [])]
        assert len(operations) == 7
        for operation in operations:

            @bounded
            @given(case=operation.as_strategy())
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            check()


EDGE_QUERIES = ["level=adm0", "by=area,area,kind", "by=indicator,confidence,source_type",
                "by=route_destination&min_confidence=high", "by=nothing", "period=quarter", "min_count=0",
                "by=period,kind&period=quarter", "by=area,kind&min_confidence=high"]


def test_trafficking_edge_requests_are_answered_without_server_errors(api, dw) -> None:
    for query in EDGE_QUERIES:  # one after another: later issues meet what the task force already holds
        r = api.get(f"/api/v1/trafficking/counter-trafficking?{query}", headers=auth(dw, "tf"))
        assert r.status_code in (200, 403, 422), (query, r.text)
        if r.status_code == 200:
            assert all(v == 0 or v >= 20 for v in published(r.json())), query
