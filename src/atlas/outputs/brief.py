"""The briefing pack: one self-contained HTML page (inline SVG, no external resource) and its PDF.

Everything in it comes from ProtectedTables: maps, charts, a table of areas and the narrative, each
section with its disclosure note, and a manifest of the tables and policies at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
from babel.dates import format_date
from babel.numbers import format_decimal

from atlas.errors import PolicyRefused, RejectedInput
from atlas.outputs import charts
from atlas.outputs.maps import MapOptions, area_dimension_name, disclosure_note, slice_at, svg_text
from atlas.outputs.narrative import RTL, narrative, ui
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.protection.protected import ProtectedTable

Geometries = Callable[[ProtectedTable, int], gpd.GeoDataFrame]
Areas = Callable[[list[str]], gpd.GeoDataFrame]

CSS = """
body{font-family:"DejaVu Sans",sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:3px solid #1f6f8b}h2{font-size:1.25em;margin-top:2em;color:#1f6f8b}
figure{margin:1em 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto}
figcaption,.note{font-size:.8em;color:#555}table{border-collapse:collapse;font-size:.8em}
td,th{border:1px solid #ccc;padding:.15em .5em}td.num{text-align:end}td.hidden{color:#777;font-style:italic}
section.table-section{page-break-before:always}section.table-section:first-of-type{page-break-before:auto}
@page{size:A4;margin:1.5cm}
"""


@dataclass(frozen=True)
class BriefOptions:
    """Language, wording and provenance of one briefing pack."""

    lang: str = "en"
    title: str | None = None
    source: str = "Atlas"
    date: dt.date | None = None
    period: dt.date | None = None
    max_rows: int = 200
    interactive: bool = False


@dataclass
class BriefPack:
    """The HTML page and what went into it (for the manifest and the tests)."""

    html: str
    lang: str
    figures: list[str] = field(default_factory=list)


def _scope_ids(svg: str, prefix: str) -> str:
    """Prefix every id in one SVG so several inline SVGs on a page cannot capture each other's references."""
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)


def _strip_xml(svg: str) -> str:
    return svg[svg.index("<svg"):]


def _figure(svg: str, caption: str, prefix: str) -> str:
    return f"<figure>{_scope_ids(_strip_xml(svg), prefix)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _focus(table: ProtectedTable) -> dict[str, str]:
    """Yes/no dimensions are shown at "true" (a table of disability is mapped as people with one)."""
    return {d.name: "true" for d in table.dimensions if {"true", "false"} <= set(d.parent) <= {TOTAL, "true", "false", "unknown"}}


def _focus_note(table: ProtectedTable) -> str:
    return "; ".join(f"{k} = {v}" for k, v in _focus(table).items())


def _area_levels(table: ProtectedTable) -> list[int]:
    try:
        area = table.dimension(area_dimension_name(table))
    except RejectedInput:
        return []
    return sorted({area.level(c) for c in area.parent if c != TOTAL})


def figure_lang(lang: str) -> str:
    """Language of text inside Vega charts: their SVG keeps text as <text>, which WeasyPrint lays out left to
    right without shaping, so right-to-left packs draw them in English with the words in the (shaped) HTML
    captions. Matplotlib figures (maps, flows, Sankey) are drawn in the pack's language as shaped outlines."""
    return "en" if lang in RTL else lang


def _caption(table: ProtectedTable, lang: str, what: str) -> str:
    what = f"{what} ({_focus_note(table)})" if _focus(table) else what
    if lang not in RTL:
        return what
    return f"{what} — {ui(lang, 'suppressed_primary', k=table.policy.min_count)}. {disclosure_note(table, lang)}"


def _maps(table: ProtectedTable, geometries: Geometries | None, o: BriefOptions, key: str) -> list[str]:
    if geometries is None:
        return []
    out = []
    for level in _area_levels(table):
        geoms = geometries(table, level)
        if geoms.empty:
            continue
        svg = svg_text(table, geoms, MapOptions(lang=o.lang, source=o.source, date=o.date, fixed=_focus(table),
                                                scheme="quantiles" if level == 1 else "natural_breaks"))
        out.append(_figure(svg, _caption(table, o.lang, f"{ui(o.lang, 'maps')}: admin {level}"), f"{key}-m{level}"))
    return out


def _routes(table: ProtectedTable, o: BriefOptions, key: str, areas: Areas | None) -> list[str]:
    """Flow map (when the route's places are known) and Sankey diagram of a route table."""
    from atlas.outputs.flows import FlowOptions, figure_svg, flow_map, placed_flows, route_legs, segments
    from atlas.outputs.sankey import sankey
    from atlas.outputs.visual import route_places

    fo = FlowOptions(lang=o.lang, source=o.source, date=o.date)
    out = []
    places = route_places(table, areas)
    if placed_flows(table, places):
        out.append(_figure(figure_svg(flow_map(table, places, fo), o.lang), ui(o.lang, "flows"), f"{key}-flow"))
    if not segments(table, route_legs(table)).flows.empty:
        out.append(_figure(figure_svg(sankey(table, fo), o.lang), ui(o.lang, "routes"), f"{key}-sankey"))
    return out


def _trend(table: ProtectedTable, o: BriefOptions, key: str) -> list[str]:
    from atlas.outputs.timeseries import time_series

    series = next((d for d in ("sex", "origin_country") if d in table.dim_names), None)
    kind: Literal["stock", "arrivals"] = "arrivals" if any(w in table.name for w in ("arrival", "flow", "entr")) else "stock"
    chart = time_series(table, series=series, kind=kind, lang=figure_lang(o.lang))
    return [_figure(charts.to_svg(chart), _caption(table, o.lang, ui(o.lang, "time_series")), f"{key}-ts")]


def _charts(table: ProtectedTable, o: BriefOptions, key: str, areas: Areas | None = None) -> list[str]:
    from atlas.outputs.visual import _has_route, _has_time

    out = []
    if _has_route(table):
        out += _routes(table, o, key, areas)
    if _has_time(table):
        out += _trend(table, o, key)
    names = set(table.dim_names)
    fl = figure_lang(o.lang)
    if {"age", "sex"} <= names:
        out.append(_figure(charts.to_svg(charts.pyramid(table, lang=fl)), _caption(table, o.lang, ui(o.lang, "age")),
                           f"{key}-pyr"))
    if "nationality" in names:
        out.append(_figure(charts.to_svg(charts.nationality_bars(table, lang=fl)),
                           _caption(table, o.lang, ui(o.lang, "nationality")), f"{key}-nat"))
    return out


def area_table(table: ProtectedTable, lang: str, max_rows: int = 200) -> str:
    """Published values by area (other dimensions at their total); suppressed rows say so and show no number."""
    try:
        dim = table.dimension(area_dimension_name(table))
    except RejectedInput:
        return ""
    rows = slice_at(table, dim.name, _focus(table)).head(max_rows)
    body = []
    for code, value, flag in rows.itertuples(index=False):
        depth = dim.level(code) if code in dim.parent else 0
        name = html.escape(dim.labels.get(code, code))
        if flag in (PRIMARY, SECONDARY):
            cell = f'<td class="hidden">{html.escape(ui(lang, "flag_" + flag))}</td>'
        else:
            cell = f'<td class="num">{format_decimal(value, locale=lang)}</td>'
        body.append(f'<tr><td style="padding-inline-start:{0.2 + depth}em">{name}</td>{cell}</tr>')
    value = ui(lang, "value") + (f" ({_focus_note(table)})" if _focus(table) else "")
    head = f"<tr><th>{html.escape(ui(lang, 'area'))}</th><th>{html.escape(value)}</th></tr>"
    return f"<table>{head}{''.join(body)}</table>"


def interactive_name(table: ProtectedTable, lang: str) -> str:
    """File name of a table's interactive map, next to the briefing page."""
    return f"brief.{lang}.{table.name}.map.html"


def _interactive_link(table: ProtectedTable, geometries: Geometries | None, o: BriefOptions) -> list[str]:
    if not (o.interactive and geometries is not None and _area_levels(table)):
        return []
    name = html.escape(interactive_name(table, o.lang))
    return [f'<p class="note"><a href="{name}">{html.escape(ui(o.lang, "interactive"))}</a></p>']


def _text_dir(text: str) -> str:
    """Direction of a heading from its own script (an English table title stays left to right in an Arabic pack)."""
    from atlas.outputs.shaping import needs_shaping

    return "rtl" if needs_shaping(text) else "ltr"


def _section(table: ProtectedTable, geometries: Geometries | None, o: BriefOptions, i: int,
             areas: Areas | None = None) -> tuple[str, list[str]]:
    key = f"t{i}"
    figs = _maps(table, geometries, o, key) + _charts(table, o, key, areas)
    heading = table.title or table.name
    parts = [
        f'<section class="table-section" id="{key}"><h2 dir="{_text_dir(heading)}">{html.escape(heading)}</h2>',
        narrative(table, o.lang, period=o.period).html(),
        *_interactive_link(table, geometries, o),
        *figs,
        area_table(table, o.lang, o.max_rows),
        f'<p class="note">{html.escape(disclosure_note(table, o.lang))}</p></section>',
    ]
    return "".join(parts), figs


def _manifest(tables: Sequence[ProtectedTable], lang: str) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(t.name)}</td><td>{html.escape(ui(lang, 'method_' + t.policy.method))}</td>"
        f"<td>{t.policy.min_count}</td><td>{len(t):,}</td>"
        f"<td><code>{hashlib.sha256(t.cells.to_csv(index=False).encode()).hexdigest()[:16]}</code></td></tr>"
        for t in tables
    )
    return ("<section class=\"manifest\"><h2>Manifest</h2><table><tr><th>table</th><th>method</th><th>k</th>"
            f"<th>cells</th><th>sha256 (cells)</th></tr>{rows}</table></section>")


