"""The contingency directory behind `/api/v1`: coverage counts, consent-gated contacts, evidence, trafficking.

Every route calls the service the CLI calls (`atlas.communities.networks`, `focal_points`, `evidence`,
`trafficking`), so the same clause refuses the same request on both, and the service writes the same
audit entries (`access.refused` with the clause, `focal_point.view`, `focal_point.sheet`, ...).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from atlas.communities import evidence as library
from atlas.communities.focal_points import contact, contact_sheet, focal_coverage
from atlas.communities.networks import Coverage, network_coverage
from atlas.communities.trafficking import MIN_COUNT, PURPOSE, trafficking_table
from atlas.outputs.jsonfile import FLAG_LEGEND, cell_records
from atlas.privacy.audit import log_event
from atlas.protection.protected import ProtectedTable
from atlas.web.auth import ANONYMOUS, Caller, Principal, SignedIn, Unauthenticated, allowed, served_workspace

router = APIRouter(tags=["directory"])
Level = Annotated[Literal["adm1", "adm2"], Query(description="Admin level of the areas.")]
Purpose = Annotated[str, Query(pattern=r"^[a-z_]{2,40}$", description="Purpose of the contact (controlled list).")]
AgreementName = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$",
                                            description="Agreement in force naming your organisation.")]
Pcode = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{2,20}$", description="P-code of an area.")]
Iso3 = Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3 nationality.")]
Tags = Annotated[list[str] | None, Query(max_length=50)]
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class CountTable(BaseModel):
    """A protected table of counts: `value` is null where suppressed, `flag` says why."""

    name: str
    title: str | None = None
    dimensions: list[str]
    min_count: int = Field(description="Smallest count published in a cell.")
    flags: dict[str, str]
    notes: list[str]
    cells: list[dict[str, Any]]


class CoverageTable(CountTable):
    statements: list[str] = Field(description="One sentence per published cell by area and nationality.")


class FocalContact(BaseModel):
    focal_id: str
    network_id: str | None = None
    network: str | None = None
    role: str | None = None
    full_name: str | None = None
    phone: str | None = None
    email: str | None = None
    other_contact: str | None = None


class ContactSheet(BaseModel):
    contacts: list[FocalContact]
    withheld: int = Field(description="Focal points left out (no reason is given per person).")


class _EvidenceTags(BaseModel):
    """What describes an evidence item in every answer: its tags, period, method and grading."""

    evidence_id: str
    title: str
    themes: list[str]
    places: list[str]
    nationalities: list[str]
    period_start: date | None = None
    period_end: date | None = None
    method: str
    sensitivity: str
    reliability: str | None = None
    credibility: int | None = None
    review_status: str


class EvidenceHit(_EvidenceTags):
    excerpt: str
    score: float | None = None


class EvidenceItem(_EvidenceTags):
    body: str = Field(description="The stored text: clean, cleared after review, or the reviewed redacted copy.")
    source: str | None = None


def _table(t: ProtectedTable) -> dict[str, Any]:
    return {"name": t.name, "title": t.title, "dimensions": list(t.dim_names), "min_count": t.policy.min_count,
            "flags": FLAG_LEGEND, "notes": list(t.notes), "cells": cell_records(t)}


def _coverage(cov: Coverage) -> CoverageTable:
    return CoverageTable(**_table(cov.table), statements=cov.statements)


def responder(request: Request, principal: Caller) -> Principal:
    """A signed-in caller; an anonymous request for contacts is refused *and* written to the audit trail."""
    if principal.anonymous:
        purpose = request.query_params.get("purpose", "")[:40] or None  # unvalidated yet: bounded in the trail
        with served_workspace(request).connect() as con:
            log_event(con, ANONYMOUS, "access.refused", request.url.path, purpose,
                      {"clause": "access:authentication", "reason": "focal-point contacts need a signed-in responder",
                       "roles": ["public"]})
        raise Unauthenticated("Sign in or send an API key: contacts go only to authorised responders.",
                              clause="access:authentication")
    return principal


Responder = Annotated[Principal, Depends(responder)]


@router.get("/networks/coverage", response_model=CoverageTable)
def networks_coverage(request: Request, principal: Caller, level: Level = "adm1") -> CoverageTable:
    """Distinct networks covering each nationality in each area, protected like any table (anyone)."""
    with served_workspace(request).connect() as con:
        return _coverage(network_coverage(con, level=level, actor=principal.actor))


@router.get("/focal-points/coverage", response_model=CoverageTable)
def focal_points_coverage(request: Request, principal: Annotated[Principal, allowed("read_releases")],
                          purpose: Purpose = "emergency_response", level: Level = "adm1") -> CoverageTable:
    """Focal points whose consent covers `purpose`, counted by area and nationality (no names)."""
    with served_workspace(request).connect() as con:
        cov = focal_coverage(con, purpose=purpose, level=level)
        log_event(con, principal.name, "directory.coverage", f"focal_points/{level}", purpose,
                  {"cells": len(cov.table)})
    return _coverage(cov)


@router.get("/focal-points/contacts", response_model=ContactSheet)
def focal_points_contacts(request: Request, principal: Responder, purpose: Purpose, agreement: AgreementName = None,
                          area: Pcode = None, nationality: Iso3 = None) -> ContactSheet:
    """Every contact released to you for a purpose under an agreement in force (each view logged)."""
    assert principal.actor is not None
    ws = served_workspace(request)
    with ws.connect() as con:
        sheet = contact_sheet(con, ws.keys, principal.actor, purpose=purpose, agreement=agreement, area=area,
                              nationality=nationality.upper() if nationality else None)
    return ContactSheet(contacts=[FocalContact(**c) for c in sheet.contacts], withheld=sheet.withheld)


@router.get("/focal-points/{focal_id}", response_model=FocalContact)
def focal_point(request: Request, focal_id: Ident, principal: Responder, purpose: Purpose,
                agreement: AgreementName = None) -> FocalContact:
    """One focal point's contact, if their consent and the agreement allow it; refusals name the clause."""
    assert principal.actor is not None
    ws = served_workspace(request)
    with ws.connect() as con:
        return FocalContact(**contact(con, ws.keys, principal.actor, focal_id, purpose=purpose, agreement=agreement))


