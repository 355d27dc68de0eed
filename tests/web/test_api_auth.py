"""Authentication: API keys and sessions (argon2, expiring, revocable), CSRF, rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .conftest import PASSWORD, bearer, make_client


def test_bad_credentials_are_refused_not_downgraded_to_public(client, world) -> None:
    for header in ("Bearer atl_nope_x", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer " + world.tokens["pia"] + "x"):
        r = client.get("/api/v1/releases", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.json()["code"] == "unauthenticated"


def test_expired_key_is_refused(client, world) -> None:
    key_id = world.tokens["pia"].split("_")[1]
    assert client.get("/api/v1/me", headers=bearer(world, "pia")).status_code == 200
    with client.app.state.workspace.connect() as con:
        con.execute("UPDATE api_keys SET expires_at = ? WHERE key_id = ?", [datetime.now(UTC) - timedelta(1), key_id])
    assert client.get("/api/v1/me", headers=bearer(world, "pia")).status_code == 401


def test_keys_created_listed_and_revoked_take_effect_at_once(client, world) -> None:
    made = client.post("/api/v1/keys", json={"days": 5, "label": "laptop"}, headers=bearer(world, "olga"))
    assert made.status_code == 201
    token, key_id = made.json()["token"], made.json()["key_id"]
    mine = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=mine).json()["name"] == "olga"
    listed = client.get("/api/v1/keys", headers=mine).json()
    assert key_id in [k["key_id"] for k in listed] and all("token" not in k for k in listed)
    assert client.delete(f"/api/v1/keys/{key_id}", headers=bearer(world, "pia")).status_code == 403
    assert client.delete(f"/api/v1/keys/{key_id}", headers=mine).status_code == 204
    assert client.get("/api/v1/me", headers=mine).status_code == 401
    assert client.post("/api/v1/keys", json={"user": "alice"}, headers=bearer(world, "olga")).status_code == 403
    assert client.post("/api/v1/keys", json={"user": "olga"}, headers=bearer(world, "alice")).status_code == 201
    assert client.post("/api/v1/keys", json={"days": 5}).status_code == 401


def test_session_login_cookie_csrf_and_logout(client, world) -> None:
    assert client.post("/api/v1/sessions", json={"username": "olga", "password": "wrong"}).status_code == 401
    r = client.post("/api/v1/sessions", json={"username": "olga", "password": PASSWORD})
    assert r.status_code == 201 and "atlas_session" in r.cookies
    assert "httponly" in r.headers["set-cookie"].lower()
    csrf = r.json()["csrf_token"]
    me = client.get("/api/v1/me").json()
    assert me["name"] == "olga" and me["authenticated_by"] == "session" and me["csrf_token"] == csrf
    assert client.post("/api/v1/keys", json={"days": 1}).status_code == 403  # no CSRF token
    assert client.post("/api/v1/keys", json={"days": 1}, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.delete("/api/v1/sessions/current", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").json()["name"] == "anonymous"


def test_disabled_user_loses_access_at_once(client, world) -> None:
    from atlas.privacy.users import actor_for, disable_user

    with client.app.state.workspace.connect() as con:
        disable_user(con, actor_for(con, "alice"), "olga")
    assert client.get("/api/v1/me", headers=bearer(world, "olga")).status_code == 401


def test_rate_limit_answers_429_with_retry_after(world) -> None:
    with make_client(world.home, rate_limit=1, rate_burst=3) as c:  # type: ignore[arg-type]
        codes = [c.get("/api/v1/health").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        r = c.get("/api/v1/health")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert r.json()["code"] == "rate-limited"
        assert c.get("/api/v1/health", headers=bearer(world, "pia")).status_code == 200  # another identity


def test_token_bucket_refills() -> None:
    from atlas.web.ratelimit import TokenBuckets

    now = [0.0]
    b = TokenBuckets(60, 2, clock=lambda: now[0])
    assert [b.take("k"), b.take("k")] == [0.0, 0.0]
    assert b.take("k") == 1.0
    now[0] = 1.0
    assert b.take("k") == 0.0 and b.take("other") == 0.0


def test_made_up_key_ids_share_their_address_budget(world) -> None:
    with make_client(world.home, rate_limit=1, rate_burst=1) as c:  # type: ignore[arg-type]
        codes = [c.get("/api/v1/me", headers={"Authorization": f"Bearer atl_{i:012x}_x"}).status_code
                 for i in range(15)]
        assert codes[:10] == [401] * 10 and 429 in codes[10:]


def test_signed_in_routes_refuse_the_anonymous(client) -> None:
    assert client.delete("/api/v1/sessions/current").status_code == 401
    assert client.get("/api/v1/keys").status_code == 401
    assert client.delete("/api/v1/keys/abc123").status_code == 401
