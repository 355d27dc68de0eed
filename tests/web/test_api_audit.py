"""The audit trail through the API: auditors and stewards only, paginated, verifiable."""

from __future__ import annotations

from .conftest import bearer


def test_auditor_reads_pages_of_the_trail(client, world) -> None:
    r = client.get("/api/v1/audit?limit=5&offset=0", headers=bearer(world, "aud"))
    assert r.status_code == 200 and len(r.json()) == 5
    assert int(r.headers["x-total-count"]) > 5 and 'rel="next"' in r.headers["link"]
    assert [e["seq"] for e in r.json()] == [1, 2, 3, 4, 5]
    users = client.get("/api/v1/audit?action=users&limit=100", headers=bearer(world, "aud")).json()
    assert users and all(e["action"].startswith("users.") for e in users)


def test_chain_verifies(client, world) -> None:
    r = client.get("/api/v1/audit/verify", headers=bearer(world, "aud"))
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["entries"] > 0


def test_others_are_refused_and_the_refusal_is_audited(client, world) -> None:
    assert client.get("/api/v1/audit").status_code == 401
    for user in ("pia", "pub", "liz"):
        r = client.get("/api/v1/audit", headers=bearer(world, user))
        assert r.status_code == 403 and r.json()["clause"] == "access:read_audit"
    assert client.get("/api/v1/audit/verify", headers=bearer(world, "pia")).status_code == 403
    refusals = client.get("/api/v1/audit?action=access.refused&actor=pia", headers=bearer(world, "alice")).json()
    assert refusals
