"""Release packages: list, describe, download files (ETag, If-None-Match, immutable caching)."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse

from atlas.errors import NotFound
from atlas.sharing.serving import release_file_digest, release_files, release_for, visible_releases
from atlas.web.auth import Caller, served_workspace
from atlas.web.etags import not_modified, quoted
from atlas.web.models import FileOut, ReleaseDetail, ReleaseOut
from atlas.web.pagination import PageQuery, paginate

router = APIRouter(tags=["releases"])
Agreement = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$", description="Agreement name.")]
Version = Annotated[int, Path(ge=1, le=1_000_000, description="Release number.")]
Recipient = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.@-]{1,64}$",
                                        description="Recipient package (stewards; default: your own).")]
MEDIA = {".csv": "text/csv; charset=utf-8", ".json": "application/json", ".sig": "text/plain; charset=ascii",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".geojson": "application/geo+json"}


def _href(agreement: str, version: int, recipient: str, many: bool) -> str:
    base = f"/api/v1/releases/{agreement}/{version}"
    return base + (f"?recipient={recipient}" if many else "")


def _out(row: dict) -> ReleaseOut:
    many = row["release_id"].count("/") > 1
    return ReleaseOut(**{k: v for k, v in row.items() if k != "path"},
                      href=_href(row["agreement"], row["version"], row["recipient"], many))


@router.get("/releases", response_model=list[ReleaseOut])
def releases(request: Request,
             response: Response,
             page: PageQuery,
             principal: Caller,
             agreement: Annotated[str | None, Query(max_length=100, description="Only this agreement.")] = None) -> list[ReleaseOut]:
    """Packages you may download now: public releases, and your organisation's under agreements in force."""
    with served_workspace(request).connect() as con:
        rows = visible_releases(con, principal.actor, agreement=agreement)
    return [_out(r) for r in paginate(rows, page, request, response)]


@router.get("/releases/{agreement}/{version}", response_model=ReleaseDetail)
def release(agreement: Agreement,
            version: Version,
            request: Request,
            principal: Caller,
            recipient: Recipient = None) -> ReleaseDetail:
    """One package with its files (SHA-256 and size from the signed manifest)."""
    with served_workspace(request).connect() as con:
        row = release_for(con, principal.actor, agreement, version, recipient=recipient)
    base = f"/api/v1/releases/{agreement}/{version}/files/"
    suffix = f"?recipient={row['recipient']}" if row["release_id"].count("/") > 1 else ""
    files = [FileOut(name=n, sha256=f["sha256"], bytes=f["bytes"], href=base + n + suffix)
             for n, f in sorted(release_files(row).items())]
    return ReleaseDetail(**_out(row).model_dump(), files=files)


@router.get("/releases/{agreement}/{version}/files/{name}", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"},
                       304: {"description": "Not modified (If-None-Match matched the ETag)"}})
def release_file(agreement: Agreement,
                 version: Version,
                 name: Annotated[str, Path(max_length=200, description="File name from the manifest.")],
                 request: Request,
                 principal: Caller,
                 recipient: Recipient = None) -> Response:
    """Download one file; its ETag is its SHA-256 in the signed manifest (answers 304 when unchanged)."""
    with served_workspace(request).connect() as con:
        row = release_for(con, principal.actor, agreement, version, recipient=recipient)
    digest = release_file_digest(row, name)
    if digest is None:
        raise NotFound(f"Release {agreement}/{version} has no file {name!r}.")
    etag = quoted(digest)
    public = row["recipient"] == "public"
    headers = {"ETag": etag, "Cache-Control": ("public" if public else "private") + ", max-age=86400, immutable"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    path = FsPath(row["path"]) / name
    return FileResponse(path, media_type=MEDIA.get(path.suffix, "application/octet-stream"), headers=headers,
                        filename=name)
