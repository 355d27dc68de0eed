"""`atlas serve`: one worker on the embedded store, refused with several; real uvicorn on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from atlas.cli import app

from .conftest import World

SRC = Path(__file__).resolve().parents[2] / "src"


def test_several_workers_need_server_mode(world: World) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ATLAS_DATABASE_URL"}
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--home", str(world.home)], env=env)
    assert result.exit_code != 0
    assert "ATLAS_DATABASE_URL" in str(result.exception or "") + result.output


def test_serve_answers_on_loopback_and_stops_cleanly(world: World) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cli = "import sys; from atlas.cli import main; sys.argv[0] = 'atlas'; main()"
    proc = subprocess.Popen([sys.executable, "-c", cli, "serve", "--port", str(port), "--home", str(world.home),
                             "--log-level", "info"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and health is None and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).json()
            except httpx.HTTPError:
                time.sleep(0.3)
        assert health == {"status": "ok", "store": "embedded", "version": health and health["version"]}
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=10).json()
        assert "/api/v1/releases" in spec["paths"]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    text = out.decode(errors="replace")
    assert proc.returncode in (0, -15) and "Traceback" not in text, text[-2000:]  # uvicorn re-raises SIGTERM
    assert "GET /openapi.json 200 anonymous" in text  # every response logged, with the caller
