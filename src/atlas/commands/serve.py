"""`atlas serve`: the REST API (and the portal) with uvicorn, on the embedded store or PostgreSQL."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from atlas.commands.common import console
from atlas.errors import WorkspaceProblem


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging plus Atlas' access log (`atlas.web.access`, with the caller) and error log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["atlas.web"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (PostgreSQL server mode only).")] = 1,
    home: Annotated[Path | None, typer.Option(help="Workspace folder (default: $ATLAS_HOME).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the API under /api/v1 (OpenAPI at /openapi.json) until interrupted."""
    import uvicorn

    from atlas.web.app import create_app
    from atlas.web.config import ServerSettings

    if home is not None:
        os.environ["ATLAS_HOME"] = str(home)
    settings = ServerSettings()
    if workers > 1 and not settings.database_url:
        raise WorkspaceProblem("The embedded store is held by one process: use --workers 1, or set "
                               "ATLAS_DATABASE_URL (PostgreSQL server mode) for several workers.")
    _private_temp(settings.home / "tmp")
    store = "PostgreSQL" if settings.database_url else f"embedded store at {settings.home}"
    console.print(f"Atlas API on http://{host}:{port}/api/v1 ({store}, {workers} worker(s)); "
                  f"OpenAPI at /openapi.json")
    options: dict[str, Any] = {"host": host, "port": port, "log_level": log_level, "log_config": log_config(log_level),
                               "access_log": False, "proxy_headers": False, "server_header": False}
    if workers > 1:
        uvicorn.run("atlas.web.app:app_from_environment", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)


def _private_temp(folder: Path) -> None:
    """Uploads the framework spools to disk land in the workspace's 0700 tmp folder, not in /tmp (workers too)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None


def register(app: typer.Typer) -> None:
    """Add `atlas serve` to the root command."""
    app.command("serve")(serve)
