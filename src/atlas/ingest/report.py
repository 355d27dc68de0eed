"""The validation report: every rejected value with file, row, column, value, rule and hint, as CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb

from atlas.outputs.xlsxfile import FORMULA_START

APOSTROPHE = "chr(39)"


def default_report_path(source: Path) -> Path:
    """Next to the input file: the report holds values of that file only, so it exposes nothing new.

    Reports are never written inside the workspace, which holds no plaintext personal data.
    """
    return source.with_name(source.stem + ".issues.csv")


def _safe(col: str) -> str:
    """Stop spreadsheet formula execution when the report is opened (OWASP CSV injection), in SQL."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)
    return f"CASE WHEN left({col}, 1) IN ({starts}) THEN {APOSTROPHE} || {col} ELSE {col} END"


def write_report(con: duckdb.DuckDBPyConnection, batch_id: int, path: Path) -> Path:
    """Stream every issue of a batch to CSV (values neutralised against formula execution)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = str(path).replace("'", "''")
    con.execute(f"""
        COPY (SELECT file, row_number AS row, column_name AS column, {_safe('value')} AS value, code AS rule,
                     message, {_safe('hint')} AS hint
              FROM issues WHERE batch_id = {int(batch_id)} ORDER BY row_number, column_name)
        TO '{target}' (HEADER, DELIMITER ',')""")
    return path
