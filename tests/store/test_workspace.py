"""The encrypted workspace: keys, wrong keys, rotation, tampering, and no plaintext on disk."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from atlas.errors import KeyProblem, WorkspaceProblem
from atlas.settings import Settings
from atlas.store.keys import encode_key, new_key
from atlas.store.workspace import Workspace

SECRET = "ZZ-PLAINTEXT-CANARY-4711"


def _fill(ws: Workspace) -> None:
    with ws.connect() as con:
        con.execute("CREATE TABLE canary AS SELECT ? || i AS v FROM range(5000) t(i)", [SECRET])
        con.execute("CHECKPOINT")


def all_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def test_init_creates_private_key_file_and_encrypted_store(home: Path) -> None:
    result = Workspace.init(Settings(home=home))
    assert result.key_file == home / "master.key"
    assert stat.S_IMODE(result.key_file.stat().st_mode) == 0o600
    ws = Workspace.open(Settings(home=home))
    _fill(ws)
    assert SECRET.encode() not in all_bytes(home)
    with ws.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM canary").fetchone() == (5000,)


def test_env_master_key_and_wrong_key(home: Path) -> None:
    key = encode_key(new_key())
    Workspace.init(Settings(home=home, master_key=key))
    assert not (home / "master.key").exists()
    Workspace.open(Settings(home=home, master_key=key))
    with pytest.raises(KeyProblem, match="different key"):
        Workspace.open(Settings(home=home, master_key=encode_key(new_key())))


def test_missing_key_is_a_clear_error(home: Path) -> None:
    Workspace.init(Settings(home=home))
    (home / "master.key").unlink()
    with pytest.raises(KeyProblem, match="No master key"):
        Workspace.open(Settings(home=home))


def test_world_readable_key_file_refused(home: Path) -> None:
    Workspace.init(Settings(home=home))
    os.chmod(home / "master.key", 0o644)
    with pytest.raises(KeyProblem, match="readable by others"):
        Workspace.open(Settings(home=home))


@pytest.mark.parametrize("text", ["short", "zz" * 32, encode_key(b"x" * 16)])
def test_weak_or_malformed_keys_refused(home: Path, text: str) -> None:
    with pytest.raises(KeyProblem):
        Workspace.init(Settings(home=home, master_key=text))


def test_no_workspace_is_a_clear_error(home: Path) -> None:
    with pytest.raises(WorkspaceProblem, match="atlas init"):
        Workspace.open(Settings(home=home))


def test_init_twice_refused(home: Path) -> None:
    Workspace.init(Settings(home=home))
    with pytest.raises(WorkspaceProblem, match="already exists"):
        Workspace.init(Settings(home=home))


def test_master_rotation_rewraps_and_old_key_stops_working(home: Path) -> None:
    old = encode_key(new_key())
    Workspace.init(Settings(home=home, master_key=old))
    ws = Workspace.open(Settings(home=home, master_key=old))
    _fill(ws)
    fresh = new_key()
    ws.rotate_master(fresh)
    with pytest.raises(KeyProblem):
        Workspace.open(Settings(home=home, master_key=old))
    ws2 = Workspace.open(Settings(home=home, master_key=encode_key(fresh)))
    with ws2.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM canary").fetchone() == (5000,)


def test_data_key_rotation_reencrypts_store(home: Path) -> None:
    Workspace.init(Settings(home=home))
    ws = Workspace.open(Settings(home=home))
    _fill(ws)
    before = (home / "atlas.duckdb").read_bytes()
    new_id = ws.rotate_data_key()
    assert new_id == 2 and list(ws.keys.data_keys) == [2]
    assert (home / "atlas.duckdb").read_bytes() != before
    ws2 = Workspace.open(Settings(home=home))
    with ws2.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM canary").fetchone() == (5000,)
    assert SECRET.encode() not in all_bytes(home)


def test_tampered_database_file_is_a_clear_error(home: Path) -> None:
    Workspace.init(Settings(home=home))
    ws = Workspace.open(Settings(home=home))
    _fill(ws)
    db = home / "atlas.duckdb"
    data = bytearray(db.read_bytes())
    for pos in range(4096, len(data), 4096):
        data[pos + 100] ^= 0xFF
    db.write_bytes(bytes(data))
    with pytest.raises((WorkspaceProblem, KeyProblem)), ws.connect() as con:
        con.execute("SELECT count(*) FROM canary").fetchall()


def test_tampered_keyring_is_a_clear_error(home: Path) -> None:
    Workspace.init(Settings(home=home))
    ring = home / "keyring.json"
    text = ring.read_text()
    import json

    doc = json.loads(text)
    blob = bytearray(doc["data_keys"][0]["wrapped"].encode())
    blob[5] = ord("A") if blob[5] != ord("A") else ord("B")
    doc["data_keys"][0]["wrapped"] = blob.decode()
    ring.write_text(json.dumps(doc))
    with pytest.raises(KeyProblem):
        Workspace.open(Settings(home=home))
