"""Health, identity and the problem-details shape every error shares."""

from __future__ import annotations

from .conftest import USERS, bearer


def test_health_and_anonymous_identity(client) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    me = client.get("/api/v1/me").json()
    assert me["name"] == "anonymous" and me["permissions"] == [] and me["roles"] == ["public"]


def test_me_with_an_api_key(client, world) -> None:
    me = client.get("/api/v1/me", headers=bearer(world, "pia")).json()
    assert me["name"] == "pia" and me["organisation"] == USERS["pia"][1]
    assert me["authenticated_by"] == "api-key" and "read_releases" in me["permissions"]


def test_problem_details_shape_for_every_kind_of_error(client, world) -> None:
    for url, status, code in (("/api/v1/nowhere", 404, "not-found"),
                              ("/api/v1/releases?limit=0", 422, "invalid-request"),
                              ("/api/v1/audit", 401, "unauthenticated")):
        r = client.get(url)
        assert r.status_code == status
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert {"type", "title", "status", "detail", "code"} <= set(body)
        assert body["status"] == status and body["code"] == code and body["type"].endswith(code)
    assert client.get("/api/v1/audit").headers["www-authenticate"].startswith("Bearer")


def test_unexpected_errors_leak_nothing(client, world, caplog) -> None:
    def boom() -> None:
        raise RuntimeError("secret internal detail /srv/atlas SELECT * FROM persons")

    client.app.add_api_route("/api/v1/boom", boom)
    r = client.get("/api/v1/boom")
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert "secret" not in r.text and "Traceback" not in r.text and "persons" not in r.text
    assert body["error_id"] in body["detail"]
    assert any(body["error_id"] in rec.getMessage() for rec in caplog.records)


def test_openapi_lists_every_route(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/releases", "/api/v1/releases/{agreement}/{version}/files/{name}", "/api/v1/tables",
              "/api/v1/tables/{agreement}/{table}", "/api/v1/agreements", "/api/v1/requests",
              "/api/v1/requests/{request_id}/approve", "/api/v1/ingest", "/api/v1/audit", "/api/v1/sessions",
              "/api/v1/keys"):
        assert p in paths


def test_api_headers(client, world) -> None:
    public = client.get("/api/v1/agreements")
    assert public.headers["x-content-type-options"] == "nosniff" and public.headers["cache-control"] == "no-cache"
    private = client.get("/api/v1/agreements", headers=bearer(world, "pia"))
    assert private.headers["cache-control"] == "no-store"
    assert "immutable" in client.get("/api/v1/releases/open-hti/1/files/metadata.json").headers["cache-control"]
