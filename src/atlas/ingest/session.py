"""DuckDB settings an ingest changes only for the statements that need them, restored afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_NAME = re.compile(r"^[a-z_]+$")
_VALUE = re.compile(r"^[a-z0-9_,]*$")

BATCH_WRITES = {"disabled_compression_methods": "fsst,dictionary"}
"""While a batch writes the store, DuckDB tries only dictionary+FSST (and zstd) on strings, which is what it
picks anyway for these columns, instead of analysing plain FSST and the older dictionary too: same bytes on
disk (1M demo rows: 118 MB either way), ~0.4 CPU-s less per million rows."""


@contextmanager
def temporarily(con: duckdb.DuckDBPyConnection, settings: dict[str, str]) -> Iterator[None]:
    """Apply `settings` (our own names and values, never user input), then put back what was there."""
    for name, value in settings.items():
        if not _NAME.match(name) or not _VALUE.match(value):
            raise ValueError(f"unexpected setting {name}={value!r}")
    before = {name: con.execute("SELECT current_setting(?)", [name]).fetchone() for name in settings}
    for name, value in settings.items():
        con.execute(f"SET {name} = '{value}'")
    try:
        yield
    finally:
        for name, row in before.items():
            if row is None or row[0] in (None, ""):
                con.execute(f"RESET {name}")
            else:
                con.execute(f"SET {name} = '{row[0]}'")
