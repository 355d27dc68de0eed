"""Special data runs through the API: submit, list, four-eyes approval, rejection, refusals."""

from __future__ import annotations

from .conftest import bearer

SPEC = {"name": "ngo_by_dept", "dimensions": [{"field": "area", "level": "adm1"}],
        "protection": {"method": "suppression", "min_count": 10}}


def _submit(client, world, user: str = "olga", **over):
    body = {"agreement": "ngo-preparedness", "purpose": "preparedness", "spec": SPEC, **over}
    return client.post("/api/v1/requests", json=body, headers=bearer(world, user))


def test_submit_list_and_see_own_requests_only(client, world) -> None:
    r = _submit(client, world)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    rid = r.json()["request_id"]
    assert [x["request_id"] for x in client.get("/api/v1/requests", headers=bearer(world, "olga")).json()] == [rid]
    assert client.get("/api/v1/requests", headers=bearer(world, "pia")).json() == []
    assert client.get(f"/api/v1/requests/{rid}", headers=bearer(world, "pia")).status_code == 404
    assert client.get(f"/api/v1/requests/{rid}", headers=bearer(world, "olga")).json()["status"] == "pending"
    assert client.get("/api/v1/requests", headers=bearer(world, "aud")).status_code == 403
    assert client.get("/api/v1/requests").status_code == 401


def test_refused_requests_name_the_clause(client, world) -> None:
    other = _submit(client, world, user="pia")
    assert other.status_code == 403 and other.json()["clause"] == "parties"
    purpose = _submit(client, world, purpose="evacuation")
    assert purpose.status_code == 403 and purpose.json()["clause"] == "purposes"
    fine = _submit(client, world, spec={**SPEC, "dimensions": [{"field": "area", "level": "adm2"}]})
    assert fine.status_code == 403 and fine.json()["clause"] == "finest_geography"
    bad = _submit(client, world, spec={"name": "x"})
    assert bad.status_code == 422


def test_approval_is_four_eyes_and_releases_to_the_requester(client, world) -> None:
    rid = _submit(client, world, user="alice").json()["request_id"]
    self_ok = client.post(f"/api/v1/requests/{rid}/approve", json={"reason": "mine"}, headers=bearer(world, "alice"))
    assert self_ok.status_code == 403 and self_ok.json()["clause"] == "special_runs.four-eyes"
    rid = _submit(client, world).json()["request_id"]
    partner = client.post(f"/api/v1/requests/{rid}/approve", json={"reason": "x"}, headers=bearer(world, "olga"))
    assert partner.status_code == 403
    ok = client.post(f"/api/v1/requests/{rid}/approve", json={"reason": "shelter plan"}, headers=bearer(world, "bob"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "released" and ok.json()["release_id"]
    ids = {x["release_id"] for x in client.get("/api/v1/releases", headers=bearer(world, "olga")).json()}
    assert ok.json()["release_id"] in ids
    again = client.post(f"/api/v1/requests/{rid}/reject", json={"reason": "late"}, headers=bearer(world, "bob"))
    assert again.status_code == 403 and again.json()["clause"] == "request:status"


def test_rejection(client, world) -> None:
    rid = _submit(client, world).json()["request_id"]
    r = client.post(f"/api/v1/requests/{rid}/reject", json={"reason": "covered monthly"}, headers=bearer(world, "bob"))
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert client.post("/api/v1/requests/999/reject", json={"reason": "x"}, headers=bearer(world, "bob")).status_code == 404
