"""Sessions (password login, cookie) and API keys: argon2-hashed, expiring, revocable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from atlas.privacy.users import create_api_key, list_api_keys, revoke_api_key
from atlas.web.auth import (
    Principal,
    SignedIn,
    clear_session_cookie,
    close_session,
    csrf_token,
    open_session,
    served_workspace,
    set_session_cookie,
)
from atlas.web.models import KeyIn, KeyOut, Login, NewKeyOut, SessionOut
from atlas.web.pagination import PageQuery, paginate

router = APIRouter(tags=["authentication"])
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$", description="The key id (the part after `atl_`).")]


@router.post("/sessions", response_model=SessionOut, status_code=201)
def login(body: Login, request: Request, response: Response) -> SessionOut:
    """Sign in with a password; the session cookie `atlas_session` is HttpOnly and expires."""
    key = open_session(request, body.username, body.password)
    set_session_cookie(response, key, secure=bool(getattr(request.app.state.settings, "secure_cookies", False)))
    principal = Principal(None, "session", key.key_id, key.token)
    return SessionOut(user=body.username, expires_at=key.expires_at, csrf_token=csrf_token(principal))


@router.delete("/sessions/current", status_code=204)
def logout(request: Request,
           response: Response,
           principal: SignedIn) -> Response:
    """Sign out: the session (or the API key used) is revoked at once."""
    close_session(request, principal)
    out = Response(status_code=204)
    clear_session_cookie(out)
    return out


@router.get("/keys", response_model=list[KeyOut])
def keys(request: Request,
         response: Response,
         page: PageQuery,
         principal: SignedIn) -> list[KeyOut]:
    """Your API keys and sessions (ids, dates; never secrets)."""
    assert principal.actor is not None
    with served_workspace(request).connect() as con:
        rows = list_api_keys(con, principal.actor)
    return [KeyOut(**r) for r in paginate(rows, page, request, response)]


@router.post("/keys", response_model=NewKeyOut, status_code=201)
def new_key(body: KeyIn,
            request: Request,
            principal: SignedIn) -> NewKeyOut:
    """Create an API key for yourself (or, with manage_users, for another user); the token is shown once."""
    assert principal.actor is not None
    with served_workspace(request).connect() as con:
        key = create_api_key(con, principal.actor, body.user or principal.name, days=body.days, label=body.label)
    return NewKeyOut(key_id=key.key_id, token=key.token, expires_at=key.expires_at)


@router.delete("/keys/{key_id}", status_code=204)
def drop_key(key_id: KeyId,
             request: Request,
             principal: SignedIn) -> Response:
    """Revoke an API key (yours, or any with manage_users); refused at once on every later request."""
    assert principal.actor is not None
    with served_workspace(request).connect() as con:
        revoke_api_key(con, principal.actor, key_id)
    request.app.state.verified_keys.pop(key_id, None)
    return Response(status_code=204)
