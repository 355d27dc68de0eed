"""Portal page of network coverage: how many networks serve each nationality in an area, for anyone.

The same protected counts as `atlas networks coverage` and `GET /api/v1/networks/coverage`; the directory
itself (names, contacts) never reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from atlas.communities.networks import network_coverage
from atlas.protection.cube import TOTAL
from atlas.web.auth import served_workspace
from atlas.web.portal.guard import Visitor, html_errors
from atlas.web.portal.render import page

router = APIRouter(prefix="/directory", include_in_schema=False)


@dataclass(frozen=True)
class Row:
    area: str
    label: str
    nationality: str
    value: int | None
    flag: str


@router.get("/networks")
@html_errors
def networks(request: Request, who: Visitor,
             level: Annotated[Literal["adm1", "adm2"], Query()] = "adm1",
             area: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{2,20}$")] = None) -> Response:
    """Coverage by area and nationality (optionally one area and the areas within it); small counts hidden."""
    with served_workspace(request).connect() as con:
        cov = network_coverage(con, level=level, actor=who.actor)
    labels = cov.table.dimension("area").labels
    cells = cov.table.cells
    keep = (cells["area"] != TOTAL) & (cells["nationality"] != TOTAL)
    if area:
        keep &= cells["area"].astype(str).str.startswith(area.upper())
    shown = cells[keep & (cells["value"].isna() | (cells["value"] != 0))]
    rows = [Row(str(r.area), labels.get(r.area, str(r.area)), str(r.nationality),
                None if pd.isna(r.value) else int(r.value), "" if pd.isna(r.flag) else str(r.flag))
            for r in shown.itertuples()]
    return page(request, "directory_networks.html", who, title="Networks by area and nationality", rows=rows,
                level=level, area=area, statements=[s for s in cov.statements if not area or f"({area.upper()}" in s],
                min_count=cov.table.policy.min_count)
