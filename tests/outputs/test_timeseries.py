"""Time series: suppressed periods are gaps (null, never zero, never interpolated), marked and explained."""

from __future__ import annotations

import json

import pytest
from trends_sample import trend_table

from atlas.errors import RejectedInput
from atlas.outputs.charts import to_png, to_svg
from atlas.outputs.timeseries import series_frame, time_dimension, time_series


@pytest.fixture(scope="module")
def trend():
    return trend_table()


def test_frame_keeps_gaps_as_null(trend) -> None:
    d = series_frame(trend, "period", "sex")
    hidden = d[d["suppressed"]]
    assert len(hidden) >= 2 and hidden["value"].isna().all()
    assert list(d["period"].unique()) == sorted(d["period"].unique())
    with pytest.raises(RejectedInput):
        time_dimension(trend, "year")


def test_stock_line_breaks_at_gaps(trend) -> None:
    spec = json.loads(time_series(trend, series="sex").to_json())
    line = spec["layer"][0]
    assert line["mark"]["type"] == "line" and line["mark"]["invalid"] == "break-paths-filter-domains"
    values = next(iter(spec["datasets"].values()))
    assert any(v["value"] is None and v["suppressed"] for v in values)
    assert not any(v["value"] == 0 and v["suppressed"] for v in values)
    svg = to_svg(time_series(trend, series="sex"))
    assert "Gaps are suppressed values" in svg and "×" in svg


def test_arrivals_bars_in_french_png(trend) -> None:
    chart = time_series(trend, kind="arrivals", series="sex", lang="fr")
    assert "Arrivées" in to_svg(chart)
    png = to_png(chart)
    assert png[:4] == b"\x89PNG" and len(png) > 10_000
