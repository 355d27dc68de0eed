"""Community profiles, the origin-State (diaspora) view and trends: the CLI's services behind `/api/v1`.

Each route computes protected tables for a signed-in caller allowed to define tables; the bodies are the
same Pydantic models the CLI writes with `--format json`. The caller does not choose the disclosure method:
the same population served under two methods would let the perturbed figure estimate a suppressed one, so
every route uses cell-key perturbation with the workspace's minimum count.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request

from atlas.communities.diaspora import DiasporaView, diaspora_view
from atlas.communities.profile import Profile, build_profile
from atlas.communities.trends import Trend, arrivals_trend, partner_trend, register_trend
from atlas.tables.spec import ProtectionSpec
from atlas.web.auth import Principal, allowed, served_workspace

router = APIRouter(tags=["communities"])
Area = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{2,20}$", description="Admin code (P-code) or country ISO3.")]
Iso3 = Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3.")]


def _protection(request: Request) -> ProtectionSpec:
    return ProtectionSpec(method="cell_key", min_count=served_workspace(request).settings.min_count)


@router.get("/profiles/{area}", response_model=Profile)
def profile(request: Request, area: Area, principal: Annotated[Principal, allowed("define_tables")],
            nationality: Iso3 = None,
            purpose: Annotated[str, Query(pattern=r"^[a-z_]{2,40}$")] = "statistics") -> Profile:
    """Community profile of an area (and optionally one nationality), with what was suppressed."""
    return build_profile(served_workspace(request), area, nationality=nationality,
                         protection=_protection(request), purpose=purpose, actor=principal.actor).profile


@router.post("/profiles", response_model=Profile)
def profile_of_polygon(request: Request, principal: Annotated[Principal, allowed("define_tables")],
                       polygon: Annotated[dict[str, Any], Body(description="GeoJSON Polygon, MultiPolygon, Feature "
                                                                            "or FeatureCollection (WGS84).")],
                       nationality: Iso3 = None,
                       purpose: Annotated[str, Query(pattern=r"^[a-z_]{2,40}$")] = "statistics") -> Profile:
    """Community profile of a drawn area: the admin areas with at least half of their land inside it."""
    return build_profile(served_workspace(request), polygon=polygon, nationality=nationality,
                         protection=_protection(request), purpose=purpose, actor=principal.actor).profile


@router.get("/diaspora", response_model=DiasporaView)
def diaspora(request: Request, principal: Annotated[Principal, allowed("define_tables")], origin: Iso3 = None,
             skill: Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")] = None,
             purpose: Annotated[str, Query(pattern=r"^[a-z_]{2,40}$")] = "preparedness") -> DiasporaView:
    """Citizens abroad by host country and area, characteristics and skills (optionally a skill preset)."""
    return diaspora_view(served_workspace(request), origin, skill=skill, protection=_protection(request),
                         purpose=purpose, actor=principal.actor)


@router.get("/trends/{measure}", response_model=Trend)
def trend(request: Request, measure: Literal["stock", "flows", "register", "arrivals"],
          principal: Annotated[Principal, allowed("define_tables")],
          level: Annotated[Literal["adm1", "adm2"], Query()] = "adm1",
          granularity: Annotated[Literal["year", "quarter", "month"], Query()] = "month",
          area: Annotated[list[str] | None, Query(max_length=200)] = None, nationality: Iso3 = None) -> Trend:
    """Protected time series with its breaks and the source batches (vintages) behind each period."""
    ws = served_workspace(request)
    if measure == "arrivals":
        return arrivals_trend(ws, level=level, actor=principal.actor).trend
    if measure == "register":
        return register_trend(ws, level=level, granularity=granularity, nationality=nationality,
                              areas=tuple(area or ()), actor=principal.actor).trend
    return partner_trend(ws, measure, level=level, granularity=granularity, nationality=nationality,
                         areas=tuple(area or ()), actor=principal.actor).trend
