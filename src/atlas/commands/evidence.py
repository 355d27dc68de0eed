"""`atlas evidence`: the library of qualitative evidence (add, review, search, link, share)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace
from atlas.commands.networks import _frame, read_rows

app = typer.Typer(help="Qualitative evidence: tagged documents, full-text search, review before sharing. "
                       "The acting user is ATLAS_USER.", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]
Csv = Annotated[str | None, typer.Option(help="Comma-separated values.")]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@app.command()
def add(evidence_id: Annotated[str, typer.Argument(help="Identifier of the item.")],
        file: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Text, Markdown, Word or PDF file.")],
        title: Annotated[str, typer.Option(help="Title.")],
        themes: Annotated[str, typer.Option(help="Comma-separated themes from the controlled list.")],
        method: Annotated[str, typer.Option(help="focus_group, key_informant, interview, survey, ...")],
        places: Csv = None, nationalities: Csv = None,
        period_start: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
        period_end: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
        sensitivity: Annotated[str, typer.Option(help="public, restricted or confidential.")] = "restricted",
        reliability: Annotated[str | None, typer.Option(help="Source reliability A-F.")] = None,
        credibility: Annotated[int | None, typer.Option(help="Information credibility 1-6.")] = None,
        source: Annotated[str | None, typer.Option(help="Who produced it.")] = None,
        home: Home = None) -> None:
    """Add one document; text that may identify people is sealed and held for review."""
    from atlas.communities.evidence import EvidenceIn, add_evidence, read_document
    from atlas.privacy.session import acting

    item = EvidenceIn(evidence_id=evidence_id, title=title, text=read_document(file), themes=_split(themes),  # type: ignore[arg-type]
                      method=method, places=_split(places), nationalities=_split(nationalities),  # type: ignore[arg-type]
                      period_start=date.fromisoformat(period_start) if period_start else None,
                      period_end=date.fromisoformat(period_end) if period_end else None, sensitivity=sensitivity,  # type: ignore[arg-type]
                      reliability=reliability, credibility=credibility, source=source, file_name=file.name)  # type: ignore[arg-type]
    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        result = add_evidence(con, ws.keys, actor, [item])
    _frame(result)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV/YAML rows with a `text` "
                                                                                 "(or `summary`) column.")],
            home: Home = None) -> None:
    """Add many summaries at once (list cells `a;b`)."""
    from atlas.communities.evidence import add_evidence, parse_evidence_rows
    from atlas.privacy.session import acting

    items = parse_evidence_rows(read_rows(file), source=str(file))
    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        result = add_evidence(con, ws.keys, actor, items)
    console.print(result["review_status"].value_counts().to_string())


@app.command()
def review(evidence_id: str,
           decision: Annotated[str, typer.Option(help="cleared (not personal), redacted (share the redacted "
                                                       "text) or withheld.")],
           note: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")], home: Home = None) -> None:
    """Decide on an item flagged for identifying text."""
    from atlas.communities.evidence import review as do_review
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        do_review(con, ws.keys, actor, evidence_id, decision, note)  # type: ignore[arg-type]
    console.print(f"{evidence_id}: {decision}.")


@app.command()
def search(query: Annotated[str | None, typer.Argument(help="Words to look for (BM25 ranking).")] = None,
           themes: Csv = None, places: Csv = None, nationalities: Csv = None,
           audience: Annotated[str, typer.Option(help="internal, partner or public.")] = "internal",
           limit: int = 20, home: Home = None) -> None:
    """Full-text search with tag filters; shows what the audience may see."""
    from atlas.communities.evidence import search as do_search
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        frame = do_search(con, query, actor=actor, audience=audience, themes=_split(themes) or None,  # type: ignore[arg-type]
                          places=_split(places) or None, nationalities=_split(nationalities) or None, limit=limit)
    _frame(frame[["evidence_id", "title", "themes", "places", "review_status", "score"]], "Evidence")


@app.command()
def link(evidence_id: str, to: Annotated[str, typer.Option(help="profile:ID, brief:ID or network:ID.")],
         home: Home = None) -> None:
    """Attach an item to a community profile, a briefing pack or a network."""
    from atlas.communities.evidence import link as do_link
    from atlas.privacy.session import acting

    kind, _, target = to.partition(":")
    with acting(open_workspace(home)) as (con, actor):
        do_link(con, actor, evidence_id, kind, target)
    console.print(f"{evidence_id} attached to {to}.")


@app.command()
def share(evidence_ids: Annotated[list[str], typer.Argument(help="Items to release.")],
          audience: Annotated[str, typer.Option(help="partner or public.")],
          out: Annotated[Path, typer.Option(help="CSV file to write.")], home: Home = None) -> None:
    """Release reviewed items to an audience (refused for anything unreviewed or too sensitive)."""
    from atlas.communities.evidence import share as do_share
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        frame = do_share(con, actor, evidence_ids, audience)  # type: ignore[arg-type]
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    console.print(f"{len(frame)} item(s) written to {out}.")
