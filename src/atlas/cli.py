"""The `atlas` command: thin Typer commands over the service layer; errors render once, here."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, fail, settings_for
from atlas.errors import AtlasError, ExitCode

app = typer.Typer(
    name="atlas",
    help=(
        "Atlas: know where migrants are, who they are and what they need, without exposing anyone.\n\n"
        "Start with `atlas init`, bring boundaries with `atlas geo import`, load data with `atlas ingest`, "
        "and produce protected tables with `atlas table`. Exit codes: 0 success, 1 internal error, "
        "2 usage error, 3 input rejected, 4 refused by policy, 5 key problem, 6 not found."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# Sub-apps: (module under atlas.commands, command group name).
SUBAPPS = [
    ("key", "key"), ("geo", "geo"), ("ingest_cmd", None), ("quarantine", "quarantine"), ("vocab", "vocab"),
    ("demo", "demo"), ("demo_run", None), ("table", None), ("audit", None), ("subject", "subject"), ("retention", "retention"),
    ("users", "users"), ("batches", "batch"), ("agreement", "agreement"), ("release", "release"),
    ("request", "request"), ("scheduler", "scheduler"), ("brief", None), ("serve", None), ("db", "db"),
    ("profile", None), ("networks", "networks"), ("evidence", "evidence"), ("trafficking", "trafficking"),
]


@app.command()
def init(
    home: Annotated[Path | None, typer.Option(help="Workspace folder (default: $ATLAS_HOME or ./atlas-data).")] = None,
) -> None:
    """Create an encrypted workspace (and a master key file unless ATLAS_MASTER_KEY is set)."""
    from atlas.store.workspace import Workspace

    settings = settings_for(home)
    result = Workspace.init(settings)
    where = ("records in PostgreSQL, identifiers sealed by Atlas" if settings.database_url
             else "encrypted at rest")
    console.print(f"[green]Workspace created at {result.home}[/green] ({where}).")
    if result.key_file:
        console.print(
            f"[bold yellow]A new master key was written to {result.key_file} (mode 0600).[/bold yellow]\n"
            "Back it up now, somewhere other than this machine: without it the workspace cannot be opened "
            "by anyone, including you."
        )


def _register() -> None:
    for module, name in SUBAPPS:
        try:
            mod = importlib.import_module(f"atlas.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"atlas.commands.{module}":
                continue
            raise
        if name is None:
            mod.register(app)
        else:
            app.add_typer(mod.app, name=name)


_register()


def main() -> None:
    """Entry point: run the app and map every Atlas error to its documented exit code."""
    try:
        app(standalone_mode=False)
    except AtlasError as exc:
        fail(exc)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console.print("Aborted.")
        sys.exit(ExitCode.INTERNAL)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # Click's usage errors (vendored by Typer)
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("ATLAS_DEBUG"):
            raise
        console.print(f"[red]Internal error:[/red] {type(exc).__name__}. Run with ATLAS_DEBUG=1 for details.")
        sys.exit(ExitCode.INTERNAL)