def _audience(principal: Principal, asked: str | None) -> library.Audience:
    """The widest audience the caller belongs to (partner with `read_releases`), or the narrower one asked."""
    if asked == "partner" and principal.anonymous:
        raise Unauthenticated("Sign in to read what partners may read.", clause="access:authentication")
    if asked is not None:
        return asked  # type: ignore[return-value]
    return "partner" if principal.can("read_releases") else "public"


def _hit(row: dict[str, Any]) -> EvidenceHit:
    for key in ("period_start", "period_end"):
        row[key] = row[key][:10] if isinstance(row[key], str) else None
    return EvidenceHit(**{k: [] if k in ("themes", "places", "nationalities") and v is None else v
                          for k, v in row.items()})


@router.get("/evidence", response_model=list[EvidenceHit])
def evidence_search(request: Request, principal: Caller,
                    q: Annotated[str | None, Query(max_length=200, description="Words (BM25 ranking).")] = None,
                    theme: Tags = None, place: Tags = None, nationality: Tags = None,
                    audience: Annotated[Literal["partner", "public"] | None, Query()] = None,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[EvidenceHit]:
    """Evidence your audience may read, best first; unreviewed, withheld or identifying text never appears."""
    seen = _audience(principal, audience)
    with served_workspace(request).connect() as con:
        frame = library.search(con, q, actor=principal.actor, audience=seen, themes=theme, places=place,
                               nationalities=nationality, limit=limit)
    return [_hit(r) for r in json.loads(frame.to_json(orient="records", date_format="iso"))]


@router.get("/evidence/{evidence_id}", response_model=EvidenceItem)
def evidence_item(request: Request, evidence_id: Ident, principal: Caller,
                  audience: Annotated[Literal["partner", "public"] | None, Query()] = None) -> EvidenceItem:
    """One item with its full stored text, if your audience may read it (otherwise 404)."""
    seen = _audience(principal, audience)
    with served_workspace(request).connect() as con:
        found = library.item(con, evidence_id, actor=principal.actor, audience=seen)
    return EvidenceItem.model_validate({k: v for k, v in found.items() if k in EvidenceItem.model_fields})


@router.get("/trafficking/{agreement}", response_model=CountTable)
def trafficking(request: Request, principal: SignedIn,
                agreement: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")],
                by: Annotated[str, Query(pattern=r"^[a-z_]{1,20}(,[a-z_]{1,20}){0,7}$",
                                         description="Dimensions, comma-separated.")] = "area,kind",
                level: Annotated[str, Query(pattern=r"^adm[0-9]$", description="adm1 or adm0.")] = "adm1",
                period: Annotated[Literal["year", "quarter"], Query()] = "year",
                min_count: Annotated[int, Query(ge=0, le=1_000_000, description="At least 20.")] = MIN_COUNT,
                min_confidence: Annotated[Literal["low", "medium", "high"], Query()] = "low",
                purpose: Annotated[str, Query(pattern=r"^[a-z_]{2,40}$")] = PURPOSE) -> CountTable:
    """Counts of trafficking and smuggling reports under an agreement naming counter_trafficking."""
    assert principal.actor is not None
    with served_workspace(request).connect() as con:
        t = trafficking_table(con, principal.actor, agreement=agreement, dimensions=by.split(","), level=level,
                              period=period, min_count=min_count, min_confidence=min_confidence, purpose=purpose)
    return CountTable(**_table(t))