def build_brief(tables: Sequence[ProtectedTable], geometries: Geometries | None = None,
                options: BriefOptions | None = None, areas: Areas | None = None) -> BriefPack:
    """The briefing page for protected tables, in one language, with no external resource (`areas` places
    admin-area codes of route tables)."""
    o = options or BriefOptions()
    direction = "rtl" if o.lang in RTL else "ltr"
    title = o.title or ui(o.lang, "brief")
    day = format_date(o.date or dt.date.today(), format="long", locale=o.lang)
    sections, figures = [], []
    for i, t in enumerate(tables):
        s, f = _section(t, geometries, o, i, areas)
        sections.append(s)
        figures += f
    page = (f'<!DOCTYPE html><html lang="{o.lang}" dir="{direction}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p class=\"note\">{html.escape(ui(o.lang, 'source', source=o.source))}"
            f" · {html.escape(ui(o.lang, 'date', date=day))}</p>{''.join(sections)}{_manifest(tables, o.lang)}"
            "</body></html>")
    return BriefPack(page, o.lang, figures)


def _write_interactive(tables: Sequence[ProtectedTable], out_dir: Path, geometries: Geometries | None,
                       o: BriefOptions) -> list[Path]:
    """The interactive map of each table with areas (finest level), linked from the page."""
    from atlas.outputs.interactive import write_interactive_map

    if not o.interactive or geometries is None:
        return []
    out = []
    for t in tables:
        levels = _area_levels(t)
        if not levels:
            continue
        geoms = geometries(t, levels[-1])
        if geoms.empty:
            continue
        opts = MapOptions(lang=o.lang, source=o.source, date=o.date, fixed=_focus(t), scheme="natural_breaks")
        out.append(write_interactive_map(t, geoms, out_dir / interactive_name(t, o.lang), opts))
    return out


