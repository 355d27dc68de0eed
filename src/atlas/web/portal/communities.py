"""Portal page of a community profile: the same service and text as `atlas profile`, for signed-in analysts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from atlas.web.auth import served_workspace
from atlas.web.portal.guard import Visitor, html_errors, need
from atlas.web.portal.render import page, translator

router = APIRouter(prefix="/communities", include_in_schema=False)


@router.get("/profile")
@html_errors
def profile(request: Request, who: Visitor,
            area: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{2,20}$")] = None,
            nationality: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None) -> Response:
    """A form, and once an area is given, its profile: narrative, pyramid, sections, what was suppressed."""
    actor = need(request, who, "define_tables")
    body = figure = ""
    title = "Community profile"
    if area:
        from atlas.communities.profile import build_profile
        from atlas.communities.render import md_to_fragment, profile_md, profile_narrative, pyramid_figure
        from atlas.tables.spec import ProtectionSpec

        ws = served_workspace(request)
        result = build_profile(ws, area, nationality=nationality or None, actor=actor,
                               protection=ProtectionSpec(method="cell_key", min_count=ws.settings.min_count))
        lang = translator(request).lang
        body = md_to_fragment(profile_md(result, profile_narrative(result, lang)))
        figure = pyramid_figure(result, lang)
        title = f"Community profile: {result.profile.area.label}"
    return page(request, "community_profile.html", who, title=title, area=area, nationality=nationality,
                body=body, figure=figure)
