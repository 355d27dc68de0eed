"""XLSX for people: a readable sheet with labels and a suppression symbol, the data sheet, and a notes sheet.

Every text is written as a string and any text starting with = + - @ tab or CR is prefixed with an
apostrophe (OWASP CSV/formula injection advice), so nothing can run as a formula, even after re-export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from atlas.errors import Issue, RejectedInput
from atlas.outputs.jsonfile import FLAG_LEGEND
from atlas.outputs.structure import structure
from atlas.protection.protected import ProtectedTable

SUPPRESSED_SYMBOL = "x"
MAX_ROWS = 1_048_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> str:
    """Text that no spreadsheet will treat as a formula."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(FORMULA_START) else s


class XlsxRenderer:
    name = "xlsx"
    suffix = ".xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        if len(table) > MAX_ROWS:
            raise RejectedInput(
                "table too large for a spreadsheet",
                issues=[Issue("xlsx-too-large", f"{len(table)} cells", hint="use csv or json")],
            )
        wb = xlsxwriter.Workbook(
            str(out),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": True,
            },
        )
        try:
            fmt = {
                "title": wb.add_format({"bold": True, "font_size": 13}),
                "head": wb.add_format({"bold": True, "bottom": 1, "text_wrap": True}),
                "num": wb.add_format({"num_format": "#,##0" if table.measure == "count" else "#,##0.0"}),
                "sym": wb.add_format({"align": "right"}),
                "note": wb.add_format({"italic": True}),
            }
            self._table_sheet(wb, table, fmt)
            self._data_sheet(wb, table, fmt)
            self._notes_sheet(wb, table, fmt)
        finally:
            wb.close()
        return out

    def _table_sheet(self, wb: xlsxwriter.Workbook, t: ProtectedTable, fmt: dict[str, Any]) -> None:
        ws = wb.add_worksheet("Table")
        nd = len(t.dim_names)
        ws.set_column(0, nd - 1, 28)
        ws.set_column(nd, nd + 1, 12)
        ws.freeze_panes(3, 0)
        ws.write_string(0, 0, safe_text(t.title or t.name), fmt["title"])
        for j, h in enumerate([*t.dim_names, "Value", "Flag"]):
            ws.write_string(2, j, safe_text(h), fmt["head"])
        cells = t.cells
        labels = [
            cells[d.name]
            .map({c: safe_text("  " * d.level(c) + d.labels.get(c, c)) for c in d.parent})
            .to_numpy()
            for d in t.dimensions
        ]
        values, missing, flags = _columns(cells)
        ws_str, ws_num = ws.write_string, ws.write_number
        sym, num = fmt["sym"], fmt["num"]
        for i in range(len(cells)):
            r = 3 + i
            for j in range(nd):
                ws_str(r, j, labels[j][i])
            if missing[i]:
                ws_str(r, nd, SUPPRESSED_SYMBOL, sym)
            else:
                ws_num(r, nd, values[i], num)
            ws_str(r, nd + 1, flags[i])
        r = 4 + len(cells)
        ws.write_string(r, 0, safe_text(f"{SUPPRESSED_SYMBOL}: suppressed for confidentiality."), fmt["note"])
        for k, (flag, text) in enumerate((f, x) for f, x in FLAG_LEGEND.items() if f):
            ws.write_string(r + 1 + k, 0, safe_text(f"Flag {flag}: {text}"), fmt["note"])
        for k, note in enumerate(t.notes):
            ws.write_string(r + 1 + len(FLAG_LEGEND) + k, 0, safe_text(note), fmt["note"])

    def _data_sheet(self, wb: xlsxwriter.Workbook, t: ProtectedTable, fmt: dict[str, Any]) -> None:
        ws = wb.add_worksheet("Data")
        nd = len(t.dim_names)
        for j, h in enumerate([*t.dim_names, "value", "flag"]):
            ws.write_string(0, j, safe_text(h), fmt["head"])
        cells = t.cells
        codes = [
            cells[d].map({c: safe_text(c) for c in t.dimension(d).parent}).to_numpy() for d in t.dim_names
        ]
        values, missing, flags = _columns(cells)
        ws_str, ws_num = ws.write_string, ws.write_number
        for i in range(len(cells)):
            for j in range(nd):
                ws_str(i + 1, j, codes[j][i])
            if not missing[i]:
                ws_num(i + 1, nd, values[i])
            ws_str(i + 1, nd + 1, flags[i])

    def _notes_sheet(self, wb: xlsxwriter.Workbook, t: ProtectedTable, fmt: dict[str, Any]) -> None:
        ws = wb.add_worksheet("Notes")
        doc = structure(t)
        rows = [
            ("Table", t.name),
            ("Title", t.title or ""),
            ("Measure", t.measure),
            ("Suppression symbol", SUPPRESSED_SYMBOL),
            *((f"Flag '{k}'", v) for k, v in FLAG_LEGEND.items()),
            *(("Note", n) for n in t.notes),
            ("Disclosure policy", json.dumps(doc["policy"], ensure_ascii=False)),
            ("Method details", json.dumps(doc["method_details"], ensure_ascii=False)),
            ("Audit", json.dumps(doc["audit"], ensure_ascii=False)),
        ]
        for i, (k, v) in enumerate(rows):
            ws.write_string(i, 0, safe_text(k), fmt["head"])
            ws.write_string(i, 1, safe_text(v))
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 100)


def _columns(cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values as floats, which are missing (suppressed), and flags made safe, computed once per column."""
    missing = cells["value"].isna().to_numpy()
    values = cells["value"].astype("Float64").fillna(0).to_numpy(dtype=float)
    flags = cells["flag"].fillna("").astype(str).map(safe_text).to_numpy()
    return values, missing, flags
