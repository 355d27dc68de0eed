"""`atlas trafficking`: reports of trafficking and smuggling indicators, and their strictly protected counts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace
from atlas.commands.networks import _frame, read_rows

app = typer.Typer(help="Trafficking and smuggling indicators: at least 20 reports per cell, admin-1 at the finest, "
                       "shared only under agreements naming counter_trafficking. The acting user is ATLAS_USER.",
                  no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


@app.command()
def add(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV/YAML rows of reports.")],
        home: Home = None) -> None:
    """Store reports (area, route, period, indicator, source type, confidence); same report_id = update."""
    from atlas.communities.trafficking import add_reports, parse_report_rows
    from atlas.privacy.session import acting

    reports = parse_report_rows(read_rows(file), source=str(file))
    with acting(open_workspace(home)) as (con, actor):
        n = add_reports(con, actor, reports)
    console.print(f"{n} report(s) stored.")


@app.command()
def table(by: Annotated[str, typer.Option(help="Comma-separated: area, kind, indicator, route_origin, "
                                               "route_destination, period, confidence, source_type.")] = "area,kind",
          agreement: Annotated[str | None, typer.Option(help="Agreement naming counter_trafficking.")] = None,
          level: Annotated[str, typer.Option(help="adm1 or adm0 (never finer).")] = "adm1",
          period: Annotated[str, typer.Option(help="year or quarter.")] = "year",
          min_count: Annotated[int, typer.Option(help="At least 20.")] = 20,
          min_confidence: Annotated[str, typer.Option(help="low, medium or high.")] = "low",
          out: Annotated[Path | None, typer.Option(help="Folder for the protected table.")] = None,
          fmt: Annotated[str, typer.Option("--format", help="csv, json, xlsx...")] = "csv",
          home: Home = None) -> None:
    """Protected counts of reports; refused (exit 4, with the clause) outside the stricter rules."""
    from atlas.communities.trafficking import trafficking_table
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        t = trafficking_table(con, actor, agreement=agreement, dimensions=by.split(","), level=level,
                              period=period, min_count=min_count, min_confidence=min_confidence)  # type: ignore[arg-type]
    if out is None:
        _frame(t.cells, t.title)
        return
    from atlas.tables.service import write_table

    paths = write_table(t, fmt, out)
    console.print(f"Written: {', '.join(str(p) for p in paths)}")


@app.command("list")
def list_(home: Home = None) -> None:
    """The reports themselves (the provider's analysts only; logged)."""
    from atlas.communities.trafficking import list_reports
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        frame = list_reports(con, actor)
    _frame(frame, "Reports")
