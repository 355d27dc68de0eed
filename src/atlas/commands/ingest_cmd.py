"""`atlas ingest` and `atlas validate`: load a file as one all-or-nothing batch, with a validation report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from atlas.commands.common import console, open_workspace

Kind = Annotated[str, typer.Option(help="Record kind: person (microdata), aggregate (partner counts) or consent (consent events: given or withdrawn, per person).")]


def _summary(result) -> None:
    verb = "Stored" if result.committed else "Would store"
    console.print(f"{verb} {result.rows_stored:,} of {result.rows_read:,} rows"
                  + (f" as batch {result.batch_id}" if result.committed else "")
                  + (f"; {result.rows_quarantined:,} rows quarantined" if result.rows_quarantined else "") + ".")
    if result.issues:
        by_rule: dict[tuple[str, str], int] = {}
        for i in result.issues:
            by_rule[(i.column or "", i.code)] = by_rule.get((i.column or "", i.code), 0) + 1
        table = Table("column", "problem", "rows", "example", "hint", title="Validation summary")
        for (col, code), n in sorted(by_rule.items(), key=lambda kv: -kv[1]):
            ex = next(i for i in result.issues if (i.column or "", i.code) == (col, code))
            table.add_row(col, code, f"{n:,}", (ex.value or "")[:30], ex.hint or "")
        console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note.column}: {note.message}")
    if result.report:
        console.print(f"Full report: {result.report}")


def _run(file: Path, kind: str, mapping: Path | None, source: str | None, policy: str, force: bool,
         country: str | None, report: Path | None, home: Path | None, dry_run: bool) -> None:
    from atlas.ingest.pipeline import IngestOptions, ingest_file
    from atlas.ingest.report import default_report_path

    if kind not in ("person", "aggregate", "consent"):
        raise typer.BadParameter("kind must be person, aggregate or consent", param_hint="--kind")
    if policy not in ("reject", "quarantine"):
        raise typer.BadParameter("policy must be reject or quarantine", param_hint="--policy")
    ws = open_workspace(home)
    opts = IngestOptions(kind=kind, mapping=mapping, source_name=source, policy=policy, force=force,  # type: ignore[arg-type]
                         country=country, dry_run=dry_run, report=report or default_report_path(file))
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task(f"{file.name}: starting")
        result = ingest_file(ws, file, opts, step=lambda s: progress.update(task, description=f"{file.name}: {s}"))
    _summary(result)


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, TSV, XLSX, JSON, NDJSON, Parquet, HXL, SPSS or Stata file.")],
        kind: Kind = "person",
        mapping: Annotated[Path | None, typer.Option(exists=True, help="Mapping file (YAML): columns and values onto the vocabulary.")] = None,
        source: Annotated[str | None, typer.Option(help="Name of the source, recorded in lineage.")] = None,
        policy: Annotated[str, typer.Option(help="reject: refuse the whole batch on any problem; quarantine: keep good rows, quarantine bad ones.")] = "quarantine",
        force: Annotated[bool, typer.Option(help="Ingest a file even if the same content was ingested before.")] = False,
        country: Annotated[str | None, typer.Option(help="Host country (ISO3) to resolve admin area names.")] = None,
        report: Annotated[Path | None, typer.Option(help="Where to write the CSV validation report (default: next to FILE).")] = None,
        home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None,
    ) -> None:
        """Ingest FILE as one batch: mapped, normalised, validated; all-or-nothing in the store."""
        _run(file, kind, mapping, source, policy, force, country, report, home, dry_run=False)

    @app.command()
    def validate(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="File to check.")],
        kind: Kind = "person",
        mapping: Annotated[Path | None, typer.Option(exists=True, help="Mapping file (YAML).")] = None,
        country: Annotated[str | None, typer.Option(help="Host country (ISO3).")] = None,
        report: Annotated[Path | None, typer.Option(help="Where to write the CSV validation report.")] = None,
        home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None,
    ) -> None:
        """Check FILE exactly as ingest would, store nothing, and report every problem."""
        _run(file, kind, mapping, None, "quarantine", True, country, report, home, dry_run=True)
