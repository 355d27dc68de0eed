"""Time series of stocks (lines) and arrivals (bars) from a protected table, as Vega-Lite rendered offline.

A suppressed period is a gap: the line breaks there (Vega-Lite's "break-paths" handling of null), a `×` sits
on the axis in its place and the subtitle says so. Nothing is interpolated across a gap and nothing is zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import altair as alt
import pandas as pd

from atlas.errors import Issue, RejectedInput
from atlas.outputs.charts import BAR, FONT, _cells_along, _footer
from atlas.outputs.narrative.phrases import ui
from atlas.protection.cube import TOTAL
from atlas.protection.protected import ProtectedTable

TIME_NAMES = ("period", "month", "quarter", "year", "arrival_year", "reference_period", "date")
SERIES = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")


def time_dimension(table: ProtectedTable, time: str | None = None) -> str:
    """The dimension holding periods: as named, else the first of the usual names."""
    name = time or next((n for n in TIME_NAMES if n in table.dim_names), None)
    if name is None or name not in table.dim_names:
        raise RejectedInput("the table has no time dimension",
                            issues=[Issue("time-dimension", f"table has {', '.join(table.dim_names)}",
                                          hint=f"name one of {', '.join(TIME_NAMES)} or pass time=")])
    return name


def series_frame(table: ProtectedTable, time: str, series: str | None,
                 fixed: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per period (and series code): value (null where suppressed), suppressed, labels; sorted by period."""
    keep = [time, *([series] if series else [])]
    d = _cells_along(table, keep, fixed)
    tdim = table.dimension(time)
    d = d[d[time].isin([c for c in tdim.leaves() if c not in (TOTAL, "unknown")])]
    if series:
        sdim = table.dimension(series)
        d = d[d[series].isin([c for c in sdim.leaves() if c != TOTAL])]
        d = d.assign(series=d[series].map(lambda c: sdim.labels.get(c, c)))
    else:
        d = d.assign(series="")
    d = d.assign(period=d[time].astype(str).map(lambda c: tdim.labels.get(c, c)))
    return d.sort_values([time]).reset_index(drop=True)


def time_series(table: ProtectedTable, *, time: str | None = None, series: str | None = None,
                kind: Literal["stock", "arrivals"] = "stock", lang: str = "en",
                fixed: Mapping[str, str] | None = None, title: str | None = None) -> alt.TopLevelMixin:
    """Stocks as lines with points, arrivals as bars; suppressed periods are marked gaps, never joined."""
    tname = time_dimension(table, time)
    d = series_frame(table, tname, series, fixed)
    order = list(dict.fromkeys(d["period"]))
    x = alt.X("period:O", sort=order, title=ui(lang, "period"), axis=alt.Axis(labelAngle=-45 if len(order) > 6 else 0))
    y = alt.Y("value:Q", title=ui(lang, kind), scale=alt.Scale(zero=True))
    colour = alt.Color("series:N", title=None, scale=alt.Scale(range=list(SERIES))) if series else alt.value(BAR)
    base = alt.Chart(d)
    if kind == "stock":
        line = base.mark_line(invalid="break-paths-filter-domains", strokeWidth=2).encode(x=x, y=y, color=colour,
                                                                                           detail="series:N")
        dots = base.mark_point(filled=True, size=28).encode(x=x, y=y, color=colour, tooltip=[
            alt.Tooltip("period:O", title=ui(lang, "period")), alt.Tooltip("series:N", title=" "),
            alt.Tooltip("value:Q", title=ui(lang, "value"), format=",")]).transform_filter("isValid(datum.value)")
        marks = [line, dots]
    else:
        offset = {"xOffset": alt.XOffset("series:N")} if series else {}
        marks = [base.mark_bar().encode(x=x, y=y, color=colour, **offset).transform_filter("isValid(datum.value)")]
    label = ui(lang, "suppressed_primary", k=table.policy.min_count)
    gaps = base.transform_filter("datum.suppressed").mark_text(text="×", fontSize=13, color="#555555", dy=-6).encode(
        x=x, y=alt.datum(0), tooltip=[alt.Tooltip("period:O"), alt.Tooltip("series:N", title=label)])
    return alt.layer(*marks, gaps).properties(
        width=max(320, 34 * len(order)), height=240,
        title=alt.TitleParams(title or table.title or table.name, subtitle=_footer(table, lang, bool(d["suppressed"].any())),
                              anchor="start", subtitleFontSize=9),
    ).configure(font=FONT)
