"""Interactive choropleth as one offline HTML file: a Vega spec with Vega's JavaScript inlined by vl-convert.

The JavaScript comes from the vl-convert wheel (installed from the package registry), never from a CDN; a
Content-Security-Policy forbids the page to fetch anything. Suppressed areas are white, hatched with lines
computed here, and say "suppressed (fewer than k)" in their tooltip and the legend, never zero.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
import vl_convert as vlc
from babel.dates import format_date

from atlas.errors import Issue, RejectedInput
from atlas.outputs.maps import (
    NO_DATA,
    PALETTE,
    SUPPRESSED_EDGE,
    SUPPRESSED_FACE,
    GeometrySource,
    MapOptions,
    _fmt,
    classify,
    disclosure_note,
    map_frame,
)
from atlas.outputs.narrative.phrases import RTL, ui
from atlas.protection.cube import PRIMARY, SECONDARY
from atlas.protection.protected import ProtectedTable

CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; connect-src 'none'")
WIDTH, HEIGHT = 760, 560
_HATCH_SHAPES = {  # legend symbols in Vega's unit square: a box with diagonal lines like the map's hatching
    PRIMARY: "M-1,-1H1V1H-1Z M-1,0L0,-1 M-1,1L1,-1 M0,1L1,0",
    SECONDARY: "M-1,-1H1V1H-1Z M0,-1L1,0 M-1,-1L1,1 M-1,0L0,1",
}


def hatch_lines(geoms: gpd.GeoSeries, spacing: float, flag: str) -> list[Any]:
    """Diagonal lines clipped to each geometry (`/` for primary, `\\` for secondary suppression)."""
    if geoms.empty:
        return []
    x0, y0, x1, y1 = geoms.total_bounds
    span = (x1 - x0) + (y1 - y0)
    offsets = np.arange(-span, span + spacing, spacing)
    if flag == PRIMARY:
        lines = [((x0 + o, y0), (x0 + o + span, y0 + span)) for o in offsets]
    else:
        lines = [((x0 + o, y1), (x0 + o + span, y1 - span)) for o in offsets]
    grid = shapely.MultiLineString(lines)
    cut = shapely.intersection(np.asarray(geoms.geometry.values), grid)
    return [g for g in cut if not g.is_empty]


def _geojson(geom: Any, precision: float) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, precision)))


def _fit(bounds: np.ndarray, width: int, height: int) -> tuple[float, float, float]:
    """Mercator scale and centre (lon, mercator y) that fit the bounds in the view, as d3.geoMercator uses them."""
    x0, y0, x1, y1 = bounds
    lat = np.clip([y0, y1], -85, 85)
    m0, m1 = (math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in lat)
    dx = max(math.radians(x1 - x0), 1e-6)
    dy = max(m1 - m0, 1e-6)
    return 0.92 * min(width / dx, height / dy), (x0 + x1) / 2, (m0 + m1) / 2


def _classes(frame: gpd.GeoDataFrame, o: MapOptions) -> tuple[list[str], list[str], dict[int, str]]:
    shown = frame[frame["status"] == "value"]
    if shown.empty:
        return [], [], {}
    yb, bins = classify(shown["value"].to_numpy(dtype=float), o.scheme, o.k)
    colours = [matplotlib.colors.to_hex(c) for c in matplotlib.colormaps[PALETTE](np.linspace(0.15, 0.95, len(bins)))]
    lows = [float(shown["value"].min()), *bins[:-1]]
    labels = [_fmt(hi, o.lang) if round(lo) == round(hi) else f"{_fmt(lo, o.lang)} – {_fmt(hi, o.lang)}"
              for lo, hi in zip(lows, bins, strict=True)]
    return labels, colours, dict(zip(shown.index, (labels[i] for i in yb), strict=True))


def _features(frame: gpd.GeoDataFrame, table: ProtectedTable, o: MapOptions, precision: float) -> tuple[list, dict]:
    """GeoJSON features with the tooltip text and legend key of each area, and the legend itself."""
    labels, colours, key_of = _classes(frame, o)
    k = table.policy.min_count
    words = {PRIMARY: ui(o.lang, "suppressed_primary", k=k), SECONDARY: ui(o.lang, "suppressed_secondary"),
             "no_data": ui(o.lang, "no_data")}
    feats = []
    for idx, row in frame.iterrows():
        status = row["status"]
        key = key_of.get(idx) if status == "value" else words[status]
        shown = _fmt(row["value"], o.lang) if status == "value" else words[status]
        feats.append({"type": "Feature", "geometry": _geojson(row.geometry, precision),
                      "properties": {"name": str(row.get("name") or row["pcode"]), "code": str(row["pcode"]),
                                     "status": status, "key": key, "shown": shown}})
    present = [s for s in (PRIMARY, SECONDARY, "no_data") if (frame["status"] == s).any()]
    legend = {"domain": labels + [words[s] for s in present],
              "range": colours + [NO_DATA if s == "no_data" else SUPPRESSED_FACE for s in present],
              "shape": ["square"] * len(labels) + [_HATCH_SHAPES.get(s, "square") for s in present]}
    return feats, legend


def _navigation(scale: float, lon: float, merc_y: float) -> list[dict[str, Any]]:
    """Signals for wheel zoom, drag pan (mouse and touch) and double-click reset."""
    return [
        {"name": "s0", "value": scale},
        {"name": "scale", "value": scale, "on": [
            {"events": {"type": "wheel", "consume": True},
             "update": "clamp(scale * pow(1.0015, -event.deltaY * pow(16, event.deltaMode)), s0 / 2, s0 * 64)"},
            {"events": "dblclick", "update": "s0"}]},
        {"name": "start", "value": None, "on": [{"events": "mousedown, touchstart", "update": "xy()"},
                                                 {"events": "window:mouseup, touchend", "update": "null"}]},
        {"name": "anchor", "value": [lon, merc_y], "on": [{"events": "mousedown, touchstart", "update": "[cx, my]"}]},
        {"name": "cx", "value": lon, "on": [
            {"events": "window:mousemove, touchmove", "update": "start ? anchor[0] - (x() - start[0]) / scale * 180 / PI : cx"},
            {"events": "dblclick", "update": str(lon)}]},
        {"name": "my", "value": merc_y, "on": [
            {"events": "window:mousemove, touchmove", "update": "start ? anchor[1] + (y() - start[1]) / scale : my"},
            {"events": "dblclick", "update": str(merc_y)}]},
        {"name": "cy", "update": "(2 * atan(exp(my)) - PI / 2) * 180 / PI"},
    ]


def _layer(name: str, data: str, encode: dict[str, Any], tooltip: tuple[str, str] | None = None) -> dict[str, Any]:
    enter = {"strokeWidth": {"value": 0.5}, **encode}
    if tooltip:
        area, value = (json.dumps(t, ensure_ascii=False) for t in tooltip)
        enter["tooltip"] = {"signal": f"{{{area}: datum.properties.name, {value}: datum.properties.shown}}"}
    return {"type": "shape", "name": name, "from": {"data": data}, "clip": True, "interactive": tooltip is not None,
            "encode": {"enter": enter}, "transform": [{"type": "geoshape", "projection": "projection"}]}


def vega_spec(table: ProtectedTable, geoms: gpd.GeoDataFrame, options: MapOptions | None = None) -> dict[str, Any]:
    """The Vega spec of the interactive map (data inline, no URL)."""
    o = options or MapOptions()
    frame = map_frame(table, geoms, o.fixed).to_crs(4326) if geoms.crs else map_frame(table, geoms, o.fixed)
    bounds = frame.total_bounds
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    frame["geometry"] = frame.geometry.simplify(extent / 1500, preserve_topology=True)
    precision = 10 ** math.floor(math.log10(extent / 20000))
    feats, legend = _features(frame, table, o, precision)
    hatch = [{"type": "Feature", "geometry": _geojson(g, precision), "properties": {}}
             for flag in (PRIMARY, SECONDARY) for g in hatch_lines(frame.geometry[frame["status"] == flag], extent / 140, flag)]
    scale, lon, merc_y = _fit(bounds, WIDTH, HEIGHT)
    day = format_date(o.date or dt.date.today(), format="long", locale=o.lang)
    notes = [ui(o.lang, "source", source=o.source) + " · " + ui(o.lang, "date", date=day),
             disclosure_note(table, o.lang), ui(o.lang, "zoom_hint")]
    fill = {"scale": "legend", "field": "properties.key"}
    return {
        "description": o.title or table.title or table.name, "width": WIDTH, "height": HEIGHT, "padding": 8,
        "autosize": "pad",
        "title": {"text": o.title or table.title or table.name, "subtitle": notes, "anchor": "start", "fontSize": 15,
                  "subtitleFontSize": 10, "subtitleColor": "#444", "font": "DejaVu Sans, sans-serif",
                  "subtitleFont": "DejaVu Sans, sans-serif"},
        "signals": _navigation(scale, lon, merc_y),
        "projections": [{"name": "projection", "type": "mercator", "scale": {"signal": "scale"},
                        "center": [{"signal": "cx"}, {"signal": "cy"}], "translate": [{"signal": "width / 2"},
                                                                                      {"signal": "height / 2"}]}],
        "data": [{"name": "areas", "values": feats}, {"name": "hatch", "values": hatch}],
        "scales": [{"name": "legend", "type": "ordinal", "domain": legend["domain"], "range": legend["range"]},
                   {"name": "legendshape", "type": "ordinal", "domain": legend["domain"], "range": legend["shape"]}],
        "legends": [{"fill": "legend", "shape": "legendshape", "orient": "right", "symbolSize": 180,
                     "title": ui(o.lang, "classes", scheme=ui(o.lang, o.scheme), k=len(legend["domain"]) - sum(
                         1 for s in legend["shape"] if s != "square")),
                     "symbolStrokeColor": SUPPRESSED_EDGE, "symbolStrokeWidth": 0.8, "labelLimit": 300, "titleLimit": 320,
                     "labelFont": "DejaVu Sans, sans-serif", "titleFont": "DejaVu Sans, sans-serif"}],
        "marks": [
            {"type": "rect", "encode": {"enter": {"x": {"value": 0}, "y": {"value": 0}, "width": {"signal": "width"},
                                                  "height": {"signal": "height"}, "fill": {"value": "#f4f8fb"}}}},
            _layer("area-shapes", "areas", {"fill": fill, "stroke": {"value": "#ffffff"}},
                   (ui(o.lang, "area"), ui(o.lang, "value"))),
            _layer("hatching", "hatch", {"stroke": {"value": SUPPRESSED_EDGE}, "fill": {"value": None}}),
        ],
    }


def _inert_spec(page: str) -> str:
    """Names from boundary files or tables cannot close the inline script: `</` and `<!--` are escaped in the
    spec's JavaScript literal (`<\\/` reads as `</` in a JavaScript string)."""
    start = page.index("const spec = ")
    end = page.index("\n", start)
    literal = page[start:end].replace("</", "<\\/").replace("<!--", "<\\!--")
    return page[:start] + literal + page[end:]


