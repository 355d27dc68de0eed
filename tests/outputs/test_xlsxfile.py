"""XLSX: readable sheet with the suppression symbol, and no text that can run as a formula."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from atlas.outputs.registry import render
from atlas.outputs.xlsxfile import SUPPRESSED_SYMBOL, safe_text
from atlas.protection.protected import ProtectedTable


def test_xlsx_readable_and_formula_safe(table: ProtectedTable, tmp_path: Path) -> None:
    out = render(table, "xlsx", tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Table", "Data", "Notes"]
    every = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in every)
    texts = [c.value for c in every if isinstance(c.value, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    assert "'=HYPERLINK(1)" in texts
    table_vals = [row[2].value for row in wb["Table"].iter_rows(min_row=4, max_row=3 + len(table))]
    assert SUPPRESSED_SYMBOL in table_vals and 63 in table_vals


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-2", "'-2"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok", "ok"),
        (None, ""),
    ],
)
def test_safe_text(raw: str | None, safe: str) -> None:
    assert safe_text(raw) == safe
