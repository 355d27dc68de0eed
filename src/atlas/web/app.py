"""The web application: the REST API under /api/v1 (OpenAPI at /openapi.json) and, when present, the portal."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atlas import __version__
from atlas.settings import Settings
from atlas.web import problems
from atlas.web.api import (
    agreements,
    audit,
    communities,
    directory,
    ingest,
    meta,
    releases,
    requests,
    sessions,
    tables,
)
from atlas.web.api.tables import RenderCache
from atlas.web.config import server_settings
from atlas.web.models import Problem
from atlas.web.ratelimit import RateLimitMiddleware, TokenBuckets
from atlas.web.state import open_served

API_PREFIX = "/api/v1"
PORTAL_ROUTER = "atlas.web.portal.routes"
access_log = logging.getLogger("atlas.web.access")

DESCRIPTION = """Protected statistics on migrants, shared under machine-enforced agreements.

Authenticate with `Authorization: Bearer atl_<id>_<secret>` (an API key) or the `atlas_session` cookie from
`POST /api/v1/sessions`. Without credentials you are the public: you see public releases and tables only.
Errors are RFC 9457 problem details (`application/problem+json`); refusals name the clause that refused.
"""


class AccessLog:
    """Every response logged: method, path, status, caller, duration (never bodies or query values)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            principal = getattr(scope.get("state", {}).get("principal"), "name", "anonymous")
            access_log.info("%s %s %s %s %.1fms", scope["method"], scope["path"], status, principal,
                            (time.perf_counter() - start) * 1000)


class ApiHeaders:
    """API answers are never sniffed, and answers to signed-in callers never land in shared caches."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        names = {k.lower() for k, _ in scope["headers"]}
        private = b"authorization" in names or b"cookie" in names

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message.setdefault("headers", []))
                headers["X-Content-Type-Options"] = "nosniff"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store" if private else "no-cache"
            await send(message)

        await self.app(scope, receive, sending)


def api_router() -> APIRouter:
    """Every API router, with the problem responses documented on each operation."""
    router = APIRouter(prefix=API_PREFIX, responses={
        s: {"model": Problem, "description": d} for s, d in ((401, "Not signed in or bad credentials"),
                                                              (403, "Refused by role or agreement"),
                                                              (404, "Not found"), (422, "Invalid request"),
                                                              (429, "Rate limit exceeded"))})
    for module in (meta, sessions, agreements, tables, releases, requests, ingest, audit, directory, communities):
        router.include_router(module.router)
    return router


def _portal(app: FastAPI) -> None:
    """Include the server-rendered portal when its module is installed."""
    try:
        module = importlib.import_module(PORTAL_ROUTER)
    except ModuleNotFoundError as exc:
        if exc.name and PORTAL_ROUTER.startswith(exc.name):
            return
        raise
    app.include_router(module.router)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app for one workspace; the store opens at start-up and closes at shutdown."""
    config = server_settings(settings)
    served = open_served(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        served.start()
        try:
            yield
        finally:
            served.stop()

    app = FastAPI(title="Atlas API", version=__version__, description=DESCRIPTION, openapi_url="/openapi.json",
                  docs_url="/api/docs", redoc_url=None, lifespan=lifespan)
    app.state.settings = config
    app.state.workspace = served
    app.state.verified_keys = {}
    app.state.table_cache = RenderCache(config.table_cache)
    problems.install(app)
    app.include_router(api_router())
    _portal(app)
    app.add_middleware(RateLimitMiddleware, buckets=TokenBuckets(config.rate_limit, config.rate_burst))
    app.add_middleware(ApiHeaders)
    app.add_middleware(AccessLog)
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn (`atlas.web.app:app_from_environment --factory`): settings from ATLAS_* variables."""
    return create_app()
