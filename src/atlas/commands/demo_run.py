"""`atlas demo run`: the main job, end to end on the embedded store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, settings_for
from atlas.commands.demo import app as demo_app


@demo_app.command("run")
def run(
    home: Annotated[Path | None, typer.Option(help="Workspace folder (created if missing).")] = None,
    rows: Annotated[int, typer.Option(min=1000, help="People in the fictional register.")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Where to write outputs (default HOME/outputs).")] = None,
) -> None:
    """Create a workspace, import a fictional country, generate and ingest people, publish protected tables."""
    from atlas.demo.run import run_demo

    settings = settings_for(home)
    with console.status("Atlas demo") as status:
        report = run_demo(settings, rows=rows, seed=seed, out=out,
                          say=lambda s: (status.update(f"Atlas demo: {s}"), console.print(f"• {s}")))
    if report.key_file:
        console.print(f"[bold yellow]Master key written to {report.key_file}: back it up.[/bold yellow]")
    for name, (stored, quarantined) in report.ingested.items():
        console.print(f"  {name}: {stored:,} rows stored, {quarantined:,} quarantined")
    console.print(f"[green]Done.[/green] Protected tables in {report.out / 'tables'}:")
    for name, path in report.tables.items():
        console.print(f"  {name}: {path}")
    for name, why in report.refused.items():
        console.print(f"  [yellow]{name}: not published[/yellow] ({why})")
    if report.logins:
        console.print(f"Portal users (passwords also in {report.home / 'demo-logins.txt'}, mode 0600):")
        for x in report.logins:
            console.print(f"  {x.name:<14} {x.role:<8} {x.organisation or '':<20} {x.password}")


def register(app: typer.Typer) -> None:
    """Commands attach to the `demo` group on import."""
