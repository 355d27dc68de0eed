"""`atlas batch`: the lineage of every ingest batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace
from atlas.errors import NotFound

app = typer.Typer(help="Ingest batches and their lineage (file hash, mapping, user, counts).", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


@app.command("list")
def list_(home: Home = None) -> None:
    """List batches: source, file, SHA-256, rows read/stored/quarantined, who and when."""
    ws = open_workspace(home)
    with ws.connect(read_only=True) as con:
        rows = con.execute("""SELECT batch_id, kind, source, file_name, left(sha256, 12), rows_read, rows_stored,
                                     rows_quarantined, user_name, finished_at FROM batches ORDER BY batch_id""").fetchall()
    table = Table("batch", "kind", "source", "file", "sha256", "read", "stored", "quarantined", "user", "finished")
    for r in rows:
        table.add_row(*[f"{v:,}" if isinstance(v, int) and i > 4 else str(v) for i, v in enumerate(r)])
    console.print(table)


@app.command()
def show(batch: Annotated[int, typer.Argument(help="Batch number.")], home: Home = None) -> None:
    """Full lineage of one batch as JSON (mapping, column assignments, legal basis, purposes)."""
    ws = open_workspace(home)
    with ws.connect(read_only=True) as con:
        cur = con.execute("SELECT * FROM batches WHERE batch_id = ?", [batch])
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"No batch {batch}.")
        doc = dict(zip([d[0] for d in cur.description], row, strict=True))
    doc["mapping"] = json.loads(doc["mapping"]) if doc.get("mapping") else None
    console.print_json(json.dumps(doc, default=str))
