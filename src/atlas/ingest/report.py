"""The validation report: every rejected value with file, row, column, value, rule and hint, as CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atlas.ingest.pipeline import IngestResult

FIELDS = ("file", "row", "column", "value", "rule", "message", "hint")


def neutralise(text: str | None) -> str:
    """Stop spreadsheet formula execution when the report is opened in Excel (OWASP CSV injection)."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text


def default_report_path(source: Path) -> Path:
    """Next to the input file: the report holds values of that file only, so it exposes nothing new.

    Reports are never written inside the workspace, which holds no plaintext personal data.
    """
    return source.with_name(source.stem + ".issues.csv")


def write_report(result: IngestResult, path: Path | None) -> Path | None:
    if path is None or (not result.issues and not result.notes):
        return None
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(FIELDS)
        for i in [*result.issues, *result.notes]:
            w.writerow([i.file, i.row or "", i.column or "", neutralise(i.value), i.code, i.message, neutralise(i.hint)])
    return path
