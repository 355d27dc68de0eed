"""Strong ETags and conditional GETs (If-None-Match -> 304) for immutable or cached bodies."""

from __future__ import annotations

from fastapi import Request


def quoted(digest: str) -> str:
    return f'"{digest}"'


def not_modified(request: Request, etag: str) -> bool:
    """True when the client's If-None-Match already names this representation (or `*`)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags
