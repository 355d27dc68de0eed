"""Releases: who sees which package, file downloads with ETags, and agreements that cut access."""

from __future__ import annotations

import hashlib

from .conftest import bearer


def _ids(r) -> set[str]:
    assert r.status_code == 200, r.text
    return {x["release_id"] for x in r.json()}


def test_each_caller_sees_public_and_own_releases_only(client, world) -> None:
    assert _ids(client.get("/api/v1/releases")) == {"open-hti/1"}
    assert _ids(client.get("/api/v1/releases", headers=bearer(world, "pia"))) == {"open-hti/1", "ins-consulate-ven/1"}
    assert _ids(client.get("/api/v1/releases", headers=bearer(world, "olga"))) == {"open-hti/1", "ngo-preparedness/1"}
    assert _ids(client.get("/api/v1/releases", headers=bearer(world, "pub"))) == {"open-hti/1"}
    assert len(_ids(client.get("/api/v1/releases", headers=bearer(world, "alice")))) == 3
    assert _ids(client.get("/api/v1/releases?agreement=open-hti", headers=bearer(world, "alice"))) == {"open-hti/1"}


def test_pagination_links_and_total(client, world) -> None:
    r = client.get("/api/v1/releases?limit=1&offset=1", headers=bearer(world, "alice"))
    assert r.status_code == 200 and len(r.json()) == 1
    assert r.headers["x-total-count"] == "3"
    link = r.headers["link"]
    assert 'rel="next"' in link and 'rel="prev"' in link and "offset=2" in link and 'rel="first"' in link
    last = client.get("/api/v1/releases?limit=1&offset=2", headers=bearer(world, "alice"))
    assert 'rel="next"' not in last.headers["link"]


def test_partner_asking_for_another_partners_release_is_refused(client, world) -> None:
    r = client.get("/api/v1/releases/ins-consulate-ven/1", headers=bearer(world, "olga"))
    assert r.status_code == 403 and r.json()["clause"] == "access:read_releases"
    f = client.get("/api/v1/releases/ins-consulate-ven/1/files/by_dept_sex.csv", headers=bearer(world, "olga"))
    assert f.status_code == 403
    assert client.get("/api/v1/releases/ins-consulate-ven/1").status_code == 401  # anonymous: sign in
    assert client.get("/api/v1/releases/ins-consulate-ven/1", headers=bearer(world, "pia")).status_code == 200
    with client.app.state.workspace.connect() as con:
        refused = con.execute("SELECT count(*) FROM audit_log WHERE action = 'access.refused' AND actor = 'olga'"
                              ).fetchone()[0]
    assert refused >= 1


def test_release_detail_lists_the_signed_files(client, world) -> None:
    r = client.get("/api/v1/releases/open-hti/1")
    assert r.status_code == 200
    files = {f["name"]: f for f in r.json()["files"]}
    assert {"pop_by_dept_sex.csv", "manifest.json", "manifest.sig", "metadata.json"} <= set(files)
    assert files["pop_by_dept_sex.csv"]["href"] == "/api/v1/releases/open-hti/1/files/pop_by_dept_sex.csv"


def test_file_download_etag_and_304(client, world) -> None:
    url = "/api/v1/releases/open-hti/1/files/pop_by_dept_sex.csv"
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    etag = r.headers["etag"]
    assert etag == f'"{hashlib.sha256(r.content).hexdigest()}"'
    assert "immutable" in r.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304


def test_unknown_files_and_releases_are_404(client, world) -> None:
    assert client.get("/api/v1/releases/open-hti/1/files/..%2Fmaster.key").status_code == 404
    assert client.get("/api/v1/releases/open-hti/1/files/nothing.csv").status_code == 404
    assert client.get("/api/v1/releases/open-hti/9").status_code == 404
    assert client.get("/api/v1/releases/no-such/1").status_code == 404


def test_suspended_agreement_cuts_release_access_at_once(client, world) -> None:
    url = "/api/v1/releases/ins-consulate-ven/1/files/by_dept_sex.csv"
    assert client.get(url, headers=bearer(world, "pia")).status_code == 200
    r = client.post("/api/v1/agreements/ins-consulate-ven/status", json={"status": "suspended", "reason": "breach"},
                    headers=bearer(world, "alice"))
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    refused = client.get(url, headers=bearer(world, "pia"))
    assert refused.status_code == 403 and refused.json()["clause"] == "status"
    assert "ins-consulate-ven/1" not in _ids(client.get("/api/v1/releases", headers=bearer(world, "pia")))
    assert client.get(url, headers=bearer(world, "alice")).status_code == 200  # the provider keeps access
    client.post("/api/v1/agreements/ins-consulate-ven/status", json={"status": "active", "reason": "resolved"},
                headers=bearer(world, "alice"))
    assert client.get(url, headers=bearer(world, "pia")).status_code == 200


def test_expired_agreement_cuts_release_access(client, world) -> None:
    with client.app.state.workspace.connect() as con:
        con.execute("UPDATE agreements SET body = json_merge_patch(body, '{\"expiry\": \"2026-02-01\"}') "
                    "WHERE name = 'ngo-preparedness'")
    r = client.get("/api/v1/releases/ngo-preparedness/1", headers=bearer(world, "olga"))
    assert r.status_code == 403 and r.json()["clause"] == "expiry"
