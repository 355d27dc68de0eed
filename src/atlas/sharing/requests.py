"""Special data runs: submit -> policy check -> (steward approval) -> protected run -> release; all audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from atlas.errors import Issue, NotFound, PolicyRefused
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.users import actor_for
from atlas.sharing.agreement import Agreement, check_request, with_floor
from atlas.sharing.catalog import get_agreement
from atlas.sharing.release import Release, produce
from atlas.store.tx import allocate
from atlas.store.workspace import Workspace
from atlas.tables.service import cube_for
from atlas.tables.spec import TableSpec, parse_spec


@dataclass(frozen=True)
class RequestOutcome:
    request_id: int
    status: str  # pending | released | refused | rejected
    release: Release | None = None
    reason: str | None = None


def _runs_this_month(con: duckdb.DuckDBPyConnection, agreement: str, now: datetime) -> int:
    row = con.execute("""SELECT count(*) FROM run_requests WHERE agreement = ? AND status IN ('pending', 'released')
                         AND date_trunc('month', submitted_at) = date_trunc('month', ?::TIMESTAMPTZ)""",
                      [agreement, now]).fetchone()
    return int(row[0]) if row else 0


def _recipient(agreement: Agreement, actor: Actor) -> list[str]:
    """The requester's organisation must be a party; a steward may request for all recipients."""
    if actor.organisation in agreement.parties.recipients:
        return [str(actor.organisation)]
    if "steward" in actor.roles:
        return list(agreement.parties.recipients)
    raise PolicyRefused(f"{actor.organisation or actor.name} is not a recipient of {agreement.name}.",
                        clause="parties")


def submit_request(ws: Workspace, spec: TableSpec, agreement_name: str, purpose: str, actor: Actor | None = None,
                   *, now: datetime | None = None) -> RequestOutcome:
    """Check a special run against its agreement; run it at once unless a steward must approve it."""
    now = now or datetime.now(UTC)
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        agreement = get_agreement(con, agreement_name)
        rid = allocate(con, "run_requests", "request_id")
        body = json.dumps(spec.model_dump(mode="json"), sort_keys=True)
        try:
            authorize(who, "request_runs", {"name": agreement_name}, con=con)
            recipients = _recipient(agreement, who)
            runs = _runs_this_month(con, agreement_name, now)
            check_request(agreement, spec, purpose, now, special=True, runs_this_month=runs)
            cells = len(cube_for(con, with_floor(agreement, spec), purpose).cells)
            check_request(agreement, spec, purpose, now, special=True, runs_this_month=runs, cells=cells)
        except PolicyRefused as exc:
            con.execute("INSERT INTO run_requests VALUES (?, ?, ?, ?, ?, ?, 'refused', ?, ?, NULL, NULL, NULL, NULL)",
                        [rid, agreement_name, body, purpose, who.name, who.organisation, exc.clause, now])
            log_event(con, who.name, "request.refused", str(rid), purpose,
                      {"agreement": agreement_name, "clause": exc.clause, "table": spec.name})
            sign_head(con, ws.keys)
            raise
        pending = agreement.special_runs.approval_required
        con.execute("INSERT INTO run_requests VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, NULL, ?)",
                    [rid, agreement_name, body, purpose, who.name, who.organisation,
                     "pending" if pending else "running", now, cells])
        log_event(con, who.name, "request.submit", str(rid), purpose,
                  {"agreement": agreement_name, "table": spec.name, "cells": cells, "pending": pending})
        if pending:
            sign_head(con, ws.keys)
            return RequestOutcome(rid, "pending")
        outcome = _run(con, ws, agreement, spec, purpose, who, rid, recipients, now)
        sign_head(con, ws.keys)
    return outcome


