"""The partner area: my agreements, my releases, and special data runs (request one, follow it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from atlas.errors import NotFound, PolicyRefused, RejectedInput
from atlas.sharing.agreement import GEO_RANK, Agreement
from atlas.sharing.requests import list_requests, submit_request
from atlas.sharing.serving import agreement_for, visible_agreements
from atlas.tables.spec import parse_spec
from atlas.web.auth import Principal, served_workspace
from atlas.web.portal import catalogue as cat
from atlas.web.portal.guard import FormText, Visitor, html_errors, need, posted
from atlas.web.portal.render import page, translator

router = APIRouter(prefix="/partner", include_in_schema=False)
AGE_BANDS = [0, 18, 30, 45, 60]


def _mine(con: Any, who: Principal) -> list[Agreement]:
    """Agreements the caller's organisation receives under (stewards and auditors: every non-public one)."""
    return [a for a in visible_agreements(con, who.actor) if not a.is_public]


@router.get("")
@html_errors
def home(request: Request, who: Visitor) -> Response:
    """My agreements, my organisation's releases and my special-run requests."""
    actor = need(request, who, "read_releases")
    ws = served_workspace(request)
    with ws.connect() as con:
        agreements = _mine(con, who)
        releases = [r for r in cat.visible(con, who) if not r.public]
    requests = list_requests(ws, actor)
    return page(request, "partner.html", who, title=translator(request)("partner_title"), agreements=agreements,
                releases=releases, requests=requests, now=datetime.now(UTC))


@router.get("/agreements/{name}")
@html_errors
def agreement(request: Request, who: Visitor, name: str) -> Response:
    """One agreement clause by clause, as the software enforces it (refusals are audited)."""
    actor = need(request, who, "read_releases")
    with served_workspace(request).connect() as con:
        found = agreement_for(con, actor, name)
    return page(request, "agreement.html", who, title=found.title or found.name, a=found, now=datetime.now(UTC))


def _form_context(request: Request, who: Principal) -> dict[str, Any]:
    with served_workspace(request).connect() as con:
        runnable = [a for a in _mine(con, who) if a.special_runs.allowed and a.status == "active"]
    now = datetime.now(UTC)
    return {"agreements": runnable, "now": now,
            "levels": sorted({lvl for a in runnable for lvl in GEO_RANK if GEO_RANK[lvl] <= GEO_RANK[
                a.allowed_geography(now)] and lvl != "adm0"}, key=GEO_RANK.__getitem__)}


@router.get("/requests/new")
@html_errors
def request_form(request: Request, who: Visitor) -> Response:
    need(request, who, "request_runs")
    t = translator(request)
    return page(request, "request_new.html", who, title=t("request_title"), form={}, **_form_context(request, who))


def build_spec(name: str, title: str, dimensions: list[str], level: str, nationality: str,
               agreement: Agreement) -> Any:
    """A table spec from the form, protected at the agreement's floor."""
    dims: list[dict[str, Any]] = []
    for field in dimensions:
        if field == "area":
            dims.append({"field": "area", "level": level or agreement.finest_geography})
        elif field == "age":
            dims.append({"field": "age", "grouping": {"bands": AGE_BANDS}})
        else:
            dims.append({"field": field})
    floor = agreement.disclosure
    spec: dict[str, Any] = {"name": name, "title": title or None, "dimensions": dims,
                            "protection": {"method": floor.method, "min_count": floor.min_count,
                                           "interval_lower_pct": floor.interval_lower_pct,
                                           "interval_upper_pct": floor.interval_upper_pct,
                                           **({"secondary": "fast"} if floor.method == "suppression" else {})}}
    if nationality.strip():
        spec["filter"] = [{"field": "nationality", "op": "eq", "value": nationality.strip().upper()}]
    return parse_spec(spec, source="request form")


@router.post("/requests")
@html_errors
def request_submit(request: Request, who: Visitor, agreement: FormText = "", purpose: FormText = "",
                   name: FormText = "", title: FormText = "", dimensions: Annotated[list[str] | None, Form()] = None,
                   level: FormText = "", nationality: FormText = "", csrf_token: FormText = "") -> Response:
    """Check the run against the agreement; it waits for a steward or is released at once."""
    posted(who, csrf_token)
    actor = need(request, who, "request_runs")
    t = translator(request)
    ws = served_workspace(request)
    dimensions = dimensions or []
    form = {"agreement": agreement, "purpose": purpose, "name": name, "title": title, "dimensions": dimensions,
            "level": level, "nationality": nationality}
    try:
        with ws.connect() as con:
            chosen = next((a for a in _mine(con, who) if a.name == agreement), None)
        if chosen is None:
            raise NotFound(f"No agreement {agreement!r} for your organisation.")
        if not dimensions:
            raise RejectedInput(t("request_need_dimension"))
        outcome = submit_request(ws, build_spec(name, title, dimensions, level, nationality, chosen), agreement,
                                 purpose, actor)
    except (PolicyRefused, RejectedInput, NotFound) as exc:
        status = 403 if isinstance(exc, PolicyRefused) else 422
        return page(request, "request_new.html", who, status=status, title=t("request_title"), form=form,
                    here="/partner/requests/new",
                    error=exc.message, clause=getattr(exc, "clause", None), issues=exc.issues[:10],
                    **_form_context(request, who))
    return RedirectResponse(f"/partner/requests/{outcome.request_id}", status_code=303)


@router.get("/requests/{request_id}")
@html_errors
def request_status(request: Request, who: Visitor, request_id: int) -> Response:
    """Follow one request: pending, released (with its package), rejected or refused (with the clause)."""
    actor = need(request, who, "request_runs")
    found = [r for r in list_requests(served_workspace(request), actor) if r["request_id"] == request_id]
    if not found:
        raise NotFound(f"No request {request_id}.")
    req = found[0]
    link = None
    if req["release_id"]:
        agreement, version = req["release_id"].split("/")[:2]
        link = f"/releases/{agreement}/{version}/{req['organisation'] or ''}"
    t = translator(request)
    return page(request, "request_status.html", who, title=t("request_status_title", id=request_id), req=req,
                link=link)
