from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.privacy.audit import SIGN_EVERY, audit_report, log_event, sign_head, tail, verify_chain
from atlas.privacy.schema import migrate
from atlas.store.keys import Keys, new_key


@pytest.fixture()
def chain(ws):
    """A connection with ten chained entries and a signed head at entry 10."""
    with ws.connect() as con:
        for i in range(1, 11):
            log_event(con, f"user{i % 3}", "table.compute" if i % 2 else "vault.reveal", f"obj{i}",
                      "statistics", {"i": i, "note": "ñ"})
        sign_head(con, ws.keys)
        yield con, ws.keys


def test_intact_chain_verifies(chain) -> None:
    con, keys = chain
    result = verify_chain(con, keys)
    assert result.ok and result.entries == 10 and result.signed_heads == 1


@pytest.mark.parametrize(("tamper", "bad", "words"), [
    ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4", 4, "altered"),
    ("UPDATE audit_log SET detail = '{\"i\": 99, \"note\": \"ñ\"}' WHERE seq = 6", 6, "altered"),
    ("DELETE FROM audit_log WHERE seq = 5", 5, "removed"),
    ("UPDATE audit_log SET seq = CASE seq WHEN 3 THEN 7 WHEN 7 THEN 3 END WHERE seq IN (3, 7)", 3, "does not follow"),
    (("INSERT INTO audit_log SELECT 5, logged_at, 'mallory', 'vault.reveal', 'x', NULL, '{}', prev_hash, hash "
      "FROM audit_log WHERE seq = 5"), 5, "inserted"),
    ("DELETE FROM audit_log WHERE seq >= 9", 9, "removed"),
])
def test_each_kind_of_tampering_is_named(chain, tamper: str, bad: int, words: str) -> None:
    con, keys = chain
    con.execute(tamper)
    result = verify_chain(con, keys)
    assert not result.ok and result.first_bad_seq == bad and words in result.problem


def test_inserted_entry_with_renumbering_is_caught(chain) -> None:
    con, keys = chain
    con.execute("UPDATE audit_log SET seq = seq + 1 WHERE seq >= 5")
    con.execute("INSERT INTO audit_log SELECT 5, logged_at, 'mallory', 'login', NULL, NULL, '{}', prev_hash, hash "
                "FROM audit_log WHERE seq = 6")
    result = verify_chain(con, keys)
    assert not result.ok and result.first_bad_seq == 5


def test_recomputed_chain_is_caught_by_the_signed_head(chain) -> None:
    con, keys = chain
    rows = con.execute("SELECT seq, logged_at, actor, action, object, purpose, detail FROM audit_log ORDER BY seq").fetchall()
    con.execute("DELETE FROM audit_log")
    for seq, at, actor, action, obj, purpose, detail in rows:  # an attacker with DB access rewrites entry 4
        import json as _json
        log_event(con, "mallory" if seq == 4 else actor, action, obj, purpose, _json.loads(detail))
    result = verify_chain(con, keys)
    assert not result.ok and result.first_bad_seq == 1 and "rewritten" in result.problem


def test_forged_signature_and_foreign_key_are_caught(chain) -> None:
    con, keys = chain
    con.execute("UPDATE audit_heads SET signature = repeat('ab', 64)")
    assert "invalid" in verify_chain(con, keys).problem
    con.execute("DELETE FROM audit_heads")
    forger = Keys(keys.data_keys, keys.active_id, new_key())
    sign_head(con, forger)
    result = verify_chain(con, keys)
    assert not result.ok and "foreign public key" in result.problem


def test_heads_are_signed_periodically(ws) -> None:
    with ws.connect() as con:
        for _ in range(SIGN_EVERY * 2 + 5):
            log_event(con, "a", "query", keys=ws.keys)
        assert [r[0] for r in con.execute("SELECT seq FROM audit_heads ORDER BY seq").fetchall()] == [
            SIGN_EVERY, 2 * SIGN_EVERY]
        assert verify_chain(con, ws.keys).ok


def test_report_and_tail(chain) -> None:
    con, _ = chain
    now = datetime.now(UTC)
    report = audit_report(con, now - timedelta(hours=1), now + timedelta(hours=1))
    assert report.entries == 10 and len(report.vault_access) == 5
    assert sum(r["n"] for r in report.by_actor) == 10
    assert [e["seq"] for e in tail(con, 3)] == [8, 9, 10]
    assert audit_report(con, now - timedelta(days=3), now - timedelta(days=2)).entries == 0


COLUMNS = {
    "actor": "actor || 'x'", "action": "'login'", "object": "coalesce(object, '') || '1'", "purpose": "'research'",
    "detail": "'{\"i\": -1}'", "logged_at": "logged_at + INTERVAL 1 MICROSECOND", "prev_hash": "repeat('1', 64)",
    "hash": "repeat('f', 64)",
}


@given(st.integers(1, 12), st.sampled_from(sorted(COLUMNS)))
@settings(max_examples=60, deadline=None)
def test_any_single_change_is_found_at_its_entry(seq: int, column: str) -> None:
    con = duckdb.connect()
    migrate(con)
    for i in range(1, 13):
        log_event(con, f"u{i}", "query", f"o{i}" if i % 4 else None, "statistics" if i % 2 else None, {"i": i})
    con.execute(f"UPDATE audit_log SET {column} = {COLUMNS[column]} WHERE seq = ?", [seq])
    result = verify_chain(con)
    assert (result.ok, result.first_bad_seq) == (False, seq)