def _run(con: duckdb.DuckDBPyConnection, ws: Workspace, agreement: Agreement, spec: TableSpec, purpose: str,
         actor: Actor, rid: int, recipients: list[str], now: datetime) -> RequestOutcome:
    try:
        release = produce(con, ws, agreement, [spec], purpose, actor, kind="special", now=now, request_id=rid,
                          recipients=recipients)
    except PolicyRefused as exc:
        con.execute("UPDATE run_requests SET status = 'refused', reason = ? WHERE request_id = ?", [exc.clause, rid])
        log_event(con, actor.name, "request.refused", str(rid), purpose, {"clause": exc.clause})
        raise
    con.execute("UPDATE run_requests SET status = 'released', release_id = ? WHERE request_id = ?",
                [release.release_id, rid])
    log_event(con, actor.name, "request.released", str(rid), purpose, {"release_id": release.release_id})
    return RequestOutcome(rid, "released", release)


def _load(con: duckdb.DuckDBPyConnection, rid: int) -> dict[str, Any]:
    cur = con.execute("SELECT * FROM run_requests WHERE request_id = ?", [rid])
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"No request {rid}.", issues=[Issue("request-missing", "run `atlas request list`")])
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def decide_request(ws: Workspace, rid: int, approve: bool, reason: str, actor: Actor | None = None, *,
                   now: datetime | None = None) -> RequestOutcome:
    """A steward approves (the run is re-checked, protected and released) or rejects a pending request."""
    now = now or datetime.now(UTC)
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        req = _load(con, rid)
        authorize(who, "approve_sharing", {"id": rid}, con=con)
        agreement = get_agreement(con, req["agreement"])
        approvers = set(agreement.special_runs.approvers)
        if not (who.roles & approvers or who.name in approvers or who.bootstrap):
            raise PolicyRefused(f"{who.name} is not an approver of {agreement.name}.", clause="special_runs.approvers")
        if req["requester"] == who.name and not who.bootstrap:
            log_event(con, who.name, "access.refused", str(rid), None, {"reason": "self-approval"})
            raise PolicyRefused("No one may approve their own request.", clause="special_runs.four-eyes")
        if req["status"] != "pending":
            raise PolicyRefused(f"Request {rid} is {req['status']}, not pending.", clause="request:status")
        con.execute("UPDATE run_requests SET decided_by = ?, decided_at = ?, reason = ? WHERE request_id = ?",
                    [who.name, now, reason, rid])
        if not approve:
            con.execute("UPDATE run_requests SET status = 'rejected' WHERE request_id = ?", [rid])
            log_event(con, who.name, "request.reject", str(rid), req["purpose"], {"reason": reason})
            sign_head(con, ws.keys)
            return RequestOutcome(rid, "rejected", reason=reason)
        log_event(con, who.name, "request.approve", str(rid), req["purpose"], {"reason": reason})
        spec = parse_spec(json.loads(req["spec"]))
        try:
            check_request(agreement, spec, req["purpose"], now, special=True, cells=req["cells"])
        except PolicyRefused as exc:
            con.execute("UPDATE run_requests SET status = 'refused', reason = ? WHERE request_id = ?",
                        [exc.clause, rid])
            log_event(con, who.name, "request.refused", str(rid), req["purpose"], {"clause": exc.clause})
            sign_head(con, ws.keys)
            raise
        org = req["organisation"]
        recipients = [org] if org in agreement.parties.recipients else list(agreement.parties.recipients)
        outcome = _run(con, ws, agreement, spec, req["purpose"], who, rid, recipients, now)
        sign_head(con, ws.keys)
    return outcome


def list_requests(ws: Workspace, actor: Actor | None = None) -> list[dict[str, Any]]:
    """Requests the actor may see: all for stewards, their organisation's for partners."""
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        cur = con.execute("SELECT request_id, agreement, purpose, requester, organisation, status, reason, "
                          "submitted_at, decided_by, release_id, cells FROM run_requests ORDER BY request_id")
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    if "steward" in who.roles or "auditor" in who.roles:
        return rows
    return [r for r in rows if r["organisation"] == who.organisation or r["requester"] == who.name]
