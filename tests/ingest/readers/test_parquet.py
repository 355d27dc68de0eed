"""Parquet read as text with record numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from atlas.ingest.readers import Source, open_source


def test_parquet(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]]
) -> None:
    path = tmp_path / "p.parquet"
    con.execute(f"COPY (SELECT range AS n, 'v' || range AS s FROM range(3)) TO '{path}'")
    source = open_source(path, con=con)
    assert rows(source) == [("0", "v0", 2), ("1", "v1", 3), ("2", "v2", 4)]
