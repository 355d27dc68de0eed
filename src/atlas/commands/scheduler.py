"""`atlas scheduler`: run the releases that are due (from cron or a systemd timer)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace
from atlas.errors import ExitCode

app = typer.Typer(help="Scheduled releases by each agreement's cadence.", no_args_is_help=True)


@app.command("run-due")
def run_due(attempts: Annotated[int, typer.Option(help="Attempts per agreement before reporting failure.")] = 3,
            home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None) -> None:
    """Release every due agreement once (covering missed slots); exit 1 when any release failed."""
    from atlas.sharing.scheduler import run_due as run

    report = run(open_workspace(home), max_attempts=attempts)
    if not report.runs:
        console.print("Nothing due.")
    for r in report.runs:
        slots = f"{len(r.slots)} slot(s), latest {r.slots[-1]:%Y-%m-%d %H:%M}"
        if r.status == "released":
            console.print(f"[green]{r.agreement}[/green]: {r.release_id} ({slots}, attempt {r.attempts})")
        else:
            console.print(f"[red]{r.agreement}[/red]: failed after attempt {r.attempts} ({slots}): {r.error}")
    if report.failed:
        raise typer.Exit(int(ExitCode.INTERNAL))