def write_pdf(page: str, out: Path) -> Path | None:
    """PDF of the page through WeasyPrint; None when WeasyPrint or its system libraries are missing."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        return None
    HTML(string=page).write_pdf(out)
    return out


def write_brief(tables: Sequence[ProtectedTable], out_dir: Path, geometries: Geometries | None = None,
                options: BriefOptions | None = None, *, pdf: bool = True, areas: Areas | None = None) -> list[Path]:
    """Write `brief.<lang>.html` (and `.pdf`) into `out_dir`."""
    o = options or BriefOptions()
    out_dir.mkdir(parents=True, exist_ok=True)
    pack = build_brief(tables, geometries, o, areas)
    page = out_dir / f"brief.{o.lang}.html"
    page.write_text(pack.html, encoding="utf-8")
    written = [page, *_write_interactive(tables, out_dir, geometries, o)]
    if pdf and (p := write_pdf(pack.html, out_dir / f"brief.{o.lang}.pdf")) is not None:
        written.append(p)
    return written


class NarrativeRenderer:
    """Registered `narrative-html`: the narrative of one table as an HTML fragment page."""

    name = "narrative-html"
    suffix = ".narrative.html"
    media_type = "text/html"

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang

    def render(self, table: ProtectedTable, out: Path) -> Path:
        n = narrative(table, self.lang)
        out.write_text(f'<!DOCTYPE html><html lang="{n.lang}" dir="{n.direction}"><head><meta charset="utf-8">'
                       f"</head><body>{n.html()}</body></html>", encoding="utf-8")
        return out


def brief_from_specs(ws: object, specs: Sequence[object], out_dir: Path, langs: Sequence[str] = ("en",),
                     options: BriefOptions | None = None, *, purpose: str = "statistics",
                     pdf: bool = True) -> list[Path]:
    """Protect each spec (as `atlas table` does) and write one briefing pack per language; refused specs are left out."""
    from dataclasses import replace

    from atlas.outputs.maps import geometries_at, geometries_for
    from atlas.tables.service import protected_tables

    tables: list[ProtectedTable] = []
    for s in specs:
        try:
            tables += protected_tables(ws, [s], purpose=purpose)  # type: ignore[arg-type, list-item]
        except PolicyRefused:  # a refused table is left out of the pack, as `atlas table` would refuse it
            continue
    written: list[Path] = []
    with ws.connect(read_only=True) as con:  # type: ignore[attr-defined]
        cache: dict[tuple[str, int], gpd.GeoDataFrame] = {}

        def geoms(table: ProtectedTable, level: int) -> gpd.GeoDataFrame:
            key = (table.name, level)
            if key not in cache:
                cache[key] = geometries_at(con, table, level)
            return cache[key]

        for lang in langs:
            written += write_brief(tables, out_dir, geoms, replace(options or BriefOptions(), lang=lang), pdf=pdf,
                                   areas=lambda codes: geometries_for(con, codes))
    return written
