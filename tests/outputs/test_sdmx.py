"""SDMX-CSV: pysdmx reads it as it reads Eurostat's files; confidentiality flags follow SDMX codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas.outputs.registry import render
from atlas.protection.protected import ProtectedTable


def test_pysdmx_reads_it_like_eurostat(table: ProtectedTable, tmp_path: Path, shared_data: Path) -> None:
    io = pytest.importorskip("pysdmx.io")
    path = render(table, "sdmx", tmp_path)
    ours = io.read_sdmx(str(path)).data[0]
    eurostat = io.read_sdmx(str(shared_data / "migration" / "eurostat" / "asylum_applicants_total.csv")).data[0]
    assert type(ours) is type(eurostat)
    assert ours.short_urn == "Dataflow=ATLAS:DEMO(1.0)"
    frame = ours.data
    assert {"AREA", "SEX", "OBS_VALUE", "CONF_STATUS"} <= set(frame.columns) and len(frame) == len(table)
    flags = dict(zip(zip(table.cells["area"], table.cells["sex"]), table.cells["flag"], strict=True))
    for _, row in frame.iterrows():
        flag = flags[(row["AREA"].removeprefix("'"), row["SEX"])]
        assert row["CONF_STATUS"] == {"p": "C", "s": "D"}.get(flag, "F")
        if flag in ("p", "s"):
            assert row["OBS_VALUE"] in ("", None)


def test_dsd_lists_every_code_with_its_parent(table: ProtectedTable, tmp_path: Path) -> None:
    render(table, "sdmx", tmp_path)
    dsd = json.loads((tmp_path / "demo.dsd.json").read_text())
    area = next(d for d in dsd["dimensions"] if d["id"] == "AREA")
    assert {c["id"]: c["parent"] for c in area["codelist"]}["a1"] == "A"
