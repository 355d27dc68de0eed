"""Login sessions, key listing and the verified-secret memory a long-running server keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atlas.errors import PolicyRefused, RejectedInput
from atlas.privacy.users import (
    SESSION_LABEL,
    actor_for,
    add_user,
    authenticate_api_key,
    create_api_key,
    create_session,
    list_api_keys,
    revoke_api_key,
)


@pytest.fixture()
def con(ws):
    with ws.connect() as c:
        add_user(c, actor_for(c, "alice"), "alice", role="steward", password="pw-alice-123")
        add_user(c, actor_for(c, "alice"), "pat", role="partner", organisation="unhcr", password="pw-pat-123")
        yield c


def test_session_is_a_short_lived_key_opened_by_password(con) -> None:
    with pytest.raises(PolicyRefused):
        create_session(con, "pat", "wrong")
    s = create_session(con, "pat", "pw-pat-123", hours=2)
    assert timedelta(hours=1.9) < s.expires_at - datetime.now(UTC) <= timedelta(hours=2)
    assert authenticate_api_key(con, s.token).name == "pat"
    [row] = [k for k in list_api_keys(con, actor_for(con, "pat")) if k["key_id"] == s.key_id]
    assert row["label"] == SESSION_LABEL and "secret_hash" not in row
    with pytest.raises(RejectedInput):
        create_session(con, "pat", "pw-pat-123", hours=0)


def test_listing_other_users_keys_needs_manage_users(con) -> None:
    create_api_key(con, actor_for(con, "alice"), "alice")
    with pytest.raises(PolicyRefused):
        list_api_keys(con, actor_for(con, "pat"), "alice")
    assert len(list_api_keys(con, actor_for(con, "alice"), "alice")) == 1


def test_verified_memory_never_outlives_revocation_or_expiry(con) -> None:
    alice = actor_for(con, "alice")
    key = create_api_key(con, alice, "pat", days=3)
    seen: dict[str, tuple[str, str]] = {}
    assert authenticate_api_key(con, key.token, verified=seen).name == "pat"
    assert key.key_id in seen and key.token.split("_", 2)[2] not in str(seen)
    assert authenticate_api_key(con, key.token, verified=seen).name == "pat"
    with pytest.raises(PolicyRefused):
        authenticate_api_key(con, key.token[:-1] + ("A" if key.token[-1] != "A" else "B"), verified=seen)
    con.execute("UPDATE api_keys SET expires_at = ? WHERE key_id = ?", [datetime.now(UTC) - timedelta(1), key.key_id])
    with pytest.raises(PolicyRefused):
        authenticate_api_key(con, key.token, verified=seen)
    other = create_api_key(con, alice, "pat", days=3)
    authenticate_api_key(con, other.token, verified=seen)
    revoke_api_key(con, alice, other.key_id)
    with pytest.raises(PolicyRefused):
        authenticate_api_key(con, other.token, verified=seen)
