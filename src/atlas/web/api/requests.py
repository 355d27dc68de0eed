"""Special data runs: submit a spec for a purpose under an agreement; stewards approve or reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from atlas.errors import NotFound
from atlas.sharing.requests import RequestOutcome, decide_request, list_requests, submit_request
from atlas.tables.spec import parse_spec
from atlas.web.auth import Principal, allowed, served_workspace
from atlas.web.models import DecisionIn, RunRequestIn, RunRequestOut
from atlas.web.pagination import PageQuery, paginate

router = APIRouter(tags=["requests"])
RequestId = Annotated[int, Path(ge=1, le=2_000_000_000)]


def _out(request: Request, principal: Principal, rid: int) -> RunRequestOut:
    ws = served_workspace(request)
    for r in list_requests(ws, principal.actor):
        if r["request_id"] == rid:
            return RunRequestOut(**r)
    raise NotFound(f"No request {rid} visible to you.")


def _outcome(request: Request, principal: Principal, outcome: RequestOutcome) -> RunRequestOut:
    return _out(request, principal, outcome.request_id)


@router.get("/requests", response_model=list[RunRequestOut])
def requests(request: Request,
             response: Response,
             page: PageQuery,
             principal: Annotated[Principal, allowed("request_runs")]) -> list[RunRequestOut]:
    """Requests you may see: your organisation's (partners), or all (stewards)."""
    rows = list_requests(served_workspace(request), principal.actor)
    return [RunRequestOut(**r) for r in paginate(rows, page, request, response)]


@router.post("/requests", response_model=RunRequestOut, status_code=201)
def submit(body: RunRequestIn,
           request: Request,
           principal: Annotated[Principal, allowed("request_runs")]) -> RunRequestOut:
    """Submit a special run; it is checked against the agreement, then waits for approval or runs at once."""
    spec = parse_spec(body.spec, source="request body")
    outcome = submit_request(served_workspace(request), spec, body.agreement, body.purpose, principal.actor)
    return _outcome(request, principal, outcome)


@router.get("/requests/{request_id}", response_model=RunRequestOut)
def one(request_id: RequestId,
        request: Request,
        principal: Annotated[Principal, allowed("request_runs")]) -> RunRequestOut:
    """One request and its status (pending, released, refused, rejected)."""
    return _out(request, principal, request_id)


@router.post("/requests/{request_id}/approve", response_model=RunRequestOut)
def approve(request_id: RequestId,
            body: DecisionIn,
            request: Request,
            principal: Annotated[Principal, allowed("approve_sharing")]) -> RunRequestOut:
    """Approve: re-checked, protected and released to the requester's organisation (never one's own request)."""
    outcome = decide_request(served_workspace(request), request_id, True, body.reason, principal.actor)
    return _outcome(request, principal, outcome)


@router.post("/requests/{request_id}/reject", response_model=RunRequestOut)
def reject(request_id: RequestId,
           body: DecisionIn,
           request: Request,
           principal: Annotated[Principal, allowed("approve_sharing")]) -> RunRequestOut:
    """Reject a pending request with a reason."""
    outcome = decide_request(served_workspace(request), request_id, False, body.reason, principal.actor)
    return _outcome(request, principal, outcome)
