"""`atlas brief`: a briefing pack (HTML + PDF) of maps, charts, tables and narrative from table specs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace


def register(app: typer.Typer) -> None:
    @app.command()
    def brief(
        spec: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Table spec(s), YAML or JSON.")],
        lang: Annotated[list[str], typer.Option("--lang", "-l", help="en, fr, es or ar; repeat for several.")] = ["en"],  # noqa: B006
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder for brief.<lang>.html and .pdf.")] = Path("brief"),
        source: Annotated[str, typer.Option(help="Source line printed on every map and chart.")] = "Atlas",
        title: Annotated[str | None, typer.Option(help="Title of the pack.")] = None,
        pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write a PDF (WeasyPrint).")] = True,
        purpose: Annotated[str, typer.Option(help="Purpose of the tables; only records collected for it are used.")] = "statistics",
        home: Annotated[Path | None, typer.Option(help="Workspace folder.")] = None,
    ) -> None:
        """Protect the tables and assemble them into one self-contained page (and PDF) per language."""
        from atlas.errors import Issue, RejectedInput
        from atlas.outputs.brief import BriefOptions, brief_from_specs
        from atlas.outputs.narrative import LANGS
        from atlas.tables.spec import load_spec

        bad = [x for x in lang if x not in LANGS]
        if bad:
            raise RejectedInput(f"unknown language {', '.join(bad)}", issues=[Issue("lang", f"choose from {', '.join(LANGS)}")])
        specs = [load_spec(p) for p in spec]
        ws = open_workspace(home)
        with console.status("Protecting tables and drawing the briefing pack…"):
            paths = brief_from_specs(ws, specs, out, lang, BriefOptions(source=source, title=title),
                                     purpose=purpose, pdf=pdf)
        for p in paths:
            console.print(f"[green]{p}[/green]")
