"""`atlas retention`: set retention periods and apply them (delete or anonymise, then compact)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace

app = typer.Typer(help="Retention periods per source and purpose, and applying them.", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


@app.command()
def run(today: Annotated[str | None, typer.Option(help="Apply as of this date (YYYY-MM-DD); default today.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        home: Home = None) -> None:
    """Delete or anonymise what is due, compact the store, verify the values are gone; report what was done."""
    from atlas.privacy.retention import run_retention

    rep = run_retention(open_workspace(home), date.fromisoformat(today) if today else date.today())
    if as_json:
        console.print_json(json.dumps(rep.to_dict(), default=str))
    else:
        table = Table("batch", "source", "action", "purposes ended", "persons", "vault", "quarantine", "raw files",
                      title=f"Retention as of {rep.today}")
        for a in rep.actions:
            table.add_row(str(a.batch_id), a.source or "", a.action, ", ".join(a.purposes_expired), str(a.persons),
                          str(a.vault), str(a.quarantine), str(a.raw_files))
        console.print(table)
        if rep.compaction:
            console.print(f"Store rewritten: {rep.compaction.bytes_before:,} → {rep.compaction.bytes_after:,} bytes; "
                          f"verification {'passed' if rep.verified else 'FAILED'}.")
    for problem in rep.problems:
        console.print(f"[red]verification:[/red] {problem}")
    if rep.problems:
        raise typer.Exit(1)


@app.command("set")
def set_(scope: Annotated[str, typer.Argument(help="source | purpose | default")],
         name: Annotated[str, typer.Argument(help="Source name, purpose code, or * for default.")],
         days: Annotated[int, typer.Argument(help="Days after collection.")],
         action: Annotated[str, typer.Option(help="delete | anonymise")] = "delete",
         home: Home = None) -> None:
    """Add or replace a retention rule."""
    from atlas.privacy.retention import set_rule
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        rule = set_rule(con, actor, scope, name, days, action)
    console.print(f"Rule set: {rule.scope} {rule.name}: {rule.action} after {rule.days} days.")


@app.command("rules")
def rules(home: Home = None) -> None:
    """List the retention rules."""
    from atlas.privacy.retention import list_rules
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, _):
        found = list_rules(con)
    table = Table("scope", "name", "days", "action")
    for r in found:
        table.add_row(r.scope, r.name, str(r.days), r.action)
    console.print(table)
