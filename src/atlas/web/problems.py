"""One error funnel for the API: every failure becomes RFC 9457 problem details, never a traceback.

`AtlasError` subclasses keep their stable `code`, HTTP status, message and located issues (the clause
that refused, for policy refusals). Request validation errors list the offending parameters. Anything
unexpected is logged server-side with an id that the client gets instead of the internals.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from atlas.errors import AtlasError, KeyProblem, WorkspaceProblem

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://atlas.example.org/problems/"
log = logging.getLogger("atlas.web")


def problem(status: int, code: str, title: str, detail: str, *, instance: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response; `type` is a stable URI per error code."""
    body = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail, "code": code}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _issues(exc: AtlasError) -> list[dict[str, Any]]:
    """Issues without the offending values (they may be microdata)."""
    return [{k: v for k, v in asdict(i).items() if v is not None and k != "value"} for i in exc.issues[:50]]


async def atlas_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AtlasError)
    if isinstance(exc, KeyProblem | WorkspaceProblem):
        return await unexpected(request, exc)
    status, code, title = exc.http_status, exc.code, exc.title
    if getattr(exc, "clause", None) == "access:authentication":  # wrong password, sign-in needed: the same 401
        status, code, title = 401, "unauthenticated", "Authentication required"
    headers = {"WWW-Authenticate": 'Bearer realm="atlas"'} if status == 401 else None
    return problem(status, code, title, exc.message, instance=request.url.path, headers=headers,
                   clause=getattr(exc, "clause", None), issues=_issues(exc) or None)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = [{"code": "invalid-" + str(e.get("type", "value")).replace("_", "-"), "message": str(e.get("msg")),
               "column": ".".join(str(x) for x in e.get("loc", ()))} for e in exc.errors()[:50]]
    return problem(422, "invalid-request", "Invalid request", "The request does not match the API schema.",
                   instance=request.url.path, issues=issues)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not-found", 405: "method-not-allowed", 406: "not-acceptable", 413: "too-large"}
    code = codes.get(exc.status_code, f"http-{exc.status_code}")
    detail = exc.detail if isinstance(exc.detail, str) else code
    return problem(exc.status_code, code, code.replace("-", " ").capitalize(), detail, instance=request.url.path,
                   headers=getattr(exc, "headers", None))


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Log the full error with an id; the client learns only the id."""
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
    return problem(500, "internal-error", "Internal error",
                   f"The server could not complete the request; quote error id {error_id} to the operator.",
                   instance=request.url.path, error_id=error_id)


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(AtlasError, atlas_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, text in ((401, "Not signed in, or bad credentials"), (403, "Refused by role or agreement"),
                         (404, "Not found"), (422, "Invalid request"), (429, "Rate limit exceeded"))
}
