"""`atlas audit`: verify the tamper-evident trail, oversight reports, incidents, and leak tracing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace
from atlas.errors import WorkspaceProblem

app = typer.Typer(help="Audit trail and oversight: verify, report, tail; incidents; record of processing.",
                  no_args_is_help=True)
incident_app = typer.Typer(help="Incident register: breaches and misuse, and what was done.", no_args_is_help=True)
app.add_typer(incident_app, name="incident")
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


class AuditChainBroken(WorkspaceProblem):
    code = "audit-chain-broken"
    title = "Audit trail tampered"


@app.command()
def verify(home: Home = None) -> None:
    """Recompute the hash chain and check the signed heads; names the first bad entry."""
    from atlas.privacy.access import authorize
    from atlas.privacy.audit import log_event, verify_chain
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        authorize(actor, "read_audit", None, con=con)
        result = verify_chain(con, ws.keys)
        log_event(con, actor.name, "audit.verify", None, "oversight", {"ok": result.ok, "bad": result.first_bad_seq})
    if not result.ok:
        raise AuditChainBroken(f"{result.problem} (first bad entry: {result.first_bad_seq}).",
                               detail={"first_bad_seq": result.first_bad_seq})
    console.print(f"[green]Audit trail intact:[/green] {result.entries} entries, {result.signed_heads} signed head(s).")


def _day(text: str | None, default: date) -> datetime:
    return datetime.combine(date.fromisoformat(text) if text else default, time(), tzinfo=UTC)


@app.command()
def report(
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default 30 days ago.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day included (YYYY-MM-DD); default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    home: Home = None,
) -> None:
    """Oversight summary for a period: who accessed what, for which purpose; refusals; permission changes."""
    from atlas.privacy.access import authorize
    from atlas.privacy.audit import audit_report, log_event
    from atlas.privacy.session import acting

    today = datetime.now(UTC).date()
    lo, hi = _day(start, today - timedelta(days=30)), _day(end, today) + timedelta(days=1)
    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        authorize(actor, "read_audit", None, con=con)
        rep = audit_report(con, lo, hi)
        log_event(con, actor.name, "audit.report", f"{lo.date()}..{hi.date()}", "oversight")
    if as_json:
        console.print_json(json.dumps(rep.__dict__, default=str))
        return
    table = Table("actor", "action", "purpose", "times", "objects", title=f"{rep.entries} entries {lo.date()} to {end or today}")
    for r in rep.by_actor:
        table.add_row(r["actor"], r["action"], r["purpose"], str(r["n"]), str(r["objects"]))
    console.print(table)
    console.print(f"Vault accesses: {len(rep.vault_access)}; refused attempts: {len(rep.refusals)}; "
                  f"permission changes: {len(rep.permission_changes)}.")


@app.command("tail")
def tail_(n: Annotated[int, typer.Option("-n", help="How many entries.")] = 20, home: Home = None) -> None:
    """The latest entries of the audit trail."""
    from atlas.privacy.access import authorize
    from atlas.privacy.audit import tail
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        authorize(actor, "read_audit", None, con=con)
        rows = tail(con, n)
    table = Table("seq", "time", "actor", "action", "object", "purpose")
    for r in rows:
        table.add_row(str(r["seq"]), str(r["logged_at"])[:19], r["actor"], r["action"], (r["object"] or "")[:24],
                      r["purpose"] or "")
    console.print(table)


@app.command("record")
def record(home: Home = None) -> None:
    """Record of processing activities, generated from the workspace (JSON)."""
    from atlas.privacy.compliance import processing_record
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        doc = processing_record(con, actor)
    console.print_json(json.dumps(doc, default=str))


@app.command("trace")
def trace(file: Annotated[Path, typer.Argument(help="A leaked CSV file.", exists=True, dir_okay=False)],
          home: Home = None) -> None:
    """Find which recipient a leaked release file was fingerprinted for."""
    from atlas.privacy.compliance import trace_leak
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        result = trace_leak(con, ws.keys, actor, file)
    if result.recipient:
        console.print(f"[bold]{file.name}[/bold] was issued to [bold red]{result.recipient}[/bold red] "
                      f"(order agreement {result.score:.0%} over {result.pairs} row pairs).")
    else:
        console.print(f"No recipient explains the order of {file.name} (best agreement {result.score:.0%}); "
                      "the file may have been re-sorted or is not a fingerprinted release.")


@incident_app.command("add")
def incident_add(
    summary: Annotated[str, typer.Argument(help="What happened.")],
    severity: Annotated[str, typer.Option(help="low | medium | high | critical")] = "medium",
    recipient: Annotated[str | None, typer.Option(help="Recipient involved, if any.")] = None,
    affected: Annotated[str | None, typer.Option(help="Data or people affected.")] = None,
    actions: Annotated[str | None, typer.Option(help="Remedies taken so far.")] = None,
    home: Home = None,
) -> None:
    """Register an incident (breach, misuse, leak)."""
    from atlas.privacy.compliance import add_incident
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        n = add_incident(con, actor, summary, severity=severity, recipient=recipient, affected=affected, actions=actions)
    console.print(f"Incident {n} registered.")


@incident_app.command("close")
def incident_close(incident_id: Annotated[int, typer.Argument()],
                   actions: Annotated[str, typer.Option(help="Remedies taken.")], home: Home = None) -> None:
    """Close an incident, recording the remedies."""
    from atlas.privacy.compliance import close_incident
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        close_incident(con, actor, incident_id, actions)
    console.print(f"Incident {incident_id} closed.")


@incident_app.command("list")
def incident_list(home: Home = None) -> None:
    """List incidents."""
    from atlas.privacy.compliance import list_incidents
    from atlas.privacy.session import acting

    ws = open_workspace(home)
    with acting(ws) as (con, actor):
        rows = list_incidents(con, actor)
    table = Table("id", "reported", "severity", "status", "recipient", "summary")
    for r in rows:
        table.add_row(str(r["incident_id"]), str(r["reported_at"])[:10], r["severity"], r["status"],
                      r["recipient"] or "", r["summary"][:60])
    console.print(table)


def register(root: typer.Typer) -> None:
    """Mount `atlas audit`, plus the top-level shortcuts `atlas incident ...` and `atlas trace FILE`."""
    root.add_typer(app, name="audit")
    root.add_typer(incident_app, name="incident")
    root.command("trace")(trace)
