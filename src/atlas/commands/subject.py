"""`atlas subject`: data-subject rights: export everything held, erase everywhere, rectify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace

app = typer.Typer(help="Data-subject rights: export, erase, rectify one person's data.", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]
Subject = Annotated[str, typer.Argument(help="The person's identifier as ingested (e.g. document number) or pseudonym.")]


@app.command()
def export(subject: Subject, out: Annotated[Path | None, typer.Option(help="Write the JSON here (mode 0600).")] = None,
           home: Home = None) -> None:
    """Everything held on a person (records, identifiers, consents, releases that used their data) as JSON."""
    from atlas.privacy.subjects import export_subject

    doc = json.dumps(export_subject(open_workspace(home), subject), indent=2, ensure_ascii=False, default=str)
    if out is None:
        console.print_json(doc)
        return
    out.touch(mode=0o600, exist_ok=True)
    out.write_text(doc, encoding="utf-8")
    console.print(f"Written to {out} (contains personal data: hand it to the person, then delete it).")


@app.command()
def erase(subject: Subject, reason: Annotated[str | None, typer.Option(help="Request reference.")] = None,
          yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
          home: Home = None) -> None:
    """Erase a person everywhere (records, vault, consents), compact the store, block re-ingest."""
    from atlas.privacy.subjects import erase_subject

    if not yes:
        typer.confirm("Erase this person everywhere? This cannot be undone.", abort=True)
    result = erase_subject(open_workspace(home), subject, reason=reason)
    console.print(f"Erased {result.persons} record(s), {result.vault} identifier(s), {result.consent_events} consent "
                  f"event(s); re-ingest of the same rows is blocked.")
    for problem in result.problems:
        console.print(f"[red]verification:[/red] {problem}")
    if result.problems:
        raise typer.Exit(1)


@app.command()
def rectify(subject: Subject,
            set_: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE (record field or identifier).")],
            home: Home = None) -> None:
    """Correct a person's record fields or identifiers."""
    from atlas.privacy.subjects import rectify_subject

    changes = {}
    for item in set_:
        if "=" not in item:
            raise typer.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--set")
        name, value = item.split("=", 1)
        changes[name.strip()] = value
    done = rectify_subject(open_workspace(home), subject, changes)
    console.print(f"Rectified {done['records']} record(s) and {done['identifiers']} identifier(s).")
