"""`atlas release`: run an agreement's release, verify a package, list releases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace
from atlas.errors import ExitCode

app = typer.Typer(help="Signed, versioned release packages under agreements.", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


@app.command()
def run(agreement: Annotated[str, typer.Argument(help="Agreement name.")],
        purpose: Annotated[str | None, typer.Option(help="Purpose (default: the agreement's first).")] = None,
        home: Home = None) -> None:
    """Produce the agreement's release now: protected tables, reports, signed manifest."""
    from atlas.sharing.release import run_release

    with console.status("Protecting and packaging…"):
        r = run_release(open_workspace(home), agreement, purpose=purpose)
    console.print(f"Release [green]{r.release_id}[/green] ({len(r.tables)} tables, {r.suppressed} cells suppressed)")
    for recipient, path in r.packages.items():
        console.print(f"  {recipient}: {path}")


@app.command()
def verify(folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Release folder.")],
           key: Annotated[str | None, typer.Option(help="Trusted public key (hex) of the provider.")] = None) -> None:
    """Check the Ed25519 signature and the SHA-256 of every file; exit 3 when anything differs."""
    from atlas.sharing.package import verify_release

    result = verify_release(folder, trusted_key=key)
    if result.ok:
        console.print(f"[green]OK[/green]: {result.packages} package(s), {result.files_checked} files, signed by "
                      f"{', '.join(k[:16] + '…' for k in dict.fromkeys(result.public_keys))}")
        return
    for problem in result.problems:
        console.print(f"[red]FAILED[/red] {problem}")
    raise typer.Exit(int(ExitCode.REJECTED_INPUT))


@app.command("list")
def list_(agreement: Annotated[str | None, typer.Option(help="Only this agreement.")] = None,
          home: Home = None) -> None:
    """List releases (newest first); partners see their organisation's and public ones."""
    from atlas.privacy.access import authorize
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        authorize(actor, "read_releases", None, con=con)
        org = None if "steward" in actor.roles or "auditor" in actor.roles else (actor.organisation or "")
        rows = con.execute("SELECT release_id, kind, recipient, purpose, created_at, path FROM releases "
                           "WHERE (? IS NULL OR agreement = ?) AND (? IS NULL OR recipient = ? OR recipient = "
                           "'public') ORDER BY created_at DESC", [agreement, agreement, org, org]).fetchall()
    table = Table("release", "kind", "recipient", "purpose", "created", "path")
    for r in rows:
        table.add_row(str(r[0]), r[1], r[2], r[3] or "", f"{r[4]:%Y-%m-%d %H:%M}", r[5])
    console.print(table)
