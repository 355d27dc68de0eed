"""Charts of protected tables as Vega-Lite (Altair), rendered offline to SVG/PNG by vl-convert.

A suppressed value is a gap with a marker and a note, never a zero bar and never interpolated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc

from atlas.errors import Issue, RejectedInput
from atlas.outputs.maps import disclosure_note
from atlas.outputs.narrative.phrases import ui
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.protection.protected import ProtectedTable

FEMALE, MALE = "#c1272d", "#0000a7"  # red/blue pair distinguishable with common colour-vision deficiencies
BAR = "#1f6f8b"
FONT = "DejaVu Sans"


def _cells_along(table: ProtectedTable, keep: list[str], fixed: Mapping[str, str] | None) -> pd.DataFrame:
    cells = table.cells
    mask = np.ones(len(cells), dtype=bool)
    for d in table.dimensions:
        if d.name not in keep:
            mask &= (cells[d.name] == dict(fixed or {}).get(d.name, TOTAL)).to_numpy()
    out = cells.loc[mask].copy()
    out["suppressed"] = out["flag"].isin([PRIMARY, SECONDARY])
    out.loc[out["suppressed"], "value"] = np.nan
    return out


def _need(table: ProtectedTable, *names: str) -> None:
    missing = [n for n in names if n not in table.dim_names]
    if missing:
        raise RejectedInput(f"this chart needs dimensions {', '.join(missing)}",
                            issues=[Issue("chart-dimensions", f"table has {', '.join(table.dim_names)}")])


def _footer(table: ProtectedTable, lang: str, gaps: bool) -> list[str]:
    lines = [disclosure_note(table, lang)]
    if gaps:
        lines.insert(0, ui(lang, "gaps", k=table.policy.min_count))
    return lines


def pyramid(table: ProtectedTable, *, age: str = "age", sex: str = "sex", lang: str = "en",
            fixed: Mapping[str, str] | None = None, title: str | None = None) -> alt.TopLevelMixin:
    """Population pyramid: leaves of the age dimension, women right and men left; suppressed bars are gaps."""
    _need(table, age, sex)
    dim = table.dimension(age)
    leaves = [c for c in dim.leaves() if c != "unknown"]
    d = _cells_along(table, [age, sex], fixed)
    d = d[d[sex].isin(["female", "male"]) & d[age].isin(leaves)]
    d = d.assign(
        band=d[age].map(lambda c: dim.labels.get(c, c)),
        side=d[sex].map({"female": ui(lang, "female"), "male": ui(lang, "male")}),
        signed=np.where(d[sex] == "male", -d["value"], d["value"]),
    )
    order = [dim.labels.get(c, c) for c in reversed(leaves)]
    base = alt.Chart(d).encode(y=alt.Y("band:O", sort=order, title=ui(lang, "age")))
    bars = base.mark_bar().encode(
        x=alt.X("signed:Q", title=ui(lang, "count"), axis=alt.Axis(labelExpr="abs(datum.value)")),
        color=alt.Color("side:N", scale=alt.Scale(domain=[ui(lang, "male"), ui(lang, "female")], range=[MALE, FEMALE]),
                        legend=alt.Legend(title=None, orient="top")),
    ).transform_filter("isValid(datum.signed)")
    gaps = _gap_marks(base, d, "side", lang, table)
    gaps_exist = bool(d["suppressed"].any())
    return alt.layer(bars, gaps).properties(
        width=420, height=260,
        title=alt.TitleParams(title or table.title or table.name, subtitle=_footer(table, lang, gaps_exist),
                              anchor="start", subtitleFontSize=9),
    ).configure(font=FONT)


def _gap_marks(base: alt.Chart, d: pd.DataFrame, by: str, lang: str, table: ProtectedTable) -> alt.Chart:
    """A hollow marker at zero with a tooltip where a value is suppressed (a gap, not a zero bar)."""
    label = ui(lang, "suppressed_primary", k=table.policy.min_count)
    return base.transform_filter("datum.suppressed").mark_text(text="×", fontSize=12, color="#555555").encode(
        x=alt.datum(0), detail=f"{by}:N", tooltip=[alt.Tooltip(f"{by}:N"), alt.Tooltip("flag:N", title=label)],
    )


def nationality_bars(table: ProtectedTable, *, nationality: str = "nationality", area: str | None = None,
                     area_code: str = TOTAL, top: int = 12, lang: str = "en",
                     fixed: Mapping[str, str] | None = None, title: str | None = None) -> alt.TopLevelMixin:
    """Horizontal bars of the nationalities in one area, largest first; suppressed ones are marked gaps."""
    _need(table, nationality)
    keep = {**dict(fixed or {}), **({area: area_code} if area else {})}
    dim = table.dimension(nationality)
    d = _cells_along(table, [nationality], keep)
    d = d[d[nationality].isin([c for c in dim.leaves() if c != TOTAL])]
    d = d.assign(label=d[nationality].map(lambda c: dim.labels.get(c, c)),
                 rank=d["value"].fillna(-1)).sort_values("rank", ascending=False).head(top)
    base = alt.Chart(d).encode(y=alt.Y("label:N", sort=list(d["label"]), title=ui(lang, "nationality")))
    bars = base.mark_bar(color=BAR).encode(x=alt.X("value:Q", title=ui(lang, "count"))).transform_filter(
        "isValid(datum.value)")
    gaps = _gap_marks(base, d, "label", lang, table)
    return alt.layer(bars, gaps).properties(
        width=420, height=max(80, 18 * len(d)),
        title=alt.TitleParams(title or table.title or table.name,
                              subtitle=_footer(table, lang, bool(d["suppressed"].any())), anchor="start",
                              subtitleFontSize=9),
    ).configure(font=FONT)


def to_svg(chart: alt.TopLevelMixin) -> str:
    """SVG text of a chart, rendered without any network access."""
    return str(vlc.vegalite_to_svg(chart.to_json()))


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """PNG bytes of a chart, rendered without any network access."""
    return bytes(vlc.vegalite_to_png(chart.to_json(), scale=scale))


def write_chart(chart: alt.TopLevelMixin, out: Path) -> Path:
    """Write SVG, PNG or the Vega-Lite JSON spec, by suffix."""
    fmt = out.suffix.lower()
    if fmt == ".png":
        out.write_bytes(to_png(chart))
    elif fmt == ".json":
        out.write_text(chart.to_json(), encoding="utf-8")
    else:
        out.write_text(to_svg(chart), encoding="utf-8")
    return out


class ChartRenderer:
    """Registered chart format (`pyramid-svg`, `nationality-bars-png`...)."""

    _kinds: ClassVar[dict[str, object]] = {"pyramid": pyramid, "nationality-bars": nationality_bars}
    _media: ClassVar[dict[str, str]] = {"svg": "image/svg+xml", "png": "image/png"}

    def __init__(self, kind: str, fmt: str = "svg", lang: str = "en") -> None:
        self.name = f"{kind}-{fmt}"
        self.suffix = f".{kind}.{fmt}"
        self.media_type = self._media[fmt]
        self._kind, self._fmt, self._lang = kind, fmt, lang

    def render(self, table: ProtectedTable, out: Path) -> Path:
        target = out if out.suffix.lower() == f".{self._fmt}" else out.with_suffix(f".{self._fmt}")
        chart = self._kinds[self._kind](table, lang=self._lang)  # type: ignore[operator]
        return write_chart(chart, target)
