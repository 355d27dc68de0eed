"""CSV of the output contract: one row per cell, `_T` totals, empty value when suppressed, flag."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.outputs.registry import render
from atlas.protection.cube import TOTAL
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import compute_margins


def test_csv_contract(table: ProtectedTable, tmp_path: Path) -> None:
    out = render(table, "csv", tmp_path)
    assert out == tmp_path / "demo.csv"
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == ["area", "sex", "value", "flag"]
    assert rows[0]["area"] == TOTAL and rows[0]["sex"] == TOTAL and rows[0]["value"] == "63"
    suppressed = [r for r in rows if r["flag"] in ("p", "s")]
    assert suppressed and all(r["value"] == "" for r in suppressed)
    assert len(rows) == len(table) == 6 * 3


def test_perturbed_table_has_no_symbol(tmp_path: Path) -> None:
    fin = pd.DataFrame({"sex": ["male", "female"], "n": [30, 40], "ckey": [0.2, 0.9]})
    t = protect(
        compute_margins(fin, [flat_dimension("sex", ["female", "male"])]), DisclosurePolicy(method="cell_key")
    )
    rows = list(csv.DictReader(render(t, "csv", tmp_path).open(encoding="utf-8")))
    assert all(r["flag"] == "c" and r["value"] != "" for r in rows)
    assert np.isclose(sum(int(r["value"]) for r in rows[1:]), 70, atol=8)


def test_formula_like_codes_neutralised(table: ProtectedTable, tmp_path: Path) -> None:
    rows = list(csv.DictReader(render(table, "csv", tmp_path).open(encoding="utf-8", newline="")))
    areas = {r["area"] for r in rows}
    assert "'=HYPERLINK(1)" in areas and "=HYPERLINK(1)" not in areas
