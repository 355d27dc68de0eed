"""Tables protected on the fly, within the caller's agreements, in the formats those agreements allow."""

from __future__ import annotations

import hashlib
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path as FsPath
from threading import Lock
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from atlas.errors import PolicyRefused
from atlas.outputs.registry import get_renderer, render
from atlas.sharing.serving import (
    agreement_for,
    may_ask_tables,
    recipient_of,
    serving_key,
    table_for,
    visible_agreements,
)
from atlas.web.auth import Caller, served_workspace
from atlas.web.etags import not_modified, quoted
from atlas.web.models import TableSummary
from atlas.web.pagination import PageQuery, paginate

router = APIRouter(tags=["tables"])
Name = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")]
Table = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")]


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str


class RenderCache:
    """Rendered public tables, keyed by everything that could change them (LRU, per process)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, Rendered] = OrderedDict()
        self._lock = Lock()

    def get(self, key: str) -> Rendered | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: str, value: Rendered) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@router.get("/tables", response_model=list[TableSummary])
def tables(request: Request,
           response: Response,
           page: PageQuery,
           principal: Caller) -> list[TableSummary]:
    """Tables you may ask for now: those of public agreements and of agreements naming your organisation."""
    now = datetime.now(UTC)
    with served_workspace(request).connect() as con:
        found = [a for a in visible_agreements(con, principal.actor)
                 if a.status == "active" and may_ask_tables(a, principal.actor)]
    items = [TableSummary(agreement=a.name, table=t.name, title=t.title, dimensions=[d.field for d in t.dimensions],
                          formats=a.formats, public=a.is_public, href=f"/api/v1/tables/{a.name}/{t.name}")
             for a in found for t in a.tables_for(now)]
    return paginate(items, page, request, response)


@router.get("/tables/{agreement}/{table}", response_class=Response,
            responses={200: {"content": {"application/json": {}, "text/csv": {}}, "description": "The table"},
                       304: {"description": "Not modified"}})
def table(agreement: Name,
          table: Table,
          request: Request,
          principal: Caller,
          format: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,20}$",
                                              description="One of the agreement's formats (default json).")] = None,
          purpose: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$",
                                               description="Purpose (default the agreement's first).")] = None) -> Response:
    """One table of an agreement, protected now with the agreement's rules and what you already hold."""
    ws = served_workspace(request)
    cache: RenderCache = request.app.state.table_cache
    with ws.connect() as con:
        a = agreement_for(con, principal.actor, agreement)
        fmt = format or ("json" if "json" in a.formats else a.formats[0])
        if fmt not in a.formats:
            raise PolicyRefused(f"Format {fmt!r} is not in the agreement (formats: {', '.join(a.formats)}).",
                                clause="formats")
        key = "|".join([serving_key(con, a), table, fmt, purpose or "", *recipient_of(a, principal.actor)])
        hit = cache.get(key) if a.is_public else None
        if hit is None:
            protected = table_for(con, principal.actor, a, table, purpose=purpose)
            hit = _render(protected, fmt, ws.temp_dir)
            if a.is_public:
                cache.put(key, hit)
    headers = {"ETag": hit.etag, "Cache-Control": "public, max-age=300" if a.is_public else "private, no-cache"}
    if not_modified(request, hit.etag):
        return Response(status_code=304, headers=headers)
    return Response(hit.body, media_type=hit.media_type, headers=headers)


def _render(protected, fmt: str, temp: FsPath) -> Rendered:
    renderer = get_renderer(fmt)
    temp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=temp) as out:
        path = render(protected, fmt, FsPath(out))
        body = path.read_bytes()
    return Rendered(body, renderer.media_type, quoted(hashlib.sha256(body).hexdigest()))
