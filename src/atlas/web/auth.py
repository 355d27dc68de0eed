"""Who is calling: the principal behind an API key or a session cookie, and the checks routes depend on.

Interface (shared by the REST API and the portal):

* `current_principal(request) -> Principal` — FastAPI dependency. Reads `Authorization: Bearer <api key>`
  or the `atlas_session` cookie; no credentials give the anonymous public principal; bad, expired or
  revoked credentials raise `Unauthenticated` (401). Keys are verified by `atlas.privacy.users`
  (argon2id, expiry and revocation read from the store on every request).
* `require_user` — dependency: any signed-in principal, else 401.
* `require(permission)` — dependency factory: signed in *and* holding the permission (checked by
  `atlas.privacy.access.authorize`, refusals audited), else 401/403. Returns the `Principal`.
* Shorthands for route signatures: `Caller` (= current_principal), `SignedIn` (= require_user) and
  `Annotated[Principal, allowed("perm")]`.
* `open_session(request, name, password) -> NewApiKey` and `close_session(request, principal)` — the
  login/logout services; set the cookie with `set_session_cookie(response, key)`.
* `csrf_token(principal)` / `check_csrf(principal, submitted)` — cookie-authenticated unsafe requests
  must echo the token (API: header `X-CSRF-Token`; portal: form field `csrf_token`).
* `served_workspace(request) -> ServedWorkspace` — the process's workspace; use `with ws.connect() as con`
  inside the route body (never hold a connection across dependencies: they may run in other threads).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Response

from atlas.errors import PolicyRefused
from atlas.privacy.access import Actor, authorize
from atlas.privacy.users import KEY_PREFIX, NewApiKey, authenticate_api_key, create_session, revoke_api_key
from atlas.web.state import ServedWorkspace

SESSION_COOKIE = "atlas_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANONYMOUS = "anonymous"


class Unauthenticated(PolicyRefused):
    """No valid credentials where a signed-in user is needed (HTTP 401 with a Bearer challenge)."""

    code = "unauthenticated"
    http_status = 401
    title = "Authentication required"


@dataclass(frozen=True)
class Principal:
    """The caller of one request: a user (by API key or session) or the anonymous public."""

    actor: Actor | None
    method: str = "anonymous"  # api-key | session | anonymous
    key_id: str | None = None
    token: str | None = field(default=None, repr=False)

    @property
    def anonymous(self) -> bool:
        return self.actor is None

    @property
    def name(self) -> str:
        return self.actor.name if self.actor else ANONYMOUS

    @property
    def organisation(self) -> str | None:
        return self.actor.organisation if self.actor else None

    @property
    def roles(self) -> frozenset[str]:
        return self.actor.roles if self.actor else frozenset({"public"})

    def can(self, permission: str) -> bool:
        return self.actor is not None and permission in self.actor.permissions

    @property
    def is_steward(self) -> bool:
        return "steward" in self.roles


PUBLIC = Principal(None)


def served_workspace(request: Request) -> ServedWorkspace:
    """The workspace opened by `create_app` for this process."""
    return request.app.state.workspace  # type: ignore[no-any-return]


def _token(request: Request) -> tuple[str | None, str]:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("Use `Authorization: Bearer <api key>`.", clause="access:authentication")
        return value.strip(), "api-key"
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, "session") if cookie else (None, ANONYMOUS)


def current_principal(request: Request) -> Principal:
    """The caller: from the bearer key, else the session cookie, else the anonymous public."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    token, method = _token(request)
    principal = PUBLIC
    if token is not None:
        ws = served_workspace(request)
        verified = request.app.state.verified_keys
        try:
            with ws.connect() as con:
                actor = authenticate_api_key(con, token, verified=verified)
        except PolicyRefused:
            raise Unauthenticated("Invalid, expired or revoked credentials.", clause="access:authentication") from None
        principal = Principal(actor, method, token.split("_", 2)[1], token)
    if principal.method == "session" and request.method not in SAFE_METHODS \
            and request.url.path.startswith("/api/"):
        check_csrf(principal, request.headers.get(CSRF_HEADER))
    request.state.principal = principal
    return principal


def require_user(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """Any signed-in user; the anonymous public gets 401."""
    if principal.anonymous:
        raise Unauthenticated("Sign in or send an API key.", clause="access:authentication")
    return principal


def require(permission: str) -> Callable[..., Principal]:
    """Dependency: a signed-in user holding `permission` (refusals are written to the audit trail)."""

    def dependency(request: Request, principal: Annotated[Principal, Depends(require_user)]) -> Principal:
        assert principal.actor is not None
        if permission not in principal.actor.permissions:
            with served_workspace(request).connect() as con:
                authorize(principal.actor, permission, {"name": request.url.path}, con=con)
        return principal

    dependency.__name__ = f"require_{permission}"
    return dependency


Caller = Annotated[Principal, Depends(current_principal)]
SignedIn = Annotated[Principal, Depends(require_user)]


def allowed(permission: str) -> object:
    """`Annotated[Principal, allowed("ingest")]`: the route's caller, holding the permission."""
    return Depends(require(permission))


def csrf_token(principal: Principal) -> str:
    """A token derived from the secret session cookie: a cross-site page cannot read or compute it."""
    secret = (principal.token or "").encode()
    return hmac.new(secret, b"atlas-csrf", hashlib.sha256).hexdigest()[:32]


def check_csrf(principal: Principal, submitted: str | None) -> None:
    """Refuse a cookie-authenticated unsafe request that does not echo the session's CSRF token."""
    if principal.method != "session":
        return
    if not submitted or not hmac.compare_digest(submitted, csrf_token(principal)):
        raise PolicyRefused("Missing or wrong CSRF token for a session request.", clause="access:csrf")


def open_session(request: Request, name: str, password: str) -> NewApiKey:
    """Password login; the returned key's token goes into the session cookie."""
    hours = int(getattr(request.app.state.settings, "session_hours", 8))
    with served_workspace(request).connect() as con:
        return create_session(con, name, password, hours=hours)


def close_session(request: Request, principal: Principal) -> None:
    """Revoke the session behind the cookie (logout takes effect at once on every worker)."""
    if principal.actor is None or principal.key_id is None:
        return
    with served_workspace(request).connect() as con:
        revoke_api_key(con, principal.actor, principal.key_id)
    request.app.state.verified_keys.pop(principal.key_id, None)


def set_session_cookie(response: Response, key: NewApiKey, *, secure: bool = False) -> None:
    """HttpOnly, SameSite=Lax cookie holding the session token until it expires."""
    response.set_cookie(SESSION_COOKIE, key.token, expires=key.expires_at, httponly=True, samesite="lax",
                        secure=secure, path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def credential_id(request: Request) -> str:
    """A rate-limit identity without touching the store: the key id presented, else the client address."""
    try:
        token, _ = _token(request)
    except PolicyRefused:
        token = None
    if token and token.startswith(KEY_PREFIX + "_"):
        return "key:" + token.split("_", 2)[1]
    return "ip:" + (request.client.host if request.client else "unknown")
