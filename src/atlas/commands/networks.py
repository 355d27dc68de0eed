"""`atlas networks`: the directory of networks and focal points, their consent, contacts and coverage."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from atlas.commands.common import console, open_workspace
from atlas.errors import Issue, RejectedInput

app = typer.Typer(help="Migrant and diaspora networks, focal points (consent-gated contacts) and their coverage. "
                       "The acting user is ATLAS_USER.", no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]
File = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, YAML or JSON rows.")]
Level = Annotated[str, typer.Option(help="Area level of the counts: adm1 or adm2.")]


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV file (UTF-8, header line) or a YAML/JSON list of mappings."""
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.suffix != ".json" else json.loads(
            path.read_text(encoding="utf-8"))
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise RejectedInput(f"{path.name} must hold a list of mappings",
                                issues=[Issue("rows-shape", "not a list of mappings", file=str(path))])
        return data
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _frame(frame: Any, title: str | None = None) -> None:
    table = Table(*map(str, frame.columns), title=title)
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else str(v)) for v in row))
    console.print(table)


def _coverage(cov: Any, out: Path | None) -> None:
    for line in cov.statements:
        console.print(line)
    if out is not None:
        from atlas.tables.service import write_table

        paths = write_table(cov.table, "csv", out)
        console.print(f"Written: {', '.join(str(p) for p in paths)}")


@app.command()
def add(file: File, home: Home = None) -> None:
    """Add or update networks (same network_id = update); list cells as `a;b`."""
    from atlas.communities.networks import add_networks, parse_networks
    from atlas.privacy.session import acting

    items = parse_networks(read_rows(file), source=str(file))
    with acting(open_workspace(home)) as (con, actor):
        n = add_networks(con, actor, items)
    console.print(f"{n} network(s) stored.")


@app.command("list")
def list_(public: Annotated[bool, typer.Option(help="Only entries listed publicly.")] = False,
          home: Home = None) -> None:
    """The directory (directory keepers), or its public entries."""
    from atlas.communities.networks import list_networks
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        frame = list_networks(con, None if public else actor, public_only=public)
    _frame(frame, "Networks")


@app.command()
def deactivate(network_id: str, home: Home = None) -> None:
    """A network that closed: kept in history, gone from every later count."""
    from atlas.communities.networks import deactivate_network
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        deactivate_network(con, actor, network_id)
    console.print(f"Network {network_id} deactivated.")


@app.command()
def coverage(level: Level = "adm1", min_count: Annotated[int, typer.Option(help="Smallest count shown.")] = 3,
             out: Annotated[Path | None, typer.Option(help="Folder for the protected table (CSV).")] = None,
             home: Home = None) -> None:
    """What the public sees: protected counts of networks by area and nationality."""
    from atlas.communities.networks import network_coverage
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        cov = network_coverage(con, level=level, min_count=min_count, actor=actor)  # type: ignore[arg-type]
    _coverage(cov, out)


@app.command("focal-add")
def focal_add(file: File, home: Home = None) -> None:
    """Add focal points: identifiers sealed in the vault; consent from consent_purposes, _recipients, _scope,
    _given, _expires columns."""
    from atlas.communities.focal_points import add_focal_points, parse_focal_rows
    from atlas.privacy.session import acting

    items = parse_focal_rows(read_rows(file), source=str(file))
    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        n = add_focal_points(con, ws.keys, actor, items)
    console.print(f"{n} focal point(s) stored; contact details sealed in the vault.")


