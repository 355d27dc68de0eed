"""The steward area: ingest with its validation report, quarantine, requests to approve, agreements and
crisis activation, and the audit summary. Every action calls the same service as the CLI."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from atlas.errors import RejectedInput
from atlas.ingest.pipeline import IngestOptions, ingest_file, load_issues
from atlas.ingest.quarantine import fix, list_rows, retry
from atlas.privacy.audit import audit_report, log_event, tail, verify_chain
from atlas.privacy.session import acting
from atlas.sharing.catalog import activate_crisis, end_crisis, list_agreements, set_status
from atlas.sharing.requests import decide_request, list_requests
from atlas.web.auth import served_workspace
from atlas.web.portal.guard import FormText, Visitor, html_errors, need, posted
from atlas.web.portal.render import page, translator

router = APIRouter(prefix="/steward", include_in_schema=False)
ISSUES_SHOWN = 200
ROWS_SHOWN = 100


@router.get("")
@html_errors
def home(request: Request, who: Visitor) -> Response:
    """What waits for a steward: pending requests, open quarantine, agreements in crisis."""
    actor = need(request, who, "approve_sharing")
    ws = served_workspace(request)
    pending = [r for r in list_requests(ws, actor) if r["status"] == "pending"]
    with ws.connect() as con:
        quarantined = con.execute("SELECT count(*) FROM quarantine WHERE status = 'open'").fetchone()
        agreements = list_agreements(con)
    now = datetime.now(UTC)
    return page(request, "steward.html", who, title=translator(request)("steward_title"), pending=pending,
                quarantined=int(quarantined[0]) if quarantined else 0,
                crises=[a for a in agreements if a.crisis_on(now)], agreements=agreements)


@router.get("/ingest")
@html_errors
def ingest_form(request: Request, who: Visitor) -> Response:
    need(request, who, "ingest")
    return page(request, "ingest.html", who, title=translator(request)("ingest_title"), result=None)


@router.post("/ingest")
@html_errors
def ingest(request: Request, who: Visitor, file: Annotated[UploadFile, File()],
           mapping: Annotated[UploadFile | None, File()] = None, kind: FormText = "person", country: FormText = "",
           source_name: FormText = "", dry_run: Annotated[bool, Form()] = False,
           csrf_token: FormText = "") -> Response:
    """Ingest one uploaded file as one batch and show its validation report (files are kept outside the
    workspace only for the length of the request)."""
    posted(who, csrf_token)
    actor = need(request, who, "ingest")
    if kind not in ("person", "aggregate"):
        raise RejectedInput(f"Unknown kind {kind!r}.")
    ws = served_workspace(request)
    scratch = Path(tempfile.mkdtemp(prefix="atlas-upload-"))
    try:
        data = scratch / Path(file.filename or "upload.csv").name
        with data.open("wb") as fh:
            shutil.copyfileobj(file.file, fh)
        rules = None
        if mapping is not None and mapping.filename:
            rules = scratch / "mapping.yaml"
            with rules.open("wb") as fh:
                shutil.copyfileobj(mapping.file, fh)
        opts = IngestOptions(kind=kind, mapping=rules, source_name=source_name or None, country=country or None,  # type: ignore[arg-type]
                             dry_run=dry_run, report=scratch / "report.csv")
        result = ingest_file(ws, data, opts, actor=actor)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    issues = result.issues[:ISSUES_SHOWN]
    if result.batch_id is not None and result.committed:
        with ws.connect() as con:
            issues = load_issues(con, result.batch_id, ISSUES_SHOWN)
    return page(request, "ingest.html", who, title=translator(request)("ingest_title"), result=result,
                issues=issues, here="/steward/ingest")


@router.get("/quarantine")
@html_errors
def quarantine(request: Request, who: Visitor) -> Response:
    need(request, who, "ingest")
    with served_workspace(request).connect() as con:
        rows = list_rows(con)
    batches = sorted({r.batch_id for r in rows})
    return page(request, "quarantine.html", who, title=translator(request)("quarantine_title"),
                rows=rows[:ROWS_SHOWN], total=len(rows), batches=batches)


@router.post("/quarantine/{batch_id}/retry")
@html_errors
def quarantine_retry(request: Request, who: Visitor, batch_id: int, csrf_token: FormText = "") -> Response:
    posted(who, csrf_token)
    need(request, who, "ingest")
    retry(served_workspace(request), batch_id)
    return RedirectResponse("/steward/quarantine", status_code=303)


@router.post("/quarantine/{batch_id}/{row}/fix")
@html_errors
def quarantine_fix(request: Request, who: Visitor, batch_id: int, row: int, column: FormText = "",
                   value: FormText = "", csrf_token: FormText = "") -> Response:
    """Record a correction for one value of a quarantined row (applied at the next retry)."""
    posted(who, csrf_token)
    actor = need(request, who, "ingest")
    with acting(served_workspace(request), actor) as (con, me):
        fix(con, batch_id, row, column, value)
        log_event(con, me.name, "quarantine.fix", f"batch:{batch_id}", None, {"row": row, "column": column})
    return RedirectResponse("/steward/quarantine", status_code=303)


@router.get("/requests")
@html_errors
def requests(request: Request, who: Visitor) -> Response:
    actor = need(request, who, "approve_sharing")
    rows = list_requests(served_workspace(request), actor)
    return page(request, "steward_requests.html", who, title=translator(request)("requests_title"),
                pending=[r for r in rows if r["status"] == "pending"],
                done=[r for r in rows if r["status"] != "pending"])


@router.post("/requests/{request_id}")
@html_errors
def decide(request: Request, who: Visitor, request_id: int, decision: FormText = "", reason: FormText = "",
           csrf_token: FormText = "") -> Response:
    """Approve (re-checked, protected, released) or reject a pending request, with the reason recorded."""
    posted(who, csrf_token)
    actor = need(request, who, "approve_sharing")
    if decision not in ("approve", "reject") or not reason.strip():
        raise RejectedInput(translator(request)("decision_needs_reason"))
    decide_request(served_workspace(request), request_id, decision == "approve", reason.strip(), actor)
    return RedirectResponse("/steward/requests", status_code=303)


@router.get("/agreements")
@html_errors
def agreements(request: Request, who: Visitor) -> Response:
    need(request, who, "manage_agreements")
    with served_workspace(request).connect() as con:
        rows = list_agreements(con)
    return page(request, "agreements.html", who, title=translator(request)("agreements_title"), agreements=rows,
                now=datetime.now(UTC))


@router.post("/agreements/{name}/crisis")
@html_errors
def crisis(request: Request, who: Visitor, name: str, action: FormText = "", trigger: FormText = "",
           days: FormText = "", csrf_token: FormText = "") -> Response:
    """Activate (with its trigger, for at most the agreed days) or end a crisis activation."""
    posted(who, csrf_token)
    actor = need(request, who, "manage_agreements")
    with acting(served_workspace(request), actor) as (con, me):
        if action == "activate":
            if not trigger.strip():
                raise RejectedInput(translator(request)("crisis_needs_trigger"))
            activate_crisis(con, me, name, trigger.strip(), days=int(days) if days.strip().isdigit() else None)
        elif action == "end":
            end_crisis(con, me, name)
        else:
            raise RejectedInput(f"Unknown action {action!r}.")
    return RedirectResponse("/steward/agreements", status_code=303)


@router.post("/agreements/{name}/status")
@html_errors
def status(request: Request, who: Visitor, name: str, status: FormText = "", reason: FormText = "",
           csrf_token: FormText = "") -> Response:
    posted(who, csrf_token)
    actor = need(request, who, "manage_agreements")
    if status not in ("active", "suspended") or not reason.strip():
        raise RejectedInput(translator(request)("status_needs_reason"))
    with acting(served_workspace(request), actor) as (con, me):
        set_status(con, me, name, status, reason.strip())
    return RedirectResponse("/steward/agreements", status_code=303)


@router.get("/audit")
@html_errors
def audit(request: Request, who: Visitor) -> Response:
    """Is the trail intact, who did what in the last 30 days, refusals, and the latest entries."""
    actor = need(request, who, "read_audit")
    ws = served_workspace(request)
    end = datetime.now(UTC) + timedelta(minutes=1)
    with acting(ws, actor) as (con, me):
        check = verify_chain(con, ws.keys)
        report = audit_report(con, end - timedelta(days=30), end)
        latest = list(reversed(tail(con, 25)))
        log_event(con, me.name, "audit.report", "portal", "oversight")
    return page(request, "audit.html", who, title=translator(request)("audit_title"), check=check, report=report,
                latest=latest)


__all__ = ["router"]
