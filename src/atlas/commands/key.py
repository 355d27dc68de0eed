"""`atlas key`: rotate the master key or the data key of a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace
from atlas.store.keys import encode_key, new_key
from atlas.store.master import create_key_file

app = typer.Typer(help="Manage the workspace's encryption keys.", no_args_is_help=True)


@app.command()
def rotate(
    home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None,
    data: Annotated[bool, typer.Option("--data", help="Also re-encrypt the store under a new data key.")] = False,
) -> None:
    """Rotate the master key (re-wrapping data keys); with --data, re-encrypt the whole store too."""
    ws = open_workspace(home)
    if data:
        new_id = ws.rotate_data_key()
        what = "Vault re-sealed" if ws.settings.database_url else "Store re-encrypted"
        console.print(f"{what} under data key #{new_id}; the old data key is retired.")
    fresh = new_key()
    ws.rotate_master(fresh)
    if ws.settings.master_key is None:
        create_key_file(ws.settings.resolved_key_file, fresh)
        console.print(f"New master key written to {ws.settings.resolved_key_file}. [bold]Back it up now[/bold]; "
                      "the previous key no longer opens this workspace.")
    else:
        console.print("New master key (set it as ATLAS_MASTER_KEY now; the old one no longer works):")
        console.print(encode_key(fresh), soft_wrap=True)
