"""limit/offset pagination with RFC 8288 Link headers and the total in X-Total-Count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request, Response

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_params(limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
                offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0) -> Page:
    return Page(limit, offset)


def paginate(items: Sequence[T], page: Page, request: Request, response: Response) -> list[T]:
    """The page's slice; sets Link (first, prev, next, last) and X-Total-Count on the response."""
    link_headers(page, len(items), request, response)
    return list(items[page.offset:page.offset + page.limit])


def link_headers(page: Page, total: int, request: Request, response: Response) -> None:
    """Link (first, prev, next, last) and X-Total-Count for a page of `total` items."""
    links = []

    def url(offset: int) -> str:
        return str(request.url.include_query_params(limit=page.limit, offset=offset))

    links.append(f'<{url(0)}>; rel="first"')
    if page.offset > 0:
        links.append(f'<{url(max(page.offset - page.limit, 0))}>; rel="prev"')
    if page.offset + page.limit < total:
        links.append(f'<{url(page.offset + page.limit)}>; rel="next"')
    last = max((total - 1) // page.limit * page.limit, 0)
    links.append(f'<{url(last)}>; rel="last"')
    response.headers["Link"] = ", ".join(links)
    response.headers["X-Total-Count"] = str(total)


PageQuery = Annotated[Page, Depends(page_params)]
