"""Agreements: read those you are party to; stewards add, suspend, resume, revoke and activate crises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response

from atlas.errors import Issue, RejectedInput
from atlas.sharing.agreement import Agreement, parse_agreement
from atlas.sharing.catalog import activate_crisis, add_agreement, end_crisis, set_status
from atlas.sharing.serving import agreement_for, visible_agreements
from atlas.web.auth import Caller, Principal, SignedIn, allowed, served_workspace
from atlas.web.models import AgreementSummary, CrisisIn, StatusIn
from atlas.web.pagination import PageQuery, paginate

router = APIRouter(tags=["agreements"])
Name = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$", description="Agreement name.")]


def summary(a: Agreement) -> AgreementSummary:
    now = datetime.now(UTC)
    return AgreementSummary(name=a.name, title=a.title, version=a.version, status=a.status, public=a.is_public,
                            provider=a.parties.provider, recipients=a.parties.recipients, start=str(a.start),
                            expiry=str(a.expiry), crisis_active=a.crisis_on(now),
                            tables=[t.name for t in a.tables_for(now)], formats=a.formats)


def _embedded_only(body: dict[str, Any]) -> dict[str, Any]:
    """Over HTTP, tables must be embedded specs: a spec file name would make the server read its own disk."""
    crisis = (body.get("circumstances") or {}).get("crisis") if isinstance(body.get("circumstances"), dict) else None
    entries = [*(body.get("tables") or []), *((crisis or {}).get("tables") or [] if isinstance(crisis, dict) else [])]
    if any(not isinstance(t, dict) for t in entries):
        raise RejectedInput("Tables must be embedded specs (mappings), not file names.",
                            issues=[Issue("agreement-table-file", "a table entry is not a mapping", column="tables")])
    return body


def _full(a: Agreement) -> dict[str, Any]:
    return {**a.model_dump(mode="json"), "public": a.is_public, "crisis_active": a.crisis_on(datetime.now(UTC))}


@router.get("/agreements", response_model=list[AgreementSummary])
def agreements(request: Request,
               response: Response,
               page: PageQuery,
               principal: Caller) -> list[AgreementSummary]:
    """Agreements you may see: public ones, your organisation's, or all (stewards, auditors)."""
    with served_workspace(request).connect() as con:
        found = visible_agreements(con, principal.actor)
    return [summary(a) for a in paginate(found, page, request, response)]


@router.get("/agreements/{name}", response_model=dict[str, Any])
def agreement(name: Name,
              request: Request,
              principal: Caller) -> dict[str, Any]:
    """Every clause of one agreement, with its status and crisis state."""
    with served_workspace(request).connect() as con:
        return _full(agreement_for(con, principal.actor, name))


@router.post("/agreements", response_model=dict[str, Any], status_code=201)
def add(request: Request,
        body: Annotated[dict[str, Any], Body(description="The agreement, as in its YAML file.")],
        principal: Annotated[Principal, allowed("manage_agreements")]) -> dict[str, Any]:
    """Add an agreement, or a new version of one (tables embedded as specs)."""
    assert principal.actor is not None
    parsed = parse_agreement(_embedded_only(body), source="request body")
    with served_workspace(request).connect() as con:
        return _full(add_agreement(con, principal.actor, parsed))


@router.post("/agreements/{name}/status", response_model=dict[str, Any])
def status(name: Name,
           body: StatusIn,
           request: Request,
           principal: Annotated[Principal, allowed("manage_agreements")]) -> dict[str, Any]:
    """Suspend, resume or revoke: a suspended or revoked agreement cuts its recipients' access at once."""
    assert principal.actor is not None
    with served_workspace(request).connect() as con:
        return _full(set_status(con, principal.actor, name, body.status, body.reason))


@router.post("/agreements/{name}/crisis", response_model=dict[str, Any])
def crisis(name: Name,
           body: CrisisIn,
           request: Request,
           principal: SignedIn) -> dict[str, Any]:
    """Activate the crisis clause (only those listed in `may_activate`)."""
    assert principal.actor is not None
    with served_workspace(request).connect() as con:
        return _full(activate_crisis(con, principal.actor, name, body.trigger, days=body.days))


@router.delete("/agreements/{name}/crisis", response_model=dict[str, Any])
def end(name: Name,
        request: Request,
        principal: Annotated[Principal, allowed("manage_agreements")]) -> dict[str, Any]:
    """End a running crisis activation early."""
    assert principal.actor is not None
    with served_workspace(request).connect() as con:
        return _full(end_crisis(con, principal.actor, name))
