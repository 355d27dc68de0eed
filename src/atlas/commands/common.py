"""What every command shares: the console, settings from options, and the one error renderer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

from rich.console import Console
from rich.table import Table

from atlas.errors import AtlasError, PolicyRefused
from atlas.settings import Settings

console = Console(stderr=False)
err_console = Console(stderr=True)


def settings_for(home: Path | None = None) -> Settings:
    """Settings from the environment, with the --home option taking precedence."""
    return Settings(home=home) if home is not None else Settings()


def open_workspace(home: Path | None = None):
    from atlas.store.workspace import Workspace

    return Workspace.open(settings_for(home))


def fail(exc: AtlasError) -> NoReturn:
    """Render an Atlas error (message, clause, issues) and exit with its code."""
    err_console.print(f"[bold red]{exc.title}:[/bold red] {exc.message}")
    if isinstance(exc, PolicyRefused) and exc.clause:
        err_console.print(f"  refused by: {exc.clause}")
    if exc.issues:
        table = Table("row", "column", "value", "problem", "hint", title=f"{len(exc.issues)} issue(s)")
        for issue in exc.issues[:20]:
            table.add_row(str(issue.row or ""), issue.column or "", (issue.value or "")[:40], issue.message, issue.hint or "")
        err_console.print(table)
        if len(exc.issues) > 20:
            err_console.print(f"  ... and {len(exc.issues) - 20} more")
    sys.exit(int(exc.exit_code))
