"""Parquet through DuckDB: every column cast to text, `_row` from the file's own row numbers."""

from __future__ import annotations

from pathlib import Path

import duckdb

from atlas.ingest.readers.sniff import file_facts
from atlas.ingest.readers.source import ROW_COLUMN, ReadLimits, Source, build_columns, reject


def open_parquet(path: Path, *, limits: ReadLimits, con: duckdb.DuckDBPyConnection) -> Source:
    """Read the schema and row count from the footer; the data itself is scanned lazily."""
    try:
        schema = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]  # type: ignore[index]
    except duckdb.Error as error:
        raise reject(path, "unreadable-parquet", f"the Parquet file cannot be read: {str(error)[:300]}")
    if rows == 0:
        raise reject(path, "no-data-rows", "the file has columns but no data rows")
    originals = [str(r[0]) for r in schema]
    columns, issues = build_columns(path, originals, limits=limits)
    facts = file_facts(path)
    casts = ", ".join(
        f"CAST(#{i + 1} AS VARCHAR) AS {c.name}" for i, c in enumerate(columns)
    )

    def relation(c: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        return c.sql(
            f"SELECT {casts}, file_row_number + 2 AS {ROW_COLUMN} "
            "FROM (SELECT * EXCLUDE (file_row_number), file_row_number FROM read_parquet(?, file_row_number=true))",
            params=[str(path)],
        )

    return Source(path=path, format="parquet", encoding=None, delimiter=None, sha256=facts.sha256,
                  size=facts.size, columns=columns, issues=issues, factory=relation)
