"""`atlas table`: one protected table from a spec, written with its structure file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace


def register(app: typer.Typer) -> None:
    @app.command()
    def table(
        spec: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Table spec(s), YAML or JSON; several are protected together as linked tables.")],
        format: Annotated[str, typer.Option("--format", "-f", help="csv, json or xlsx (more formats come from the renderer registry).")] = "csv",
        out: Annotated[Path, typer.Option("--out", "-o", help="Output file, or a folder for several tables.")] = Path("."),
        purpose: Annotated[str, typer.Option(help="Purpose of this table; only records collected (and consented) for it are used.")] = "statistics",
        home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None,
    ) -> None:
        """Compute, protect, audit and write a table; a table whose audit fails is never written."""
        from atlas.tables.service import protected_tables, write_table
        from atlas.tables.spec import load_spec

        specs = [load_spec(p) for p in spec]
        ws = open_workspace(home)
        with console.status("Computing and protecting…"):
            tables = protected_tables(ws, specs, purpose=purpose)
        if len(tables) > 1:
            out.mkdir(parents=True, exist_ok=True)
        for t in tables:
            paths = write_table(t, format, out)
            console.print(f"[green]{t.name}[/green]: {len(t):,} cells -> {', '.join(str(p) for p in paths)}")
            loss = ", ".join(f"{k}={v}" for k, v in t.info_loss.items())
            audit = "passed" if t.audit is None or t.audit.get("ok", True) else "FAILED"
            console.print(f"  protection: {t.policy.method}; {loss}; audit {audit}")
