"""Append Arrow tables to one CSV or Parquet file, so generation never holds more than a block in memory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from atlas.errors import RejectedInput

if TYPE_CHECKING:
    from atlas.demo.columns import Column


UNSAFE = (",", '"', "\n", "\r")


def needs_quotes(labels: Sequence[str]) -> bool:
    """True when any label would break an unquoted CSV field."""
    return any(ch in str(label) for label in labels for ch in UNSAFE)


class TableSink:
    """Context manager writing tables of a fixed schema to `path` as csv or parquet.

    `quote=False` writes plain fields (smaller, like most exports) and is only safe when the caller
    knows no value holds a comma, quote or newline.
    """

    def __init__(self, path: Path, fmt: str, columns: Sequence[Column], *, quote: bool = True):
        if fmt not in ("csv", "parquet"):
            raise RejectedInput(f"format must be csv or parquet, not {fmt!r}")
        self.path = Path(path)
        self.fmt = fmt
        self.quote = quote
        self.schema = pa.schema([pa.field(c.name, c.type) for c in columns])
        self._writer: pacsv.CSVWriter | pq.ParquetWriter | None = None

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "csv":
            style = "needed" if self.quote else "none"
            options = pacsv.WriteOptions(quoting_style=style)
            self._writer = pacsv.CSVWriter(str(self.path), self.schema, write_options=options)
        else:
            self._writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")
        return self

    def write(self, table: pa.Table) -> None:
        assert self._writer is not None
        self._writer.write_table(table.cast(self.schema) if table.schema != self.schema else table)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._writer is not None:
            self._writer.close()
