"""`atlas request`: special data runs under an agreement (submit, approve, reject, list)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from atlas.commands.common import console, open_workspace

app = typer.Typer(help="Special data runs: policy-checked, approved by a steward, protected, released.",
                  no_args_is_help=True)
Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]


@app.command()
def submit(spec: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Table spec (YAML/JSON).")],
           agreement: Annotated[str, typer.Option(help="Agreement the run falls under.")],
           purpose: Annotated[str, typer.Option(help="Purpose (must be accepted by the agreement).")],
           home: Home = None) -> None:
    """Submit a special run; it is refused, left pending approval, or released at once."""
    from atlas.sharing.requests import submit_request
    from atlas.tables.spec import load_spec

    out = submit_request(open_workspace(home), load_spec(spec), agreement, purpose)
    if out.status == "pending":
        console.print(f"Request {out.request_id} is pending approval by a steward.")
    elif out.release is not None:
        console.print(f"Request {out.request_id} released as {out.release.release_id}: {out.release.path}")


def _decide(rid: int, approve: bool, reason: str, home: Path | None) -> None:
    from atlas.sharing.requests import decide_request

    out = decide_request(open_workspace(home), rid, approve, reason)
    if out.release is not None:
        console.print(f"Request {rid} approved and released as {out.release.release_id}: {out.release.path}")
    else:
        console.print(f"Request {rid} {out.status}.")


@app.command()
def approve(request_id: Annotated[int, typer.Argument()],
            reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")], home: Home = None) -> None:
    """Approve a pending request: it is checked again, protected and released."""
    _decide(request_id, True, reason, home)


@app.command()
def reject(request_id: Annotated[int, typer.Argument()],
           reason: Annotated[str, typer.Option(help="Why (recorded and shown to the requester).")],
           home: Home = None) -> None:
    """Reject a pending request."""
    _decide(request_id, False, reason, home)


@app.command("list")
def list_(home: Home = None) -> None:
    """Requests you may see (stewards: all; partners: their organisation's)."""
    from atlas.sharing.requests import list_requests

    table = Table("id", "agreement", "purpose", "requester", "status", "reason", "release")
    for r in list_requests(open_workspace(home)):
        table.add_row(str(r["request_id"]), r["agreement"], r["purpose"], r["requester"], r["status"],
                      r["reason"] or "", r["release_id"] or "")
    console.print(table)
