"""The audit trail, for auditors and stewards only: entries page by page, and the chain's verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from atlas.privacy.audit import entries, verify_chain
from atlas.web.auth import Principal, allowed, served_workspace
from atlas.web.models import AuditCheck, AuditEntry
from atlas.web.pagination import PageQuery, link_headers

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=list[AuditEntry])
def audit(request: Request,
          response: Response,
          page: PageQuery,
          principal: Annotated[Principal, allowed("read_audit")],
          action: Annotated[str | None, Query(max_length=64, description="An action or its prefix (`request`).")] = None,
          actor: Annotated[str | None, Query(max_length=64, description="Only this actor.")] = None) -> list[AuditEntry]:
    """Entries of the hash-chained trail, oldest first."""
    with served_workspace(request).connect() as con:
        total, rows = entries(con, limit=page.limit, offset=page.offset, action=action, actor=actor)
    link_headers(page, total, request, response)
    return [AuditEntry(**r) for r in rows]


@router.get("/audit/verify", response_model=AuditCheck)
def verify(request: Request,
           principal: Annotated[Principal, allowed("read_audit")]) -> AuditCheck:
    """Recompute the chain and check the signed heads; names the first bad entry."""
    ws = served_workspace(request)
    with ws.connect() as con:
        v = verify_chain(con, ws.keys)
    return AuditCheck(ok=v.ok, entries=v.entries, signed_heads=v.signed_heads, first_bad_seq=v.first_bad_seq,
                      problem=v.problem)
