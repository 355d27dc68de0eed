"""Route flows (origin → transit/entry → destination) from a protected table, and the flow map that draws them.

A route is a chain of the table's dimensions; each leg's flows are the published two-way margin of that pair
(every other dimension at its total), so nothing is summed here from hidden cells. Suppressed flows are left
out and counted in a note; they are never drawn as zero or thin lines.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from babel.dates import format_date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from atlas.errors import Issue, RejectedInput
from atlas.outputs.maps import _fmt, disclosure_note
from atlas.outputs.narrative.phrases import ui
from atlas.outputs.shaping import display, is_rtl, rc_for
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.protection.protected import ProtectedTable

ROUTE_ORDER = ("origin_country", "nationality", "country_of_birth", "transit_country", "entry_point", "adm1",
               "adm2", "area", "destination_country", "destination")
LEG_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7")  # Okabe-Ito, colour-blind safe
ROUTE_FIELDS = frozenset({"origin_country", "transit_country", "entry_point", "destination_country", "destination"})
NOT_PLACED = frozenset({TOTAL, "unknown", "_NS"})


@dataclass(frozen=True)
class FlowOptions:
    """Wording, provenance and limits of a flow map or route diagram."""

    lang: str = "en"
    title: str | None = None
    source: str = "Atlas"
    date: dt.date | None = None
    legs: tuple[str, ...] | None = None
    fixed: Mapping[str, str] | None = None
    max_flows: int = 40
    what: str | None = None  # what is counted, for the width legend (default "Migrants")


def route_legs(table: ProtectedTable, legs: Sequence[str] | None = None) -> list[str]:
    """The route's dimensions in travel order: as given, else the table's route-like dimensions."""
    names = list(legs) if legs else [n for n in ROUTE_ORDER if n in table.dim_names]
    missing = [n for n in names if n not in table.dim_names]
    if len(names) < 2 or missing or not (legs or ROUTE_FIELDS & set(names)):
        raise RejectedInput("a route needs at least two of the table's dimensions",
                            issues=[Issue("route-legs", f"asked {names}; table has {', '.join(table.dim_names)}")])
    return names


@dataclass
class Segments:
    """Published flows of each leg (src, dst, value, leg) and how many were suppressed."""

    flows: pd.DataFrame
    suppressed: int
    legs: list[str]


def segments(table: ProtectedTable, legs: Sequence[str], fixed: Mapping[str, str] | None = None) -> Segments:
    """Flows between consecutive legs from the published two-way margins; zeros dropped, suppressed counted."""
    cells = table.cells
    fixed = dict(fixed or {})
    parts, hidden = [], 0
    for i, (a, b) in enumerate(itertools.pairwise(legs)):
        mask = np.ones(len(cells), dtype=bool)
        for d in table.dimensions:
            if d.name not in (a, b):
                mask &= (cells[d.name] == fixed.get(d.name, TOTAL)).to_numpy()
        la, lb = set(table.dimension(a).leaves()), set(table.dimension(b).leaves())
        part = cells.loc[mask & cells[a].isin(la).to_numpy() & cells[b].isin(lb).to_numpy()]
        gone = part["flag"].isin([PRIMARY, SECONDARY])
        hidden += int(gone.sum())
        part = part.loc[~gone & (part["value"].astype(float) > 0)]
        parts.append(pd.DataFrame({"src": part[a].to_numpy(), "dst": part[b].to_numpy(),
                                   "value": part["value"].astype(float).to_numpy(), "leg": i}))
    flows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["src", "dst", "value", "leg"])
    return Segments(flows.sort_values("value", ascending=False, kind="stable").reset_index(drop=True), hidden,
                    list(legs))


def label_of(table: ProtectedTable, legs: Sequence[str], lang: str = "en") -> dict[str, str]:
    """Display names of every code along the route; countries in `lang` (Babel), other codes by their label."""
    from atlas.outputs.narrative.compose import country_label

    out: dict[str, str] = {}
    for leg in legs:
        dim = table.dimension(leg)
        for code in dim.parent:
            name = country_label(code, lang) if re.fullmatch(r"[A-Z]{3}", code) else code
            translated = name != code and lang != "en"
            out[code] = name if translated else dim.labels.get(code, name)
    return out


def area_points(geoms: gpd.GeoDataFrame) -> pd.DataFrame:
    """A point inside each area (code, lon, lat), for routes through admin areas."""
    pts = geoms.to_crs(4326).geometry.representative_point() if geoms.crs else geoms.geometry.representative_point()
    return pd.DataFrame({"code": geoms["pcode"].astype(str).to_numpy(), "lon": pts.x.to_numpy(), "lat": pts.y.to_numpy()})


def _basemap(ax: plt.Axes, box: tuple[float, float, float, float], basemap: gpd.GeoDataFrame | None) -> None:
    if basemap is None:
        from atlas.outputs.worldmap import world_outlines

        basemap = world_outlines()
    clip = basemap.clip(shapely.box(*box))
    if len(clip):
        clip.plot(ax=ax, color="#e8e8e8", edgecolor="#ffffff", linewidth=0.5)


def _notes(fig: Figure, table: ProtectedTable, o: FlowOptions, extra: list[str]) -> None:
    day = format_date(o.date or dt.date.today(), format="long", locale=o.lang)
    lines = [*extra, ui(o.lang, "source", source=o.source) + "    " + ui(o.lang, "date", date=day),
             disclosure_note(table, o.lang)]
    for i, line in enumerate(lines):
        fig.text(0.02, 0.02 + 0.028 * (len(lines) - 1 - i), display(line), fontsize=7.5, color="#333333",
                 gid=f"flow-note-{i}")


def hidden_notes(seg: Segments, table: ProtectedTable, lang: str, not_drawn: int = 0) -> list[str]:
    """The sentences that say what is left out and why."""
    out = []
    if seg.suppressed:
        out.append(ui(lang, "flows_hidden", n=seg.suppressed, k=table.policy.min_count))
    if not_drawn:
        out.append(ui(lang, "others_hidden", n=not_drawn))
    return out


def flow_map(table: ProtectedTable, places: pd.DataFrame, options: FlowOptions | None = None,
             basemap: gpd.GeoDataFrame | None = None) -> Figure:
    """Curved arrows between the places of each leg, width by published flow, suppressed flows left out."""
    o = options or FlowOptions()
    legs = route_legs(table, o.legs)
    seg = segments(table, legs, o.fixed)
    where = places.drop_duplicates("code").set_index("code")[["lon", "lat"]]
    placed = seg.flows[seg.flows["src"].isin(where.index) & seg.flows["dst"].isin(where.index)
                       & ~seg.flows["src"].isin(NOT_PLACED) & ~seg.flows["dst"].isin(NOT_PLACED)
                       & (seg.flows["src"] != seg.flows["dst"])]  # staying in the same place is no line
    drawn = placed.head(o.max_flows)
    names = label_of(table, legs, o.lang)
    used = where.loc[sorted(set(drawn["src"]) | set(drawn["dst"]))] if len(drawn) else where
    x0, y0 = used["lon"].min(), used["lat"].min()
    x1, y1 = used["lon"].max(), used["lat"].max()
    pad = max(x1 - x0, y1 - y0, 2.0) * 0.12
    box = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    stretch = 1 / max(np.cos(np.radians((box[1] + box[3]) / 2)), 0.3)
    ratio = (box[2] - box[0]) / ((box[3] - box[1]) * stretch)
    with plt.rc_context(rc_for(o.lang)):
        fig, ax = plt.subplots(figsize=(float(np.clip(6 * ratio + 3.5, 7, 13)), 7), dpi=100)
        ax.set_axis_off()
        _basemap(ax, box, basemap)
        top = float(drawn["value"].max()) if len(drawn) else 1.0
        for i, row in enumerate(drawn.itertuples(index=False)):
            width = _width(row.value / top)
            arrow = FancyArrowPatch(tuple(where.loc[row.src]), tuple(where.loc[row.dst]),
                                    connectionstyle="arc3,rad=0.18", arrowstyle="-|>", mutation_scale=5 + width,
                                    linewidth=width, color=LEG_COLOURS[row.leg % len(LEG_COLOURS)], alpha=0.7,
                                    shrinkA=3, shrinkB=4, zorder=3)
            arrow.set_gid(f"flow-{i}")
            ax.add_patch(arrow)
        _place_labels(ax, used, names, (box[2] - box[0], box[3] - box[1]))
        ax.set_xlim(box[0], box[2])
        ax.set_ylim(box[1], box[3])
        ax.set_aspect(stretch)
        _legend(ax, legs, top, o.lang, o.what)
        ax.set_title(display(o.title or table.title or table.name), fontsize=13, loc="left").set_gid("flow-title")
        _notes(fig, table, o, hidden_notes(seg, table, o.lang, len(placed) - len(drawn)))
        fig.subplots_adjust(bottom=0.06 + 0.028 * 3)
    return fig


def _width(share: float) -> float:
    return 0.5 + 5.5 * share


def _place_labels(ax: plt.Axes, used: pd.DataFrame, names: dict[str, str], span: tuple[float, float]) -> None:
    """Dots and names, east to west; a name that would run into an eastern neighbour goes left of its dot."""
    taken: list[tuple[float, float]] = []
    for code in used.sort_values("lon", ascending=False).index:
        lon, lat = (float(v) for v in used.loc[code])
        crowded = any(abs(lon - a) < span[0] * 0.12 and abs(lat - b) < span[1] * 0.04 for a, b in taken)
        taken.append((lon, lat))
        ax.plot(lon, lat, "o", color="#222222", markersize=3, zorder=4)
        ax.annotate(display(names.get(code, code)), (lon, lat), xytext=(-4 if crowded else 4, 3),
                    ha="right" if crowded else "left", textcoords="offset points", fontsize=7.5, zorder=5,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.6})


def _legend(ax: plt.Axes, legs: list[str], top: float, lang: str, what: str | None) -> None:
    arrow = "←" if is_rtl(lang) else "→"
    words = leg_words(legs, lang)
    handles = [Line2D([], [], color=LEG_COLOURS[i % len(LEG_COLOURS)], linewidth=3,
                      label=display(f"{words[i]} {arrow} {words[i + 1]}")) for i in range(len(legs) - 1)]
    for share in (1.0, 0.5, 0.1):
        handles.append(Line2D([], [], color="#555555", linewidth=_width(share), label=_fmt(top * share, lang)))
    legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8,
                       title=display(ui(lang, "flow_width", what=what or ui(lang, "count"))), title_fontsize=8)
    legend.set_gid("flow-legend")


def leg_words(legs: Sequence[str], lang: str) -> list[str]:
    """What each leg is: the first is the origin, the last the destination, entry points say so, others transit."""
    last = len(legs) - 1
    keys = ["entry_point" if n == "entry_point" else "origin" if i == 0 else "destination" if i == last else "transit"
            for i, n in enumerate(legs)]
    return [ui(lang, k) for k in keys]


def save_figure(fig: Figure, out: Path, lang: str) -> Path:
    """Save a Matplotlib figure as SVG or PNG (by suffix), with no timestamp."""
    fmt = out.suffix.lstrip(".").lower() or "svg"
    with plt.rc_context(rc_for(lang)):
        fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else {}, bbox_inches="tight",
                    dpi=150 if fmt == "png" else 100)
    plt.close(fig)
    return out


def figure_svg(fig: Figure, lang: str) -> str:
    """The SVG document of a figure as text, for inlining into HTML."""
    import io

    buf = io.StringIO()
    with plt.rc_context(rc_for(lang)):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def placed_flows(table: ProtectedTable, places: pd.DataFrame, legs: Sequence[str] | None = None) -> int:
    """How many published flows have both ends on the map."""
    flows = segments(table, route_legs(table, legs)).flows
    known = set(places["code"]) - NOT_PLACED
    return int((flows["src"].isin(known) & flows["dst"].isin(known)).sum())


def write_flow_map(table: ProtectedTable, places: pd.DataFrame, out: Path, options: FlowOptions | None = None,
                   basemap: gpd.GeoDataFrame | None = None) -> Path:
    """Save the flow map as SVG or PNG."""
    o = options or FlowOptions()
    return save_figure(flow_map(table, places, o, basemap), out, o.lang)
