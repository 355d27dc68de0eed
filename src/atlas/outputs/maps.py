"""Choropleth maps of a protected table by admin area: static SVG/PNG drawn offline with Matplotlib.

Suppressed areas are hatched and named in the legend, never drawn as zero; every map carries its title,
classification method, source, date and disclosure note, so a map cut out of a report still says what it is.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from atlas.errors import Issue, RejectedInput
from atlas.outputs.narrative.phrases import ui
from atlas.outputs.shaping import display, rc_for
from atlas.protection.cube import PERTURBED, PRIMARY, SECONDARY, TOTAL
from atlas.protection.protected import ProtectedTable

AREA_NAMES = ("area", "adm0", "adm1", "adm2", "adm3")
SCHEMES = {"quantiles": "Quantiles", "natural_breaks": "FisherJenks", "equal_interval": "EqualInterval"}
PALETTE = "YlGnBu"  # ColorBrewer sequential, colour-blind safe
SUPPRESSED_FACE = "#ffffff"
SUPPRESSED_EDGE = "#555555"
NO_DATA = "#d9d9d9"
SVG_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "atlas", "font.family": "DejaVu Sans"}

GeometrySource = Callable[[ProtectedTable], gpd.GeoDataFrame]


@dataclass(frozen=True)
class MapOptions:
    """What a map says besides its data; `fixed` picks codes of the other dimensions (default: their total)."""

    scheme: str = "quantiles"
    k: int = 5
    lang: str = "en"
    title: str | None = None
    source: str = "Atlas"
    date: dt.date | None = None
    fixed: Mapping[str, str] | None = None
    size: tuple[float, float] = (9, 7.5)


def area_dimension_name(table: ProtectedTable, codes: set[str] | None = None) -> str:
    """The dimension holding admin areas: by name, else the one sharing most codes with the geometries."""
    names = [d.name for d in table.dimensions if d.name in AREA_NAMES]
    if names:
        return names[0]
    if codes:
        best = max(table.dimensions, key=lambda d: len(codes & set(d.parent)))
        if codes & set(best.parent):
            return best.name
    raise RejectedInput(
        "the table has no admin-area dimension to map",
        issues=[Issue("no-area-dimension", f"dimensions: {', '.join(table.dim_names)}")],
    )


def slice_at(table: ProtectedTable, keep: str, fixed: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Cells along one dimension with every other dimension at its total (or at `fixed`)."""
    cells = table.cells
    fixed = dict(fixed or {})
    mask = np.ones(len(cells), dtype=bool)
    for d in table.dimensions:
        if d.name != keep:
            mask &= (cells[d.name] == fixed.get(d.name, TOTAL)).to_numpy()
    return cells.loc[mask, [keep, "value", "flag"]].rename(columns={keep: "code"}).reset_index(drop=True)


