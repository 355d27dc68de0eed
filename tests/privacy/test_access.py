from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.access import PERMISSIONS, ROLES, Actor, authorize
from atlas.privacy.users import (
    actor_for,
    add_user,
    authenticate_api_key,
    create_api_key,
    disable_user,
    grant,
    list_users,
    login,
    revoke,
    revoke_api_key,
)


@pytest.fixture()
def people(ws):
    """A steward (bootstrapped), a second steward, an analyst and a partner of UNHCR."""
    with ws.connect() as con:
        boot = actor_for(con, "alice")
        add_user(con, boot, "alice", role="steward", password="correct horse battery")
        alice = actor_for(con, "alice")
        add_user(con, alice, "bob", role="steward")
        add_user(con, alice, "ana", role="analyst", password="pw-ana-123")
        add_user(con, alice, "pat", role="partner", organisation="unhcr")
        yield con


def _refusals(con) -> int:
    return con.execute("SELECT count(*) FROM audit_log WHERE action = 'access.refused'").fetchone()[0]


def test_roles_are_least_privilege() -> None:
    assert ROLES["steward"] == frozenset(PERMISSIONS)
    for role in ("analyst", "partner", "liaison", "auditor", "public"):
        assert not ROLES[role] & {"read_vault", "manage_users", "approve_sharing", "run_retention", "subject_rights"}
    assert "read_microdata" not in ROLES["partner"] | ROLES["auditor"] | ROLES["public"]
    assert "read_audit" in ROLES["auditor"]


@pytest.mark.parametrize(("role", "permission", "allowed"), [
    ("analyst", "read_microdata", True), ("analyst", "read_vault", False), ("partner", "read_microdata", False),
    ("auditor", "read_audit", True), ("auditor", "read_microdata", False), ("public", "read_releases", False),
    ("steward", "read_vault", True), ("liaison", "manage_directory", True), ("liaison", "ingest", False),
])
def test_authorize_matrix(role: str, permission: str, allowed: bool) -> None:
    actor = Actor("x", frozenset({role}), "org")
    if allowed:
        authorize(actor, permission)
    else:
        with pytest.raises(PolicyRefused) as info:
            authorize(actor, permission)
        assert info.value.clause == f"access:{permission}"


def test_partner_reads_only_its_own_organisations_releases() -> None:
    pat = Actor("pat", frozenset({"partner"}), "unhcr")
    authorize(pat, "read_releases", {"organisation": "unhcr"})
    with pytest.raises(PolicyRefused, match="may not act"):
        authorize(pat, "read_releases", {"organisation": "iom"})


def test_partner_cannot_grant_itself_steward_and_it_is_audited(people) -> None:
    pat = actor_for(people, "pat")
    with pytest.raises(PolicyRefused, match="themselves"):
        grant(people, pat, "pat", "steward")
    with pytest.raises(PolicyRefused, match="manage_users"):
        grant(people, pat, "ana", "steward")
    with pytest.raises(PolicyRefused, match="manage_users"):
        add_user(people, pat, "pat2", role="steward")
    assert _refusals(people) == 3
    assert actor_for(people, "pat").roles == {"partner"}


def test_steward_cannot_self_grant_but_another_steward_can_grant(people) -> None:
    alice, bob = actor_for(people, "alice"), actor_for(people, "bob")
    with pytest.raises(PolicyRefused):
        grant(people, alice, "alice", "auditor")
    grant(people, bob, "ana", "auditor")
    assert actor_for(people, "ana").roles == {"analyst", "auditor"}
    revoke(people, bob, "ana", "auditor")
    assert actor_for(people, "ana").roles == {"analyst"}
    assert [u["name"] for u in list_users(people)] == ["alice", "ana", "bob", "pat"]


def test_unknown_user_refused_once_users_exist(people) -> None:
    with pytest.raises(PolicyRefused, match="Unknown"):
        actor_for(people, "mallory")


def test_first_user_must_be_a_steward(ws) -> None:
    with ws.connect() as con, pytest.raises(PolicyRefused, match="first user"):
        add_user(con, actor_for(con, "x"), "x", role="analyst")


def test_passwords_are_argon2_hashed_and_logins_audited(people) -> None:
    stored = people.execute("SELECT password_hash FROM users WHERE name = 'ana'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "pw-ana-123" not in stored
    assert login(people, "ana", "pw-ana-123").roles == {"analyst"}
    with pytest.raises(PolicyRefused):
        login(people, "ana", "wrong")
    with pytest.raises(PolicyRefused):
        login(people, "pat", "")  # no password set
    actions = [r[0] for r in people.execute("SELECT action FROM audit_log WHERE object = 'ana' ORDER BY seq").fetchall()]
    assert actions[-2:] == ["login", "login.failed"]


def test_api_keys_expire_and_can_be_revoked(people) -> None:
    alice, ana = actor_for(people, "alice"), actor_for(people, "ana")
    key = create_api_key(people, ana, "ana", days=30)
    assert key.token.startswith(f"atl_{key.key_id}_")
    assert authenticate_api_key(people, key.token).name == "ana"
    secret = key.token.split("_", 2)[2]
    assert secret not in people.execute("SELECT secret_hash FROM api_keys").fetchone()[0]
    for bad in (key.token + "x", "atl_nope_x", "garbage"):
        with pytest.raises(PolicyRefused):
            authenticate_api_key(people, bad)
    with pytest.raises(PolicyRefused):
        create_api_key(people, ana, "alice")  # an analyst cannot mint keys for a steward
    people.execute("UPDATE api_keys SET expires_at = ? WHERE key_id = ?", [datetime.now(UTC) - timedelta(1), key.key_id])
    with pytest.raises(PolicyRefused):
        authenticate_api_key(people, key.token)
    other = create_api_key(people, alice, "ana", days=5)
    revoke_api_key(people, alice, other.key_id)
    with pytest.raises(PolicyRefused):
        authenticate_api_key(people, other.token)


def test_the_last_steward_cannot_be_removed(people) -> None:
    alice = actor_for(people, "alice")
    revoke(people, alice, "bob", "steward")
    with pytest.raises(PolicyRefused, match="last steward"):
        revoke(people, alice, "alice", "steward")


def test_disabling_a_user_cuts_access_at_once(people) -> None:
    alice, ana = actor_for(people, "alice"), actor_for(people, "ana")
    key = create_api_key(people, ana, "ana")
    assert disable_user(people, alice, "ana") == 1
    for attempt in (lambda: authenticate_api_key(people, key.token), lambda: login(people, "ana", "pw-ana-123"),
                    lambda: actor_for(people, "ana")):
        with pytest.raises(PolicyRefused):
            attempt()
    with pytest.raises(PolicyRefused):
        disable_user(people, alice, "alice")
