"""`atlas geo`: bring official boundaries and P-codes into the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace

app = typer.Typer(help="Administrative boundaries and P-codes (OCHA COD-AB, geoBoundaries, GeoJSON, GeoPackage).",
                  no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Shapefile (.shp), GeoJSON or GeoPackage.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-3 code of the country, e.g. HTI.")],
    level: Annotated[int, typer.Option(help="Admin level of the file's features (1 = first subdivision).")],
    pcode_field: Annotated[str | None, typer.Option(help="Column holding the P-code (detected for COD-AB).")] = None,
    name_field: Annotated[str | None, typer.Option(help="Column holding the name.")] = None,
    parent_field: Annotated[str | None, typer.Option(help="Column holding the parent P-code.")] = None,
    version: Annotated[str | None, typer.Option(help="Version label (default: the file's validOn date or hash).")] = None,
    home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None,
) -> None:
    """Import one admin level of a country's boundaries as a new, active, versioned set."""
    from atlas.geo.boundaries import import_boundaries

    ws = open_workspace(home)
    with ws.connect() as con:
        result = import_boundaries(con, file, country=country, level=level, pcode_field=pcode_field,
                                   name_field=name_field, parent_field=parent_field, version=version)
    console.print(f"Imported {result.features} admin-{result.level} areas of {result.country} "
                  f"(set {result.set_id}, version {result.version}).")


@app.command("list")
def list_(
    country: Annotated[str | None, typer.Option(help="Only this country (ISO3).")] = None,
    home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None,
) -> None:
    """List the active areas of the gazetteer."""
    from atlas.geo.boundaries import active_areas

    ws = open_workspace(home)
    with ws.connect(read_only=True) as con:
        df = active_areas(con, country)
    table = Table("country", "level", "pcode", "name", "parent")
    for row in df.itertuples(index=False):
        table.add_row(row.country, str(row.level), row.pcode, row.name, row.parent)
    console.print(table)
