"""CSV of the output contract: UTF-8, one row per cell, one column per dimension, `value` (empty if suppressed), `flag`.

Codes that a spreadsheet would run as a formula (starting with = + - @ tab CR, e.g. free-text entry
points from a hostile source) get a leading apostrophe, as in the XLSX writer (OWASP CSV injection).
"""

from __future__ import annotations

from pathlib import Path

from atlas.outputs.xlsxfile import FORMULA_START, safe_text
from atlas.protection.protected import ProtectedTable


class CsvRenderer:
    name = "csv"
    suffix = ".csv"
    media_type = "text/csv"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        """Write the cells; missing values stay empty so no one reads a suppressed cell as 0."""
        cells = table.cells[[*table.dim_names, "value", "flag"]]
        for d in table.dimensions:
            if any(str(c).startswith(FORMULA_START) for c in d.parent):
                cells[d.name] = cells[d.name].map({c: safe_text(c) for c in d.parent})
        cells.to_csv(out, index=False, encoding="utf-8", lineterminator="\n", na_rep="")
        return out
