"""`atlas users`: users, roles and API keys (least privilege; every change audited)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace

app = typer.Typer(help="Users, roles and API keys. The acting user is ATLAS_USER.", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


@app.command()
def add(name: Annotated[str, typer.Argument()],
        role: Annotated[str, typer.Option(help="steward | analyst | partner | liaison | auditor | public")],
        org: Annotated[str | None, typer.Option(help="Organisation (partners see only its releases).")] = None,
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read a password from stdin.")] = False,
        home: Home = None) -> None:
    """Add a user with one role (the first user of a workspace must be a steward)."""
    from atlas.privacy.session import acting
    from atlas.privacy.users import add_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with acting(open_workspace(home)) as (con, actor):
        add_user(con, actor, name, role=role, organisation=org, password=password or None)
    console.print(f"User {name} added as {role}.")


@app.command("list")
def list_(home: Home = None) -> None:
    """List users, their roles and active API keys."""
    from atlas.privacy.access import authorize
    from atlas.privacy.session import acting
    from atlas.privacy.users import list_users

    with acting(open_workspace(home)) as (con, actor):
        authorize(actor, "manage_users", None, con=con)
        rows = list_users(con)
    table = Table("user", "organisation", "roles", "active", "API keys")
    for r in rows:
        table.add_row(r["name"], r["organisation"] or "", ", ".join(r["roles"] or []), str(r["active"]),
                      str(r["api_keys"]))
    console.print(table)


@app.command()
def grant(name: Annotated[str, typer.Argument()], role: Annotated[str, typer.Argument()], home: Home = None) -> None:
    """Grant a role (never to yourself)."""
    from atlas.privacy.session import acting
    from atlas.privacy.users import grant as grant_role

    with acting(open_workspace(home)) as (con, actor):
        grant_role(con, actor, name, role)
    console.print(f"{name} now has the role {role}.")


@app.command()
def revoke(name: Annotated[str, typer.Argument()], role: Annotated[str, typer.Argument()], home: Home = None) -> None:
    """Revoke a role."""
    from atlas.privacy.session import acting
    from atlas.privacy.users import revoke as revoke_role

    with acting(open_workspace(home)) as (con, actor):
        revoke_role(con, actor, name, role)
    console.print(f"Role {role} revoked from {name}.")


@app.command()
def disable(name: Annotated[str, typer.Argument()], home: Home = None) -> None:
    """Cut a user's access at once (account disabled, all API keys revoked)."""
    from atlas.privacy.session import acting
    from atlas.privacy.users import disable_user

    with acting(open_workspace(home)) as (con, actor):
        n = disable_user(con, actor, name)
    console.print(f"User {name} disabled; {n} API key(s) revoked.")


@app.command("key-create")
def key_create(name: Annotated[str, typer.Argument()],
               days: Annotated[int, typer.Option(help="Days until the key expires (1-366).")] = 90,
               label: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
               home: Home = None) -> None:
    """Create an API key for a user; the key is shown once and stored only as an argon2 hash."""
    from atlas.privacy.session import acting
    from atlas.privacy.users import create_api_key

    with acting(open_workspace(home)) as (con, actor):
        key = create_api_key(con, actor, name, days=days, label=label)
    console.print(f"API key {key.key_id} for {name}, expires {key.expires_at:%Y-%m-%d}. Copy it now, it is not stored:")
    console.print(key.token, soft_wrap=True)


@app.command("key-revoke")
def key_revoke(key_id: Annotated[str, typer.Argument(help="The id shown by key-create (atl_<id>_...).")],
               home: Home = None) -> None:
    """Revoke an API key at once."""
    from atlas.privacy.session import acting
    from atlas.privacy.users import revoke_api_key

    with acting(open_workspace(home)) as (con, actor):
        revoke_api_key(con, actor, key_id)
    console.print(f"API key {key_id} revoked.")
