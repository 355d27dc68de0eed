"""CSV of the output contract: UTF-8, one row per cell, one column per dimension, `value` (empty if suppressed), `flag`."""

from __future__ import annotations

from pathlib import Path

from atlas.protection.protected import ProtectedTable


class CsvRenderer:
    name = "csv"
    suffix = ".csv"
    media_type = "text/csv"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        """Write the cells; missing values stay empty so no one reads a suppressed cell as 0."""
        cells = table.cells[[*table.dim_names, "value", "flag"]]
        cells.to_csv(out, index=False, encoding="utf-8", lineterminator="\n", na_rep="")
        return out
