"""Maps, graphs, narratives and one-table briefing packs as registered formats, on a given store connection.

Releases render on their own connection (the registered renderers open the active workspace instead), and a
format that does not apply to a table (a map of a table without areas, a pyramid without age) is skipped for
that table, so one agreement can ask for maps and still release its tables without areas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pandas as pd

from atlas.errors import AtlasError, Issue, RejectedInput
from atlas.protection.cube import TOTAL
from atlas.protection.protected import ProtectedTable

Geoms = Callable[[ProtectedTable, int | None], gpd.GeoDataFrame]


@dataclass(frozen=True)
class Visual:
    """One visual format: the file suffix and what a table needs for it."""

    suffix: str
    needs: Callable[[ProtectedTable], bool]


def _has_area(t: ProtectedTable) -> bool:
    from atlas.outputs.maps import area_dimension_name

    try:
        area_dimension_name(t)
    except RejectedInput:
        return False
    return True


def _has_route(t: ProtectedTable) -> bool:
    from atlas.outputs.flows import route_legs

    try:
        route_legs(t)
    except RejectedInput:
        return False
    return True


def _has_time(t: ProtectedTable) -> bool:
    from atlas.outputs.timeseries import TIME_NAMES

    return any(n in t.dim_names for n in TIME_NAMES)


FORMATS: dict[str, Visual] = {
    "map-svg": Visual(".map.svg", _has_area), "map-png": Visual(".map.png", _has_area),
    "map-html": Visual(".map.html", _has_area),
    "flowmap-svg": Visual(".flowmap.svg", _has_route), "flowmap-png": Visual(".flowmap.png", _has_route),
    "sankey-svg": Visual(".sankey.svg", _has_route), "sankey-png": Visual(".sankey.png", _has_route),
    "timeseries-svg": Visual(".timeseries.svg", _has_time), "timeseries-png": Visual(".timeseries.png", _has_time),
    "pyramid-svg": Visual(".pyramid.svg", lambda t: {"age", "sex"} <= set(t.dim_names)),
    "pyramid-png": Visual(".pyramid.png", lambda t: {"age", "sex"} <= set(t.dim_names)),
    "nationality-bars-svg": Visual(".nationality-bars.svg", lambda t: "nationality" in t.dim_names),
    "nationality-bars-png": Visual(".nationality-bars.png", lambda t: "nationality" in t.dim_names),
    "narrative-html": Visual(".narrative.html", lambda t: True),
    "brief-html": Visual(".brief.html", lambda t: True),
    "brief-pdf": Visual(".brief.pdf", lambda t: True),
}


def is_visual(fmt: str) -> bool:
    """True for the formats this module renders."""
    return fmt in FORMATS


def route_places(table: ProtectedTable, areas: Callable[[list[str]], gpd.GeoDataFrame] | None) -> pd.DataFrame:
    """Where route codes are: countries from the shipped outlines, admin areas from the store's boundaries."""
    from atlas.outputs.flows import area_points, route_legs
    from atlas.outputs.worldmap import country_points

    countries = country_points()
    codes = {c for leg in route_legs(table) for c in table.dimension(leg).leaves() if c != TOTAL}
    rest = sorted(codes - set(countries["code"]))
    if rest and areas is not None:
        try:
            return pd.concat([countries, area_points(areas(rest))], ignore_index=True)
        except AtlasError:
            pass
    return countries


def render_visual(table: ProtectedTable, fmt: str, out: Path, geoms: Geoms,
                  areas: Callable[[list[str]], gpd.GeoDataFrame] | None = None, lang: str = "en") -> Path | None:
    """Write `fmt` of one table to `out`; None when the format does not apply to this table."""
    if not FORMATS[fmt].needs(table):
        return None
    kind, _, ext = fmt.rpartition("-")
    if kind == "map":
        from atlas.outputs.maps import MapOptions, write_map

        if ext == "html":
            from atlas.outputs.interactive import write_interactive_map

            return write_interactive_map(table, geoms(table, None), out, MapOptions(lang=lang))
        return write_map(table, geoms(table, None), out, MapOptions(lang=lang))
    if kind in ("flowmap", "sankey"):
        from atlas.outputs.flows import FlowOptions, write_flow_map
        from atlas.outputs.sankey import write_sankey

        if kind == "sankey":
            return write_sankey(table, out, FlowOptions(lang=lang))
        return write_flow_map(table, route_places(table, areas), out, FlowOptions(lang=lang))
    if kind == "brief":
        return _brief(table, ext, out, geoms, lang)
    return _chart_or_text(table, kind, out, lang)


