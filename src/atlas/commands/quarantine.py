"""`atlas quarantine`: see rejected rows, correct them, and retry them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace

app = typer.Typer(help="Rows held back by validation: list, fix and retry.", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


@app.command("list")
def list_(batch: Annotated[int | None, typer.Option(help="Only this batch.")] = None, home: Home = None) -> None:
    """List open quarantined rows with their reasons (identifiers are never shown)."""
    from atlas.ingest.quarantine import list_rows

    ws = open_workspace(home)
    with ws.connect(read_only=True) as con:
        rows = list_rows(con, batch)
    table = Table("batch", "row", "reasons", "values", title=f"{len(rows)} open quarantined row(s)")
    for r in rows[:200]:
        table.add_row(str(r.batch_id), str(r.row), ", ".join(x.replace("|", ": ") for x in r.reasons),
                      "; ".join(f"{k}={v}" for k, v in r.values.items())[:120])
    console.print(table)


@app.command()
def fix(
    batch: Annotated[int, typer.Argument(help="Batch number.")],
    row: Annotated[int, typer.Argument(help="Row number as reported.")],
    set_: Annotated[list[str], typer.Option("--set", help="COLUMN=VALUE; repeat for several columns.")],
    home: Home = None,
) -> None:
    """Correct values of a quarantined row; they are applied at the next retry."""
    from atlas.ingest.quarantine import fix as fix_row

    ws = open_workspace(home)
    with ws.connect() as con:
        for item in set_:
            if "=" not in item:
                raise typer.BadParameter(f"{item!r} is not COLUMN=VALUE", param_hint="--set")
            column, value = item.split("=", 1)
            fix_row(con, batch, row, column.strip(), value)
    console.print(f"Recorded {len(set_)} correction(s) for row {row} of batch {batch}.")


@app.command()
def retry(batch: Annotated[int, typer.Argument(help="Batch whose quarantined rows to retry.")], home: Home = None) -> None:
    """Run the open quarantined rows of BATCH through validation again, as a new batch."""
    from atlas.ingest.quarantine import retry as retry_batch

    ws = open_workspace(home)
    result = retry_batch(ws, batch)
    console.print(f"Retry stored {result.rows_stored} row(s) as batch {result.batch_id}; "  # type: ignore[attr-defined]
                  f"{result.rows_quarantined} still quarantined.")  # type: ignore[attr-defined]
