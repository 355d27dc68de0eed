"""Attacks on the stored data as a whole: wrong keys, a tampered store file, a key rotation."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from atlas.errors import AtlasError, KeyProblem
from atlas.privacy import vault
from atlas.privacy.access import Actor
from atlas.privacy.vault import VaultTampered, reveal, store_identifiers
from atlas.settings import Settings
from atlas.store.keys import encode_key, new_key
from atlas.store.workspace import Workspace

STEWARD = Actor("stew", frozenset({"steward"}))


def _names(n: int) -> pa.Table:
    return pa.table({"pseudonym": [f"p{i}" for i in range(n)], "name": [f"Name {i}" for i in range(n)]})


def test_wrong_master_key_opens_nothing(ws) -> None:
    wrong = Settings(home=ws.home, master_key=encode_key(new_key()))
    with pytest.raises(KeyProblem, match="does not open"):
        Workspace.open(wrong)


def test_tampered_store_file_is_detected_not_read(ws) -> None:
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, _names(20_000))
    data = bytearray(ws.db_file.read_bytes())
    for offset in range(3 * 4096 + 100, len(data), 262_144):  # one flipped byte in every storage block
        data[offset] ^= 0xFF
    ws.db_file.write_bytes(bytes(data))
    with pytest.raises((AtlasError, duckdb.Error), match="(?i)tag|damaged|altered"), ws.connect() as con:
        con.execute("SELECT count(*), sum(octet_length(ciphertext)) FROM vault").fetchall()


def test_relations_larger_than_one_arrow_batch_are_stored_whole(ws, monkeypatch) -> None:
    monkeypatch.setattr(vault, "BATCH_ROWS", 100)
    with ws.connect() as con:
        rel = con.sql("SELECT 'p' || i::VARCHAR AS pseudonym, 'Name ' || i::VARCHAR AS name FROM range(1000) t(i)")
        assert store_identifiers(con, ws.keys, 1, rel) == 1000
        assert reveal(con, ws.keys, "p999", STEWARD, "statistics") == {"name": "Name 999"}


def test_vault_survives_data_key_rotation_and_the_retired_key_is_gone(ws) -> None:
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, _names(3))
    old_id = ws.keys.active_id
    ws.rotate_data_key()
    assert old_id not in ws.keys.data_keys
    with ws.connect() as con:
        assert reveal(con, ws.keys, "p1", STEWARD, "statistics") == {"name": "Name 1"}
        assert con.execute("SELECT DISTINCT key_id FROM vault").fetchall() == [(ws.keys.active_id,)]


def test_vault_entry_of_an_unknown_key_fails_clearly(ws) -> None:
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, _names(2))
        con.execute("UPDATE vault SET key_id = 99 WHERE pseudonym = 'p0'")
        with pytest.raises(VaultTampered, match="no longer holds"):
            reveal(con, ws.keys, "p0", STEWARD, "statistics")
        assert reveal(con, ws.keys, "p1", STEWARD, "statistics") == {"name": "Name 1"}
