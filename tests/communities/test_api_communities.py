"""The community routes under /api/v1: same models as the CLI, refused without the right permission."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from atlantis_store import build_atlantis
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from atlas.privacy.access import Actor
    from atlas.privacy.users import actor_for, add_user, create_api_key
    from atlas.web.api.communities import router
    from atlas.web.app import API_PREFIX, create_app
    from atlas.web.config import ServerSettings

    root = tmp_path_factory.mktemp("api_communities")
    ws = build_atlantis(root / "ws", root / "scratch", rows=2000)  # its own: users change who may do what
    with ws.connect() as con:
        add_user(con, Actor("ana", frozenset({"steward"}), None, bootstrap=True), "ana", role="steward",
                 organisation="INS", password=PASSWORD)
        ana = actor_for(con, "ana")
        add_user(con, ana, "pat", role="partner", organisation="NGO", password=PASSWORD)
        tokens = {n: create_api_key(con, ana, n, days=1).token for n in ("ana", "pat")}
    app = create_app(ServerSettings(home=ws.home))  # type: ignore[call-arg]
    if not any(getattr(r, "path", "").startswith(f"{API_PREFIX}/profiles") for r in app.routes):
        app.include_router(router, prefix=API_PREFIX)
    if not any(getattr(r, "path", "") == "/communities/profile" for r in app.routes):
        from atlas.web.portal.communities import router as portal

        app.include_router(portal)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, {n: f"Bearer {t}" for n, t in tokens.items()}


def test_profile_route_returns_the_profile_model(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    r = c.get("/api/v1/profiles/XAT01", headers={"Authorization": auth["ana"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["area"]["codes"] == ["XAT01"] and body["size"] and body["method"] == "cell_key"
    assert r.headers["content-type"].startswith("application/json")


def test_routes_need_permission_and_valid_input(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    assert c.get("/api/v1/profiles/XAT01").status_code == 401
    assert c.get("/api/v1/profiles/XAT01", headers={"Authorization": auth["pat"]}).status_code == 403
    assert c.get("/api/v1/profiles/XAT9999", headers={"Authorization": auth["ana"]}).status_code == 404
    assert c.get("/api/v1/profiles/XAT01", params={"nationality": "1"},
                 headers={"Authorization": auth["ana"]}).status_code == 422


def test_trend_route(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    r = c.get("/api/v1/trends/stock", params={"granularity": "year"}, headers={"Authorization": auth["ana"]})
    assert r.status_code == 200, r.text
    assert {p["period"] for p in r.json()["points"]} >= {"2024", "2025", "2026"}


def test_portal_page_shows_the_profile_without_script(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    r = c.get("/communities/profile", params={"area": "XAT01"}, headers={"Authorization": auth["ana"]})
    assert r.status_code == 200, r.text[:500]
    assert "What was suppressed" in r.text and "<svg" in r.text and "<script>" not in r.text
    assert c.get("/communities/profile", params={"area": "XAT01"},
                 headers={"Authorization": auth["pat"]}).status_code == 403


def test_profile_of_a_drawn_polygon(client: tuple[TestClient, dict[str, str]]) -> None:
    from atlas.geo.boundaries import active_geometries

    c, auth = client
    with c.app.state.workspace.connect(read_only=True) as con:  # type: ignore[attr-defined]
        geoms = active_geometries(con, "XAT", 2)
    shape = geoms[geoms["pcode"] == "XAT0101"].geometry.iloc[0].buffer(-0.001)
    r = c.post("/api/v1/profiles", json=shape.__geo_interface__, headers={"Authorization": auth["ana"]})
    assert r.status_code == 200, r.text
    assert r.json()["area"]["codes"] == ["XAT0101"] and r.json()["area"]["how"] == "polygon"
    bad = c.post("/api/v1/profiles", json={"type": "Point", "coordinates": [0, 0]},
                 headers={"Authorization": auth["ana"]})
    assert bad.status_code in (400, 422)