def map_frame(table: ProtectedTable, geoms: gpd.GeoDataFrame, fixed: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Geometries joined to published values: `status` is value, suppressed or no_data (never a fake zero)."""
    codes = set(geoms["pcode"].astype(str))
    dim = area_dimension_name(table, codes)
    vals = slice_at(table, dim, fixed)
    out = geoms.merge(vals, how="left", left_on="pcode", right_on="code")
    known = set(table.dimension(dim).parent)
    if table.zeros_omitted:
        absent = out["flag"].isna() & out["pcode"].isin(known)
        out.loc[absent, ["value", "flag"]] = [0, ""]
    suppressed = out["flag"].isin([PRIMARY, SECONDARY])
    out["status"] = np.where(suppressed, out["flag"], np.where(out["value"].notna(), "value", "no_data"))
    out.loc[suppressed, "value"] = np.nan
    return out


def _fmt(x: float, lang: str) -> str:
    return format_decimal(round(float(x)), locale=lang)


def classify(values: np.ndarray, scheme: str, k: int) -> tuple[np.ndarray, list[float]]:
    """Class index per value and the upper bounds, by a mapclassify scheme (k shrinks with few values)."""
    if scheme not in SCHEMES:
        raise RejectedInput(f"unknown classification {scheme!r}", issues=[Issue("map-scheme", ", ".join(SCHEMES))])
    k = max(1, min(k, len(np.unique(values))))
    if k == 1:
        return np.zeros(len(values), dtype=int), [float(values.max())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed": the pure-Python path is fast enough here
        c = mapclassify.classify(values, SCHEMES[scheme], k=k)
    return np.asarray(c.yb, dtype=int), [float(b) for b in c.bins]


def choropleth(table: ProtectedTable, geoms: gpd.GeoDataFrame, options: MapOptions | None = None) -> Figure:
    """A choropleth figure with classed colours, hatched suppressed areas and the full legend and notes."""
    o = options or MapOptions()
    frame = map_frame(table, geoms, o.fixed)
    with plt.rc_context(rc_for(o.lang)):
        fig, ax = plt.subplots(figsize=o.size, dpi=100)
        ax.set_axis_off()
        handles = _draw_classes(ax, frame, o)
        handles += _draw_suppressed(ax, frame, table, o.lang)
        rest = frame[frame["status"] == "no_data"]
        if len(rest):
            rest.plot(ax=ax, color=NO_DATA, edgecolor="white", linewidth=0.3, gid="no-data-areas")
            handles.append(Patch(facecolor=NO_DATA, edgecolor="white", label=ui(o.lang, "no_data")))
        for h in handles:
            h.set_label(display(str(h.get_label())))
        title = ax.set_title(display(o.title or table.title or table.name), fontsize=13, loc="left")
        title.set_gid("map-title")
        legend_title = ui(o.lang, "classes", scheme=ui(o.lang, o.scheme), k=_n_classes(handles))
        legend = ax.legend(handles=handles, title=display(legend_title),
                           loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, title_fontsize=8,
                           frameon=False)
        legend.set_gid("map-legend")
        _notes(fig, table, o)
    return fig


def _n_classes(handles: list[Patch]) -> int:
    return sum(1 for h in handles if h.get_gid() == "class")


def _draw_classes(ax: plt.Axes, frame: gpd.GeoDataFrame, o: MapOptions) -> list[Patch]:
    shown = frame[frame["status"] == "value"]
    if shown.empty:
        return []
    yb, bins = classify(shown["value"].to_numpy(dtype=float), o.scheme, o.k)
    colours = [matplotlib.colors.to_hex(c) for c in plt.get_cmap(PALETTE)(np.linspace(0.15, 0.95, len(bins)))]
    shown.plot(
        ax=ax, color=[colours[i] for i in yb], edgecolor="white", linewidth=0.3, gid="value-areas"
    )
    lows = [float(shown["value"].min()), *bins[:-1]]
    handles = []
    for i, (lo, hi) in enumerate(zip(lows, bins, strict=True)):
        text = _fmt(hi, o.lang) if round(lo) == round(hi) else f"{_fmt(lo, o.lang)} – {_fmt(hi, o.lang)}"
        p = Patch(facecolor=colours[i], edgecolor="#888888", label=text)
        p.set_gid("class")
        handles.append(p)
    return handles


def _draw_suppressed(ax: plt.Axes, frame: gpd.GeoDataFrame, table: ProtectedTable, lang: str) -> list[Patch]:
    handles = []
    k = table.policy.min_count
    for flag, hatch, key in ((PRIMARY, "////", "suppressed_primary"), (SECONDARY, "\\\\\\\\", "suppressed_secondary")):
        part = frame[frame["status"] == flag]
        if part.empty:
            continue
        part.plot(ax=ax, facecolor=SUPPRESSED_FACE, edgecolor=SUPPRESSED_EDGE, hatch=hatch, linewidth=0.3,
                  gid=f"suppressed-areas-{flag}")
        handles.append(Patch(facecolor=SUPPRESSED_FACE, edgecolor=SUPPRESSED_EDGE, hatch=hatch, label=ui(lang, key, k=k)))
    return handles


def disclosure_note(table: ProtectedTable, lang: str) -> str:
    """The disclosure sentence(s) every output carries."""
    method = ui(lang, f"method_{table.policy.method}")
    note = ui(lang, "disclosure", method=method, k=table.policy.min_count)
    if (table.cells["flag"] == PERTURBED).any():
        note += " " + ui(lang, "perturbed")
    return note


def _notes(fig: Figure, table: ProtectedTable, o: MapOptions) -> None:
    day = format_date(o.date or dt.date.today(), format="long", locale=o.lang)
    lines = [ui(o.lang, "source", source=o.source) + "    " + ui(o.lang, "date", date=day), disclosure_note(table, o.lang)]
    # One block anchored at the bottom: a note that wraps onto more lines grows upwards, never over another.
    fig.text(0.02, 0.01, "\n".join(display(line) for line in lines), fontsize=7.5, color="#333333",
             gid="map-notes", wrap=True, va="bottom", linespacing=1.4)


def write_map(table: ProtectedTable, geoms: gpd.GeoDataFrame, out: Path, options: MapOptions | None = None) -> Path:
    """Save the choropleth as SVG or PNG (by suffix), with no timestamp so equal inputs give equal files."""
    fig = choropleth(table, geoms, options)
    fmt = out.suffix.lstrip(".").lower() or "svg"
    meta = {"Date": None} if fmt == "svg" else {}
    with plt.rc_context(rc_for((options or MapOptions()).lang)):
        fig.savefig(out, format=fmt, metadata=meta, bbox_inches="tight", dpi=150 if fmt == "png" else 100)
    plt.close(fig)
    return out


def svg_text(table: ProtectedTable, geoms: gpd.GeoDataFrame, options: MapOptions | None = None) -> str:
    """The SVG document as text, for inlining into HTML."""
    import io

    fig = choropleth(table, geoms, options)
    buf = io.StringIO()
    with plt.rc_context(rc_for((options or MapOptions()).lang)):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def geometries_for(con: object, codes: list[str]) -> gpd.GeoDataFrame:
    """Active geometries of the admin level that holds most of `codes` (one country, one level)."""
    from atlas.geo.boundaries import active_geometries

    rows = con.execute(  # type: ignore[attr-defined]
        """SELECT a.country, a.level, count(*) AS n FROM geo_areas a JOIN geo_sets s USING (set_id)
           WHERE s.active AND list_contains(?, a.pcode) GROUP BY ALL ORDER BY n DESC, a.level DESC LIMIT 1""",
        [codes],
    ).fetchall()
    if not rows:
        raise RejectedInput("no boundaries match the areas of this table",
                            issues=[Issue("no-geometries", "import boundaries with `atlas geo import`")])
    return active_geometries(con, rows[0][0], int(rows[0][1]))  # type: ignore[arg-type]


def geometries_at(con: object, table: ProtectedTable, level: int) -> gpd.GeoDataFrame:
    """Active geometries of one admin level for the country of the table's areas."""
    from atlas.geo.boundaries import active_geometries

    dim = area_dimension_name(table)
    codes = [c for c in table.dimension(dim).parent if c != TOTAL]
    row = con.execute(  # type: ignore[attr-defined]
        """SELECT a.country FROM geo_areas a JOIN geo_sets s USING (set_id)
           WHERE s.active AND list_contains(?, a.pcode) GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""",
        [codes],
    ).fetchone()
    if row is None:
        raise RejectedInput("no boundaries match the areas of this table", issues=[Issue("no-geometries", dim)])
    return active_geometries(con, row[0], level)  # type: ignore[arg-type]


def _workspace_geometries(table: ProtectedTable) -> gpd.GeoDataFrame:
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    dim = area_dimension_name(table)
    codes = [c for c in table.dimension(dim).leaves() if c != TOTAL]
    with Workspace.open(Settings()).connect(read_only=True) as con:  # type: ignore[call-arg]
        return geometries_for(con, codes)


class MapRenderer:
    """Registered map format; geometries come from the active workspace unless a source is given."""

    media_types: ClassVar[dict[str, str]] = {"svg": "image/svg+xml", "png": "image/png"}

    def __init__(self, fmt: str = "svg", geometry: GeometrySource | None = None,
                 options: MapOptions | None = None) -> None:
        self.name = f"map-{fmt}"
        self.suffix = f".map.{fmt}"
        self.media_type = self.media_types[fmt]
        self._fmt = fmt
        self._geometry = geometry or _workspace_geometries
        self._options = options

    def render(self, table: ProtectedTable, out: Path) -> Path:
        target = out if out.suffix.lower() == f".{self._fmt}" else out.with_suffix(f".{self._fmt}")
        return write_map(table, self._geometry(table), target, self._options)
