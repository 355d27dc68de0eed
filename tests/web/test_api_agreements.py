"""Agreements: visible to their parties; only stewards change them; crises only by those allowed."""

from __future__ import annotations

from datetime import date

from sharing.conftest import agreement_data

from .conftest import bearer


def _names(r) -> set[str]:
    assert r.status_code == 200, r.text
    return {a["name"] for a in r.json()}


def test_list_by_role(client, world) -> None:
    assert _names(client.get("/api/v1/agreements")) == {"open-hti"}
    assert _names(client.get("/api/v1/agreements", headers=bearer(world, "pia"))) == {"open-hti", "ins-consulate-ven"}
    everything = {"open-hti", "ins-consulate-ven", "ngo-preparedness"}
    assert _names(client.get("/api/v1/agreements", headers=bearer(world, "alice"))) == everything
    assert _names(client.get("/api/v1/agreements", headers=bearer(world, "aud"))) == everything
    tables = {t["agreement"] for t in client.get("/api/v1/tables", headers=bearer(world, "aud")).json()}
    assert tables == {"open-hti"}  # auditors read agreements, they do not receive their tables


def test_one_agreement_for_parties_only(client, world) -> None:
    r = client.get("/api/v1/agreements/ins-consulate-ven", headers=bearer(world, "pia"))
    assert r.status_code == 200 and r.json()["disclosure"]["min_count"] == 10 and r.json()["public"] is False
    other = client.get("/api/v1/agreements/ins-consulate-ven", headers=bearer(world, "olga"))
    assert other.status_code == 403 and other.json()["clause"] == "parties"
    assert client.get("/api/v1/agreements/ins-consulate-ven").status_code == 403
    assert client.get("/api/v1/agreements/open-hti").json()["licence"] == "CC-BY-4.0"
    assert client.get("/api/v1/agreements/no-such").status_code == 404


def test_only_stewards_add_agreements_and_invalid_ones_are_rejected(client, world) -> None:
    body = agreement_data(name="new-one")
    body["start"], body["expiry"] = "2026-01-01", f"{date.today().year + 2}-06-01"
    assert client.post("/api/v1/agreements", json=body, headers=bearer(world, "pia")).status_code == 403
    assert client.post("/api/v1/agreements", json=body).status_code == 401
    made = client.post("/api/v1/agreements", json=body, headers=bearer(world, "alice"))
    assert made.status_code == 201 and made.json()["version"] == 1
    files = client.post("/api/v1/agreements", json={**body, "tables": ["/etc/passwd"]}, headers=bearer(world, "alice"))
    assert files.status_code == 422 and "root" not in files.text
    bad = client.post("/api/v1/agreements", json={**body, "purposes": ["spying"]}, headers=bearer(world, "alice"))
    assert bad.status_code == 422 and bad.json()["code"] == "rejected-input" and bad.json()["issues"]


def test_status_changes_by_stewards_only(client, world) -> None:
    url = "/api/v1/agreements/ngo-preparedness/status"
    assert client.post(url, json={"status": "suspended", "reason": "x"}, headers=bearer(world, "olga")).status_code == 403
    assert client.post(url, json={"status": "paused", "reason": "x"}, headers=bearer(world, "alice")).status_code == 422
    r = client.post(url, json={"status": "revoked", "reason": "ended"}, headers=bearer(world, "alice"))
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    again = client.post(url, json={"status": "active", "reason": "undo"}, headers=bearer(world, "alice"))
    assert again.status_code == 403 and again.json()["clause"] == "status"


def test_crisis_activation_and_end(client, world) -> None:
    body = agreement_data(name="crisis-one", circumstances={"routine": True, "crisis": {
        "trigger": "hurricane warning", "finest_geography": "adm2", "max_days": 10,
        "tables": [{"name": "by_commune", "dimensions": [{"field": "area", "level": "adm2"}]}]}})
    assert client.post("/api/v1/agreements", json=body, headers=bearer(world, "alice")).status_code == 201
    url = "/api/v1/agreements/crisis-one/crisis"
    refused = client.post(url, json={"trigger": "storm"}, headers=bearer(world, "pia"))
    assert refused.status_code == 403 and refused.json()["clause"] == "circumstances.crisis.may_activate"
    on = client.post(url, json={"trigger": "storm", "days": 3}, headers=bearer(world, "alice"))
    assert on.status_code == 200 and on.json()["crisis_active"] is True
    tables = {t["table"] for t in client.get("/api/v1/tables", headers=bearer(world, "pia")).json()}
    assert "by_commune" in tables
    during = client.get("/api/v1/tables/crisis-one/by_commune?purpose=consular_assistance", headers=bearer(world, "pia"))
    assert during.status_code == 200, during.text
    assert client.delete(url, headers=bearer(world, "pia")).status_code == 403
    off = client.delete(url, headers=bearer(world, "alice"))
    assert off.status_code == 200 and off.json()["crisis_active"] is False
    after = client.get("/api/v1/tables/crisis-one/by_commune", headers=bearer(world, "pia"))
    assert after.status_code == 404  # the crisis table is gone with the activation