def interactive_html(table: ProtectedTable, geoms: gpd.GeoDataFrame, options: MapOptions | None = None) -> str:
    """One HTML document with the map and Vega's JavaScript inlined; it fetches nothing."""
    o = options or MapOptions()
    spec = vega_spec(table, geoms, o)
    page = _inert_spec(vlc.vega_to_html(spec, bundle=True, renderer="svg"))
    title = html.escape(spec["description"])
    direction = "rtl" if o.lang in RTL else "ltr"
    noscript = f"<noscript>{html.escape(ui(o.lang, 'interactive'))}</noscript>"
    edits = [
        (r"<html>", f'<html lang="{o.lang}" dir="{direction}">'),
        (r"<title>Chart</title>", f"<title>{title}</title>"),
        (r'<meta charset="UTF-8">', f'<meta charset="UTF-8">\n    <meta http-equiv="Content-Security-Policy" content="{CSP}">'),
        (r"const opts = \{[^}\n]*\}", 'const opts = {"renderer":"svg","actions":false,"mode":"vega"}'),
        (r"</style>", "  #vega-chart{direction:ltr} #vega-chart text{unicode-bidi:plaintext}\n    </style>"),
        (r'<div id="vega-chart"></div>',
         f'<div id="vega-chart" role="img" aria-label="{title}"></div>{noscript}'),
    ]
    for pattern, new in edits:
        page, n = re.subn(pattern, new.replace("\\", "\\\\"), page, count=1)
        if n != 1:
            raise RejectedInput("the bundled Vega page changed shape", issues=[Issue("interactive-map", pattern)])
    return page


def write_interactive_map(table: ProtectedTable, geoms: gpd.GeoDataFrame, out: Path,
                          options: MapOptions | None = None) -> Path:
    """Save the interactive map as one self-contained HTML file."""
    out.write_text(interactive_html(table, geoms, options), encoding="utf-8")
    return out


class InteractiveMapRenderer:
    """Registered `map-html`; geometries come from the active workspace unless a source is given."""

    name = "map-html"
    suffix = ".map.html"
    media_type = "text/html"
    _default: ClassVar[GeometrySource | None] = None

    def __init__(self, geometry: GeometrySource | None = None, options: MapOptions | None = None) -> None:
        from atlas.outputs.maps import _workspace_geometries

        self._geometry = geometry or _workspace_geometries
        self._options = options

    def render(self, table: ProtectedTable, out: Path) -> Path:
        target = out if out.name.endswith(".html") else out.with_suffix(".html")
        return write_interactive_map(table, self._geometry(table), target, self._options)
