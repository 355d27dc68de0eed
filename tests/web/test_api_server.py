"""Server mode: the API on PostgreSQL, in-process and as `atlas serve --workers 2` (one audit chain)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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


@contextmanager
def _served(ws: Workspace, workers: int = 2) -> Iterator[tuple[str, subprocess.Popen]]:
    """`atlas serve --workers N` on the workspace's PostgreSQL, as a real process tree; yields the API base."""
    port = _port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "ATLAS_HOME": str(ws.home), "ATLAS_MASTER_KEY": KEY,
           "ATLAS_DATABASE_URL": str(ws.settings.database_url), "ATLAS_RATE_LIMIT": "100000",
           "ATLAS_RATE_BURST": "100000"}
    code = f"from atlas.commands.serve import serve; serve(port={port}, workers={workers}, home=None, log_level='warning')"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_healthy(base)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_healthy(base: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail("atlas serve did not answer")


def test_atlas_serve_with_two_workers_keeps_one_audit_chain(server_ws) -> None:
    ws, tokens = server_ws
    with _served(ws) as (base, _):
        auth = {"Authorization": f"Bearer {tokens['pia']}"}
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: httpx.get(base + "/me", headers=auth, timeout=60).status_code, range(40)))
        assert set(codes) == {200}
    with ws.connect() as con:
        result = verify_chain(con, ws.keys)
        logins = con.execute("SELECT count(*) FROM audit_log WHERE action = 'login' AND actor = 'pia'").fetchone()
    assert result.ok, result.problem
    assert logins[0] >= 40


def _counts(ws: Workspace) -> tuple[int, int, int]:
    with ws.connect() as con:
        row = con.execute("SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM persons), "
                          "(SELECT count(*) FROM quarantine)").fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _in_transaction(ws: Workspace) -> bool:
    """Whether some worker has a write transaction open on the database (the ingest is under way)."""
    import psycopg

    url = str(ws.settings.database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as c:
        row = c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL").fetchone()
    return bool(row and row[0])


def test_a_worker_killed_mid_ingest_leaves_nothing_half_done(server_ws, tmp_path: Path) -> None:
    """SIGKILL every worker while an upload is being ingested: the store is exactly as before, the server
    comes back, and the same file then ingests in full (it was never half-recorded as a batch)."""
    import psutil
    import pyarrow as pa
    import pyarrow.csv as pacsv

    ws, tokens = server_ws
    n = 150_000
    data = tmp_path / "register.csv"
    pacsv.write_csv(pa.table({"record_id": [f"r{i}" for i in range(n)], "sex": ["F", "M"] * (n // 2),
                              "age": [str(18 + i % 60) for i in range(n)],
                              "nationality": ["VEN", "SYR", "Syrie"] * (n // 3)}), data)
    before = _counts(ws)
    auth = {"Authorization": f"Bearer {tokens['alice']}"}

    def upload() -> int:
        with data.open("rb") as fh:
            try:
                return httpx.post(base + "/ingest", files={"file": ("register.csv", fh, "text/csv")},
                                  data={"country": "HTI"}, headers=auth, timeout=300).status_code
            except httpx.HTTPError:
                return -1

    with _served(ws) as (base, proc):
        with ThreadPoolExecutor(1) as pool:
            sent = pool.submit(upload)
            deadline = time.monotonic() + 120
            while not _in_transaction(ws) and time.monotonic() < deadline and not sent.done():
                time.sleep(0.05)
            assert not sent.done(), "the ingest finished before it could be interrupted; use a larger file"
            workers = psutil.Process(proc.pid).children(recursive=True)
            assert workers
            for w in workers:
                w.kill()
            assert sent.result() != 201
        assert _counts(ws) == before
        _wait_healthy(base)
        with data.open("rb") as fh:
            again = httpx.post(base + "/ingest", files={"file": ("register.csv", fh, "text/csv")},
                               data={"country": "HTI"}, headers=auth, timeout=600)
    assert again.status_code == 201, again.text
    batches, persons, _ = _counts(ws)
    assert (batches, persons) == (before[0] + 1, before[1] + n)
