"""`atlas db`: create, upgrade and inspect the PostgreSQL schema of server mode (Alembic, no alembic.ini)."""

from __future__ import annotations

from typing import Annotated

import typer

from atlas.commands.common import console, settings_for
from atlas.errors import WorkspaceProblem

app = typer.Typer(help="Server mode: the PostgreSQL schema (migrations by Alembic).", no_args_is_help=True)


def _url() -> str:
    url = settings_for().database_url
    if not url:
        raise WorkspaceProblem("`atlas db` works on server mode: set ATLAS_DATABASE_URL=postgresql+psycopg://user@host/db.")
    return url


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Apply the pending migrations (safe to run again; one process migrates at a time)."""
    from atlas.store import migrate
    from atlas.store.pg import redact

    url = _url()
    before = migrate.current(url)
    after = migrate.upgrade(url, revision)
    if before == after:
        console.print(f"{redact(url)} is already at revision {after}.")
    else:
        console.print(f"{redact(url)}: schema revision {before or 'none'} -> {after}.")


@app.command()
def downgrade(
    to: Annotated[str, typer.Option("--to", help="Target revision: -1 is one step back, base drops every table.")] = "-1",
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the tables removed take their data with them.")] = False,
) -> None:
    """Undo migrations; refused without --yes because dropped tables lose their rows."""
    from atlas.store import migrate
    from atlas.store.pg import redact

    url = _url()
    if not yes:
        raise WorkspaceProblem("Downgrading drops tables and their data; back up with pg_dump, then add --yes.")
    after = migrate.downgrade(url, to)
    console.print(f"{redact(url)}: schema revision now {after or 'none (base)'}.")


@app.command()
def current() -> None:
    """Show the database's schema revision and the one this Atlas needs."""
    from atlas.store import migrate
    from atlas.store.pg import redact

    url = _url()
    rev, head = migrate.current(url), migrate.head()
    state = "up to date" if rev == head else "run `atlas db upgrade`"
    console.print(f"{redact(url)}: revision {rev or 'none'}; this Atlas needs {head} ({state}).")


@app.command()
def vacuum() -> None:
    """Rewrite the tables that lost personal rows (VACUUM FULL; needs the owner role; tables are locked meanwhile)."""
    from atlas.store.pg import redact
    from atlas.store.pg_maintenance import vacuum_full

    url = _url()
    before, after = vacuum_full(url)
    console.print(f"{redact(url)}: tables rewritten, {before:,} -> {after:,} bytes.")