@app.command()
def consent(focal_id: str,
            purposes: Annotated[str, typer.Option(help="Comma-separated purposes from the controlled list.")],
            given: Annotated[str, typer.Option(help="Date the consent was given (YYYY-MM-DD).")],
            recipients: Annotated[str, typer.Option(help="Comma-separated organisations, or * for any "
                                                          "recipient of an agreement in force.")] = "*",
            scope: Annotated[str, typer.Option(help="crisis_only or always.")] = "crisis_only",
            expires: Annotated[str | None, typer.Option(help="Date the consent ends (YYYY-MM-DD).")] = None,
            channel: Annotated[str | None, typer.Option(help="How it was given: paper_form, verbal_witnessed, online, sms or phone.")] = None,
            home: Home = None) -> None:
    """Record or renew what a focal point agreed to."""
    from atlas.communities.focal_points import ConsentIn, record_focal_consent
    from atlas.privacy.session import acting

    terms = ConsentIn(purposes=purposes.split(","), recipients=recipients.split(","), scope=scope,  # type: ignore[arg-type]
                      given_at=date.fromisoformat(given), expires_at=date.fromisoformat(expires) if expires else None)
    with acting(open_workspace(home)) as (con, actor):
        record_focal_consent(con, actor, focal_id, terms, channel=channel)
    console.print(f"Consent of {focal_id} recorded.")


@app.command()
def withdraw(focal_id: str, channel: Annotated[str | None, typer.Option(help="How: paper_form, verbal_witnessed, online, sms or phone.")] = None,
             home: Home = None) -> None:
    """Withdraw a focal point's consent: they leave every later contact sheet and count."""
    from atlas.communities.focal_points import withdraw_focal_consent
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        withdraw_focal_consent(con, actor, focal_id, channel=channel)
    console.print(f"Consent of {focal_id} withdrawn.")


@app.command()
def verify(focal_id: str, on: Annotated[str | None, typer.Option(help="Date checked (default today).")] = None,
           home: Home = None) -> None:
    """Record that a focal point's details were checked."""
    from atlas.communities.focal_points import verify_focal_point
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        verify_focal_point(con, actor, focal_id, date.fromisoformat(on) if on else None)
    console.print(f"{focal_id} verified.")


@app.command()
def due(within: Annotated[int, typer.Option(help="Prompt for consents ending within this many days.")] = 30,
        home: Home = None) -> None:
    """Expiry prompts: consents ending soon or ended, contacts not verified recently."""
    from atlas.communities.focal_points import due_for_review
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, actor):
        frame = due_for_review(con, actor, within_days=within)
    _frame(frame, "Focal points to review")


@app.command()
def contact(focal_id: str, purpose: Annotated[str, typer.Option(help="Purpose of the contact.")],
            agreement: Annotated[str | None, typer.Option(help="Agreement you act under.")] = None,
            home: Home = None) -> None:
    """One focal point's contact, within their consent and your agreement (the view is logged)."""
    from atlas.communities.focal_points import contact as get_contact
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        got = get_contact(con, ws.keys, actor, focal_id, purpose=purpose, agreement=agreement)
    for k, v in got.items():
        console.print(f"{k}: {v}")


@app.command()
def contacts(purpose: Annotated[str, typer.Option(help="Purpose of the contacts.")],
             agreement: Annotated[str | None, typer.Option(help="Agreement you act under.")] = None,
             area: Annotated[str | None, typer.Option(help="Only this area (P-code).")] = None,
             nationality: Annotated[str | None, typer.Option(help="Only networks of this nationality.")] = None,
             home: Home = None) -> None:
    """Contact sheet for responders: only focal points whose consent covers you, now (each view logged)."""
    import pandas as pd

    from atlas.communities.focal_points import contact_sheet
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        sheet = contact_sheet(con, ws.keys, actor, purpose=purpose, agreement=agreement, area=area,
                              nationality=nationality)
    _frame(pd.DataFrame(sheet.contacts), f"{len(sheet.contacts)} contact(s); {sheet.withheld} withheld")


@app.command("focal-coverage")
def focal_coverage_(purpose: Annotated[str, typer.Option(help="Purpose the focal points consented to.")] =
                    "emergency_response", level: Level = "adm1",
                    out: Annotated[Path | None, typer.Option(help="Folder for the protected table (CSV).")] = None,
                    home: Home = None) -> None:
    """Protected counts of focal points reachable for a purpose, by area and nationality."""
    from atlas.communities.focal_points import focal_coverage
    from atlas.privacy.session import acting

    with acting(open_workspace(home)) as (con, _):
        cov = focal_coverage(con, purpose=purpose, level=level)  # type: ignore[arg-type]
    _coverage(cov, out)
