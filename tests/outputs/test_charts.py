"""Charts: pyramid and nationality bars keep suppressed values as marked gaps, never zero bars."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from haiti_sample import haiti_table
from PIL import Image

from atlas.outputs.charts import ChartRenderer, nationality_bars, pyramid, to_png, to_svg, write_chart
from atlas.protection.cube import TOTAL

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def tables(_template_workspace: Path):
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    with Workspace.open(Settings(home=_template_workspace)).connect(read_only=True) as con:
        return (haiti_table(con, ("area", "age", "sex"), level="adm1", name="pyr"),
                haiti_table(con, ("area", "nationality"), level="adm1", name="nat"))


def _area_with_gaps(table) -> str:
    c = table.cells
    return str(c[(c["flag"].isin(["p", "s"])) & (c["area"] != TOTAL)]["area"].value_counts().index[0])


def _texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_pyramid_gaps_are_not_bars(tables) -> None:
    pyr, _ = tables
    area = _area_with_gaps(pyr)
    chart = pyramid(pyr, fixed={"area": area})
    spec = json.loads(chart.to_json())
    rows = next(iter(spec["datasets"].values()))
    gaps = [r for r in rows if r["suppressed"]]
    assert gaps and all(r["value"] is None and r["signed"] is None for r in gaps)
    svg = to_svg(chart)
    texts = _texts(svg)
    assert any("Gaps are suppressed values" in t for t in texts)
    assert texts.count("×") == len(gaps)
    bars = [p for p in ET.fromstring(svg).iter(f"{SVG}path") if "mark-rect" in (p.get("aria-roledescription") or "")]
    assert len(bars) == len(rows) - len(gaps) or len(bars) == 0  # bars drawn only for published values


def test_pyramid_languages(tables) -> None:
    pyr, _ = tables
    texts = _texts(to_svg(pyramid(pyr, lang="es")))
    assert "Mujeres" in texts and "Hombres" in texts and "Grupo de edad" in texts


def test_nationality_bars_png(tables, tmp_path: Path) -> None:
    _, nat = tables
    chart = nationality_bars(nat, area="area", area_code=_area_with_gaps(nat))
    png = to_png(chart)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert img.shape[1] > 400 and len(np.unique(img.reshape(-1, 3), axis=0)) > 5
    assert write_chart(chart, tmp_path / "n.svg").read_text().lstrip().startswith("<svg")


def test_chart_renderer(tables, tmp_path: Path) -> None:
    pyr, _ = tables
    out = ChartRenderer("pyramid", "png").render(pyr, tmp_path / "pyr")
    assert out.suffix == ".png" and out.stat().st_size > 5_000
