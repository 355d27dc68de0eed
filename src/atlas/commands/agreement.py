"""`atlas agreement`: add, show, list, activate/deactivate a crisis, suspend, resume or revoke agreements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.table import Table

from atlas.commands.common import console, open_workspace

app = typer.Typer(help="Data-sharing agreements the software enforces. The acting user is ATLAS_USER.",
                  no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]
Name = Annotated[str, typer.Argument(help="Agreement name.")]


@app.command()
def add(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Agreement YAML.")],
        home: Home = None) -> None:
    """Validate and store an agreement (a new version when the name exists)."""
    from atlas.privacy.session import acting
    from atlas.sharing.agreement import load_agreement
    from atlas.sharing.catalog import add_agreement

    agreement = load_agreement(file)
    with acting(open_workspace(home)) as (con, actor):
        stored = add_agreement(con, actor, agreement)
    console.print(f"Agreement [green]{stored.name}[/green] stored as version {stored.version} ({stored.status}).")


@app.command()
def show(name: Name, version: Annotated[int | None, typer.Option(help="A given version.")] = None,
         yaml_: Annotated[bool, typer.Option("--yaml", help="Print the YAML instead of the readable text.")] = False,
         home: Home = None) -> None:
    """Show an agreement as readable text (or YAML)."""
    from atlas.privacy.session import acting
    from atlas.sharing.agreement import render_markdown
    from atlas.sharing.catalog import get_agreement

    with acting(open_workspace(home), read_only=True) as (con, _):
        a = get_agreement(con, name, version)
    if yaml_:
        typer.echo(a.to_yaml())
    else:
        console.print(Markdown(render_markdown(a)))


@app.command("list")
def list_(home: Home = None) -> None:
    """List agreements with status, recipients, cadence and expiry."""
    from datetime import UTC, datetime

    from atlas.privacy.session import acting
    from atlas.sharing.catalog import list_agreements

    with acting(open_workspace(home), read_only=True) as (con, _):
        rows = list_agreements(con)
    now = datetime.now(UTC)
    table = Table("agreement", "version", "status", "recipients", "cadence", "expiry", "crisis")
    for a in rows:
        table.add_row(a.name, str(a.version), a.status, ", ".join(a.parties.recipients), a.cadence or "",
                      str(a.expiry), f"until {a.crisis_state.ends_at:%Y-%m-%d}" if a.crisis_on(now) and a.crisis_state
                      else "")
    console.print(table)


@app.command()
def activate(name: Name, trigger: Annotated[str, typer.Option(help="What triggered the crisis activation.")],
             days: Annotated[int | None, typer.Option(help="Days (at most the agreement's max_days).")] = None,
             home: Home = None) -> None:
    """Activate the crisis clause: unlocks its tables and geography until the automatic end date."""
    from atlas.privacy.session import acting
    from atlas.sharing.catalog import activate_crisis

    with acting(open_workspace(home)) as (con, actor):
        a = activate_crisis(con, actor, name, trigger, days=days)
    assert a.crisis_state is not None
    console.print(f"Crisis clause of {name} active until {a.crisis_state.ends_at:%Y-%m-%d %H:%M} UTC.")


@app.command()
def deactivate(name: Name, home: Home = None) -> None:
    """End a crisis activation before its automatic end date."""
    from atlas.privacy.session import acting
    from atlas.sharing.catalog import end_crisis

    with acting(open_workspace(home)) as (con, actor):
        end_crisis(con, actor, name)
    console.print(f"Crisis clause of {name} ended.")


def _status(name: str, status: str, reason: str, home: Path | None) -> None:
    from atlas.privacy.session import acting
    from atlas.sharing.catalog import set_status

    with acting(open_workspace(home)) as (con, actor):
        set_status(con, actor, name, status, reason)
    console.print(f"Agreement {name} is now {status}.")


@app.command()
def suspend(name: Name, reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")],
            home: Home = None) -> None:
    """Suspend an agreement: no release or special run until it is resumed."""
    _status(name, "suspended", reason, home)


@app.command()
def resume(name: Name, reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")],
           home: Home = None) -> None:
    """Resume a suspended agreement."""
    _status(name, "active", reason, home)


@app.command()
def revoke(name: Name, reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")],
           home: Home = None) -> None:
    """Revoke an agreement for good."""
    _status(name, "revoked", reason, home)
