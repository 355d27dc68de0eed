"""SPSS (.sav) and Stata (.dta) via pyreadstat: value labels applied, read in chunks as Arrow batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyreadstat

from atlas.ingest.readers.sniff import file_facts
from atlas.ingest.readers.source import ROW_COLUMN, ReadLimits, Source, SourceColumn, build_columns, reject

_CHUNK_ROWS = 50_000
_READERS = {"sav": pyreadstat.read_sav, "dta": pyreadstat.read_dta}


def open_stat(path: Path, fmt: str, *, limits: ReadLimits) -> Source:
    """Read only the metadata now; rows stream when the relation is scanned."""
    read = _READERS[fmt]
    try:
        _, meta = read(str(path), metadataonly=True)
    except Exception as error:  # noqa: BLE001 -- pyreadstat raises its own untyped errors for any damaged file
        raise reject(path, "unreadable-file", f"the {fmt.upper()} file cannot be read: {str(error)[:300]}")
    if not meta.number_rows:
        raise reject(path, "no-data-rows", "the file has variables but no records")
    columns, issues = build_columns(path, list(meta.column_names), limits=limits)
    facts = file_facts(path)

    def relation(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        schema = pa.schema([(c.name, pa.string()) for c in columns] + [(ROW_COLUMN, pa.int64())])
        return con.from_arrow(pa.RecordBatchReader.from_batches(schema, _batches(path, fmt, columns, schema)))

    return Source(path=path, format=fmt, encoding=meta.file_encoding, delimiter=None, sha256=facts.sha256,
                  size=facts.size, columns=columns, issues=issues, factory=relation)


def _batches(path: Path, fmt: str, columns: list[SourceColumn], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    chunks = pyreadstat.read_file_in_chunks(
        _READERS[fmt], str(path), chunksize=_CHUNK_ROWS, apply_value_formats=True, formats_as_category=False
    )
    start = 0
    for frame, _meta in chunks:
        arrays = [_as_text(frame.iloc[:, i]) for i in range(len(columns))]
        rows = pa.array(range(start + 2, start + 2 + len(frame)), pa.int64())
        start += len(frame)
        yield pa.RecordBatch.from_arrays([*arrays, rows], schema=schema)


def _as_text(series: pd.Series) -> pa.Array:
    """Text as a person would read it: integral floats without `.0`, missing values as null."""
    if pd.api.types.is_float_dtype(series):
        integral = series.notna() & (series % 1 == 0) & (series.abs() < 2**53)
        text = series.astype("string")
        text[integral] = series[integral].astype("Int64").astype("string")
        return pa.array(text, pa.string(), from_pandas=True)
    if pd.api.types.is_datetime64_any_dtype(series):
        return pa.array(series.dt.strftime("%Y-%m-%dT%H:%M:%S"), pa.string(), from_pandas=True)
    return pa.array(series.astype("string"), pa.string(), from_pandas=True)
