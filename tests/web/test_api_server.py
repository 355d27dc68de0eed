"""Server mode: the API on PostgreSQL, in-process and as `atlas serve --workers 2` (one audit chain)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from atlas.privacy.access import Actor
from atlas.privacy.audit import verify_chain
from atlas.privacy.users import actor_for, add_user, create_api_key
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import add_agreement
from atlas.store.keys import encode_key, new_key
from atlas.store.workspace import Workspace
from atlas.web.config import ServerSettings

from .conftest import make_client, public_agreement

pytestmark = pytest.mark.postgres
KEY = encode_key(new_key())
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def server_ws(pg_databases, tmp_path: Path) -> tuple[Workspace, dict[str, str]]:
    settings = ServerSettings(home=tmp_path / "ws", database_url=pg_databases.create(), master_key=KEY)
    Workspace.init(settings)
    ws = Workspace.open(settings)
    with ws.connect() as con:
        add_user(con, Actor("alice", frozenset({"steward"}), None, bootstrap=True), "alice", role="steward")
        alice = actor_for(con, "alice")
        add_user(con, alice, "pia", role="partner", organisation="consulate-VEN")
        tokens = {n: create_api_key(con, alice, n, days=5).token for n in ("alice", "pia")}
        add_agreement(con, alice, parse_agreement(public_agreement()))
    return ws, tokens


def test_api_on_postgresql(server_ws) -> None:
    ws, tokens = server_ws
    with make_client(ws.home, database_url=ws.settings.database_url, master_key=KEY) as c:
        assert c.get("/api/v1/health").json()["store"] == "postgresql"
        auth = {"Authorization": f"Bearer {tokens['pia']}"}
        assert c.get("/api/v1/me", headers=auth).json()["organisation"] == "consulate-VEN"
        assert [a["name"] for a in c.get("/api/v1/agreements").json()] == ["open-hti"]
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: c.get("/api/v1/me", headers=auth).status_code, range(24)))
        assert set(codes) == {200}
        key_id = tokens["pia"].split("_")[1]
        assert c.delete(f"/api/v1/keys/{key_id}", headers=auth).status_code == 204
        assert c.get("/api/v1/me", headers=auth).status_code == 401
        check = c.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {tokens['alice']}"}).json()
        assert check["ok"] is True and check["entries"] > 24


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_atlas_serve_with_two_workers_keeps_one_audit_chain(server_ws) -> None:
    ws, tokens = server_ws
    port = _port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "ATLAS_HOME": str(ws.home), "ATLAS_MASTER_KEY": KEY,
           "ATLAS_DATABASE_URL": str(ws.settings.database_url), "ATLAS_RATE_LIMIT": "100000",
           "ATLAS_RATE_BURST": "100000"}
    code = f"from atlas.commands.serve import serve; serve(port={port}, workers=2, home=None, log_level='warning')"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("atlas serve did not start")
        auth = {"Authorization": f"Bearer {tokens['pia']}"}
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: httpx.get(base + "/me", headers=auth, timeout=60).status_code, range(40)))
        assert set(codes) == {200}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with ws.connect() as con:
        result = verify_chain(con, ws.keys)
        logins = con.execute("SELECT count(*) FROM audit_log WHERE action = 'login' AND actor = 'pia'").fetchone()
    assert result.ok, result.problem
    assert logins[0] >= 40
