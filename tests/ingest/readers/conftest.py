"""Fixtures for the reader tests: a DuckDB connection and small helpers to write and read files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from atlas.ingest.readers import Source


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.fixture
def rows(con: duckdb.DuckDBPyConnection) -> Callable[[Source], list[tuple]]:
    """All rows of a source in file order, `_row` last."""
    return lambda source: source.relation(con).order("_row").fetchall()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write bytes or text (in an encoding) to a file in tmp_path."""

    def _write(name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return path

    return _write
