"""Route diagram (Sankey) of a protected route table, laid out here and drawn by Matplotlib, offline.

Columns are the route's legs; bands are the published flows of each leg (see `flows.segments`). A node's
height is the sum of its drawn bands; its label gives the published margin of the table, or "suppressed".
Suppressed flows have no band and are counted in the note.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from atlas.outputs.flows import (
    FlowOptions,
    _notes,
    hidden_notes,
    label_of,
    leg_words,
    route_legs,
    save_figure,
    segments,
)
from atlas.outputs.maps import _fmt, slice_at
from atlas.outputs.narrative.phrases import ui
from atlas.outputs.shaping import display, rc_for
from atlas.protection.cube import PRIMARY, SECONDARY
from atlas.protection.protected import ProtectedTable

NODE_W = 0.035
GAP = 0.025
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")


@dataclass
class Node:
    """A box in one column: position (bottom, height) and how much of its side bands already use."""

    code: str
    col: int
    size: float
    y: float = 0.0
    h: float = 0.0
    out_used: float = 0.0
    in_used: float = 0.0


def layout(flows: pd.DataFrame, n_cols: int, top: int) -> tuple[dict[tuple[int, str], Node], pd.DataFrame, float]:
    """Nodes stacked per column (largest first, at most `top`), bands kept between kept nodes; returns the scale."""
    size: dict[tuple[int, str], float] = {}
    for leg, side, col in ((flows["leg"], "src", 0), (flows["leg"], "dst", 1)):
        sums = flows.groupby([leg + col, flows[side]])["value"].sum()
        for key, v in sums.items():
            size[key] = max(size.get(key, 0.0), float(v))  # type: ignore[index]
    nodes = {k: Node(k[1], k[0], v) for k, v in size.items()}
    keep = set()
    for c in range(n_cols):
        kept = sorted((n for n in nodes.values() if n.col == c), key=lambda n: -n.size)[:top]
        keep |= {(n.col, n.code) for n in kept}
    nodes = {k: n for k, n in nodes.items() if k in keep}
    bands = flows[[((leg, s) in keep and (leg + 1, d) in keep)
                   for leg, s, d in zip(flows["leg"], flows["src"], flows["dst"], strict=True)]]
    totals = [sum(n.size for n in nodes.values() if n.col == c) for c in range(n_cols)]
    counts = [sum(1 for n in nodes.values() if n.col == c) for c in range(n_cols)]
    scale = min(((1 - GAP * max(k - 1, 0)) / t for t, k in zip(totals, counts, strict=True) if t > 0), default=1.0)
    for c in range(n_cols):
        y = 1.0
        for n in sorted((n for n in nodes.values() if n.col == c), key=lambda n: -n.size):
            n.h = n.size * scale
            n.y = y - n.h
            y = n.y - GAP
    return nodes, bands, scale


def _band(x0: float, y0: float, x1: float, y1: float, h: float) -> MplPath:
    xm = (x0 + x1) / 2
    verts = [(x0, y0), (xm, y0), (xm, y1), (x1, y1), (x1, y1 + h), (xm, y1 + h), (xm, y0 + h), (x0, y0 + h), (x0, y0)]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO, MplPath.CURVE4,
             MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    return MplPath(verts, codes)


def _offsets(rows: list, nodes: dict[tuple[int, str], Node], scale: float, *, out: bool) -> list[float]:
    """Bottom of each band at its source (out) or target side, stacked so that bands cross as little as possible."""
    here = [((r.leg, r.src) if out else (r.leg + 1, r.dst)) for r in rows]
    there = [((r.leg + 1, r.dst) if out else (r.leg, r.src)) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: (here[i], -nodes[there[i]].y))
    used: dict[tuple[int, str], float] = {}
    pos = [0.0] * len(rows)
    for i in order:
        n = nodes[here[i]]
        h = rows[i].value * scale
        pos[i] = n.y + n.h - used.get(here[i], 0.0) - h
        used[here[i]] = used.get(here[i], 0.0) + h
    return pos


def _margin_labels(table: ProtectedTable, legs: list[str], lang: str) -> dict[tuple[int, str], str]:
    """Each code's published margin ("suppressed" where it is not), from the table itself."""
    out = {}
    for c, leg in enumerate(legs):
        for code, value, flag in slice_at(table, leg).itertuples(index=False):
            out[(c, code)] = ui(lang, "flag_p") if flag in (PRIMARY, SECONDARY) else _fmt(value, lang)
    return out


def sankey(table: ProtectedTable, options: FlowOptions | None = None, top: int = 10) -> Figure:
    """The route diagram: one column per leg, bands by published flow, notes on what is left out."""
    o = options or FlowOptions()
    legs = route_legs(table, o.legs)
    seg = segments(table, legs, o.fixed)
    nodes, bands, scale = layout(seg.flows, len(legs), top)
    names = label_of(table, legs, o.lang)
    margins = _margin_labels(table, legs, o.lang)
    xs = np.linspace(0.0, 1.0 - NODE_W, len(legs))
    colour = {}
    for c in range(len(legs)):
        ranked = sorted((n for n in nodes.values() if n.col == c), key=lambda n: -n.size)
        colour.update({(c, n.code): PALETTE[i % len(PALETTE)] for i, n in enumerate(ranked)})
    with plt.rc_context(rc_for(o.lang)):
        fig, ax = plt.subplots(figsize=(4.2 * len(legs), 6.5), dpi=100)
        ax.set_axis_off()
        rows = list(bands.itertuples(index=False))
        starts = _offsets(rows, nodes, scale, out=True)
        ends = _offsets(rows, nodes, scale, out=False)
        for i, band in enumerate(rows):
            path = _band(xs[band.leg] + NODE_W, starts[i], xs[band.leg + 1], ends[i], band.value * scale)
            patch = PathPatch(path, facecolor=colour[(band.leg, band.src)], edgecolor="none", alpha=0.45)
            patch.set_gid(f"band-{i}")
            ax.add_patch(patch)
        for j, n in enumerate(nodes.values()):
            ax.add_patch(Rectangle((xs[n.col], n.y), NODE_W, n.h, facecolor="#333333", gid=f"node-{j}"))
            right = n.col < len(legs) - 1
            x = xs[n.col] + NODE_W + 0.008 if right else xs[n.col] - 0.008
            text = f"{names.get(n.code, n.code)} ({margins.get((n.col, n.code), '')})"
            ax.text(x, n.y + n.h / 2, display(text), va="center", ha="left" if right else "right", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
        for c, word in enumerate(leg_words(legs, o.lang)):
            ax.text(xs[c] + NODE_W / 2, 1.04, display(word), ha="center", fontsize=9.5,
                    fontweight="bold")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(min((n.y for n in nodes.values()), default=0) - 0.02, 1.08)
        ax.set_title(display(o.title or table.title or table.name), fontsize=13, loc="left").set_gid("sankey-title")
        hidden = len(seg.flows) - len(bands)
        _notes(fig, table, o, hidden_notes(seg, table, o.lang, hidden))
        fig.subplots_adjust(bottom=0.16)
    return fig


def write_sankey(table: ProtectedTable, out: Path, options: FlowOptions | None = None) -> Path:
    """Save the route diagram as SVG or PNG."""
    o = options or FlowOptions()
    return save_figure(sankey(table, o), out, o.lang)
