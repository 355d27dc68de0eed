"""`atlas demo`: realistic, clearly fake data to try every part of Atlas without touching a real person."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from atlas.commands.common import console
from atlas.errors import RejectedInput

app = typer.Typer(help="Demo data: the fictional country Atlantis (XAT), synthetic migrants, messy files.",
                  no_args_is_help=True)


class Fmt(str, Enum):
    csv = "csv"
    parquet = "parquet"


class Registry(str, Enum):
    host = "host"
    citizens_abroad = "citizens-abroad"


class Labels(str, Enum):
    pcode = "pcode"
    name = "name"


def _areas(country: str, areas_file: Path | None, home: Path | None) -> pd.DataFrame:
    """Areas to place people in: the demo country, a boundary file, or the workspace gazetteer."""
    from atlas.demo.areas import areas_from_file
    from atlas.demo.country import DEMO_COUNTRY, demo_areas

    if areas_file is not None:
        return areas_from_file(areas_file, country)
    if country == DEMO_COUNTRY:
        return demo_areas()
    try:
        from atlas.commands.common import open_workspace
        from atlas.geo.boundaries import active_areas

        with open_workspace(home).connect(read_only=True) as con:
            found = active_areas(con, country)
    except ImportError as exc:  # pragma: no cover - only when the geo package is absent
        raise RejectedInput(f"no areas for {country}: pass --areas FILE.geojson") from exc
    if found is None or len(found) == 0:
        raise RejectedInput(f"no imported areas for {country}: run `atlas geo import` or pass --areas FILE")
    return pd.DataFrame(found)[["pcode", "parent", "level", "name"]]


def _progress() -> Progress:
    return Progress(TextColumn("[bold]generating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=False)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (created).")],
    rows: Annotated[int, typer.Option(min=0, help="Number of people.")] = 10_000,
    country: Annotated[str, typer.Option(help="Host country ISO3 (origin State with --registry citizens-abroad).")]
    = "XAT",
    seed: Annotated[int, typer.Option(help="Random seed: same seed and options, same bytes.")] = 1,
    fmt: Annotated[Fmt, typer.Option("--format", help="File format of the people file.")] = Fmt.csv,
    registry: Annotated[Registry, typer.Option(help="host: migrants in a host country; citizens-abroad: "
                                                     "an origin State's consular registry.")] = Registry.host,
    areas: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                               help="Boundary file (GeoJSON/GPKG/SHP) of the host country.")] = None,
    area_labels: Annotated[Labels, typer.Option(help="Write districts as P-codes or names.")] = Labels.pcode,
    dirty: Annotated[bool, typer.Option(help="Also write messy variants and their manifest in OUT/dirty.")] = False,
    partners: Annotated[bool, typer.Option(help="Also write partner files (flows, networks, ...) in "
                                                "OUT/partners.")] = False,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows between progress updates.")] = 1_000_000,
    home: Annotated[Path | None, typer.Option(help="Workspace folder (areas of imported countries).")] = None,
) -> None:
    """Generate synthetic people (all names, phones and documents FAKE) and, optionally, messy variants."""
    from atlas.demo.consular import generate_citizens_abroad
    from atlas.demo.country import DEMO_COUNTRY, write_cod_ab_style
    from atlas.demo.dirty import write_dirty_set
    from atlas.demo.partners import write_partner_files
    from atlas.demo.population import generate_population

    country = country.upper()
    area_table = _areas(country, areas, home) if registry is Registry.host else None
    out.mkdir(parents=True, exist_ok=True)
    with _progress() as bar:
        task = bar.add_task("people", total=rows)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done)

        if registry is Registry.citizens_abroad:
            summary = generate_citizens_abroad(rows, country=country, seed=seed, fmt=fmt.value,
                                               out=out / f"citizens_abroad.{fmt.value}", chunk_rows=chunk_rows,
                                               progress=tick)
        else:
            assert area_table is not None
            summary = generate_population(rows, areas=area_table, host_country=country, seed=seed,
                                          out=out / f"people.{fmt.value}", fmt=fmt.value, chunk_rows=chunk_rows,
                                          area_labels=area_labels.value, island=country == DEMO_COUNTRY,
                                          progress=tick)
    info = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(summary).items()}
    if registry is Registry.host and country == DEMO_COUNTRY:
        for level in (1, 2):
            write_cod_ab_style(out / "geography" / f"xat_adm{level}.geojson", level)
        info["geography"] = [f"geography/xat_adm{level}.geojson" for level in (1, 2)]
    if area_table is not None and dirty:
        write_dirty_set(out / "dirty", areas=area_table, host_country=country, seed=seed)
        info["dirty"] = "dirty/manifest.json"
    if area_table is not None and partners:
        info["partners"] = {k: str(p.relative_to(out)) for k, p in write_partner_files(
            out / "partners", areas=area_table, host_country=country, seed=seed).items()}
    if area_table is None and (dirty or partners):
        console.print("[yellow]--dirty and --partners apply to host registers only; skipped.[/yellow]")
    (out / "summary.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    console.print(f"Wrote {summary.rows:,} people in {summary.households:,} households to {summary.path} "
                  f"({summary.rows_per_second:,.0f} rows/s). All personal identifiers are fake.")


@app.command()
def geography(
    out: Annotated[Path, typer.Option("-o", "--out", help="File to write (.geojson or .gpkg).")],
    level: Annotated[int | None, typer.Option(help="Only this admin level, with COD-AB column names.")] = None,
) -> None:
    """Write the boundaries of Atlantis (XAT), the fictional demo country."""
    from atlas.demo.country import write_cod_ab_style, write_geography

    path = write_geography(out) if level is None else write_cod_ab_style(out, level)
    console.print(f"Wrote {path}.")
