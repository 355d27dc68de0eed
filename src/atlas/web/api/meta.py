"""Health and identity: what a client checks before anything else."""

from __future__ import annotations

from fastapi import APIRouter, Request

from atlas import __version__
from atlas.web.auth import Caller, csrf_token, served_workspace
from atlas.web.models import Health, Me

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """The server is up and its store opens (no authentication)."""
    ws = served_workspace(request)
    with ws.connect() as con:
        con.execute("SELECT 1").fetchone()
    return Health(status="ok", store="postgresql" if ws.settings.database_url else "embedded", version=__version__)


@router.get("/me", response_model=Me)
def me(principal: Caller) -> Me:
    """Who the server thinks you are, with your roles and permissions (anonymous: the public)."""
    actor = principal.actor
    return Me(name=principal.name, organisation=principal.organisation, roles=sorted(principal.roles),
              permissions=sorted(actor.permissions) if actor else [], authenticated_by=principal.method,
              csrf_token=csrf_token(principal) if principal.method == "session" else None)
