"""Who is looking at a portal page, what they may do, and errors shown as pages instead of JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from atlas.errors import AtlasError, NotFound, PolicyRefused, RejectedInput
from atlas.web.auth import PUBLIC, Principal, Unauthenticated, check_csrf, current_principal, served_workspace
from atlas.web.portal.render import page, translator


def visitor(request: Request) -> Principal:
    """The caller; a stale or revoked session cookie makes a page anonymous instead of failing it."""
    try:
        return current_principal(request)
    except Unauthenticated:
        request.state.principal = PUBLIC
        return PUBLIC


Visitor = Annotated[Principal, Depends(visitor)]
FormText = Annotated[str, Form()]


def need(request: Request, who: Principal, permission: str) -> Any:
    """Refuse (audited) unless the caller holds `permission`; returns the acting user."""
    if who.actor is None:
        raise Unauthenticated("Sign in to see this page.", clause="access:authentication")
    if not who.can(permission):
        from atlas.privacy.access import authorize

        with served_workspace(request).connect() as con:
            authorize(who.actor, permission, {"name": request.url.path}, con=con)
    return who.actor


def posted(who: Principal, token: str | None) -> None:
    """Every portal form echoes the session's CSRF token."""
    if who.method == "session":
        check_csrf(who, token)
    elif who.actor is None:
        raise Unauthenticated("Sign in first.", clause="access:authentication")


STATUS = ((Unauthenticated, 401), (NotFound, 404), (PolicyRefused, 403), (RejectedInput, 422))


def error_page(request: Request, exc: AtlasError) -> Response:
    """A page saying what was refused and why (the clause), never internals."""
    who = getattr(request.state, "principal", None) or PUBLIC
    signing_in = isinstance(exc, Unauthenticated) or getattr(exc, "clause", None) == "access:authentication"
    if signing_in and request.method == "GET" and who.anonymous:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    status = next((s for kind, s in STATUS if isinstance(exc, kind)), 500)
    t = translator(request)
    message = exc.message if status != 500 else t("error_internal")
    return page(request, "error.html", who, status=status, title=t(f"error_{status}"), message=message,
                clause=getattr(exc, "clause", None), issues=exc.issues[:20] if status == 422 else [])


def html_errors(fn: Callable[..., Response]) -> Callable[..., Response]:
    """Route decorator: Atlas errors become HTML error pages with the right status."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return fn(*args, **kwargs)
        except AtlasError as exc:
            return error_page(kwargs["request"], exc)

    return wrapper