def _chart_or_text(table: ProtectedTable, kind: str, out: Path, lang: str) -> Path:
    from atlas.outputs import charts

    if kind == "narrative":
        from atlas.outputs.brief import NarrativeRenderer

        return NarrativeRenderer(lang).render(table, out)
    if kind == "timeseries":
        from atlas.outputs.timeseries import time_series

        series = next((d for d in ("sex", "nationality", "origin_country") if d in table.dim_names), None)
        return charts.write_chart(time_series(table, series=series, lang=lang), out)
    make = charts.pyramid if kind == "pyramid" else charts.nationality_bars
    return charts.write_chart(make(table, lang=lang), out)


def _brief(table: ProtectedTable, ext: str, out: Path, geoms: Geoms, lang: str) -> Path | None:
    from atlas.outputs.brief import BriefOptions, build_brief, write_pdf

    pack = build_brief([table], lambda t, level: geoms(t, level), BriefOptions(lang=lang))
    if ext == "html":
        out.write_text(pack.html, encoding="utf-8")
        return out
    return write_pdf(pack.html, out)


def store_geometries(con: object) -> tuple[Geoms, Callable[[list[str]], gpd.GeoDataFrame]]:
    """Geometry sources reading the active boundaries on `con`: by table (and level), and by codes."""
    from atlas.outputs.maps import area_dimension_name, geometries_at, geometries_for

    def by_table(table: ProtectedTable, level: int | None) -> gpd.GeoDataFrame:
        if level is not None:
            return geometries_at(con, table, level)
        dim = table.dimension(area_dimension_name(table))
        return geometries_for(con, [c for c in dim.leaves() if c != TOTAL])

    return by_table, lambda codes: geometries_for(con, codes)


def write_visual(con: object, table: ProtectedTable, fmt: str, folder: Path, lang: str = "en") -> list[Path]:
    """Render one visual format of one table into a release folder, with boundaries read on `con`."""
    geoms, areas = store_geometries(con)
    out = render_visual(table, fmt, folder / f"{table.name}{FORMATS[fmt].suffix}", geoms, areas, lang)
    return [out] if out is not None else []


class VisualRenderer:
    """Registered visual format for the CLI and API: boundaries from the active workspace."""

    media_types: ClassVar[dict[str, str]] = {"svg": "image/svg+xml", "png": "image/png", "html": "text/html",
                                             "pdf": "application/pdf"}

    def __init__(self, fmt: str, lang: str = "en") -> None:
        self.name = fmt
        self.suffix = FORMATS[fmt].suffix
        self.media_type = self.media_types[fmt.rpartition("-")[2]]
        self._lang = lang

    def render(self, table: ProtectedTable, out: Path) -> Path:
        from atlas.settings import Settings
        from atlas.store.workspace import Workspace

        if not FORMATS[self.name].needs(table):
            raise RejectedInput(f"{self.name} does not apply to table {table.name}",
                                issues=[Issue("format-not-applicable", f"dimensions: {', '.join(table.dim_names)}")])
        with Workspace.open(Settings()).connect(read_only=True) as con:  # type: ignore[call-arg]
            path = write_visual(con, table, self.name, out.parent, self._lang)
        if not path:
            raise RejectedInput(f"{self.name} could not be written for table {table.name}",
                                issues=[Issue("format-unavailable", self.name, hint="PDF needs WeasyPrint and pango")])
        if path[0] != out:
            path[0].replace(out)
        return out
