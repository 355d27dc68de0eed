"""File readers: one entry point, `open_source`, that recognises a file and returns a `Source`."""

from __future__ import annotations

from pathlib import Path

import duckdb

from atlas.ingest.readers.source import ReadLimits, Source, SourceColumn, reject

__all__ = ["ReadLimits", "Source", "SourceColumn", "open_source"]


DEFAULT_LIMITS = ReadLimits()


def open_source(
    path: Path,
    *,
    limits: ReadLimits = DEFAULT_LIMITS,
    sheet: str | None = None,
    header_row: int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Source:
    """Recognise the file's format and open it; raises `RejectedInput` when it cannot be read at all."""
    from atlas.ingest.readers import sniff

    path = Path(path)
    if not path.is_file():
        raise reject(path, "not-a-file", "no such file")
    size = path.stat().st_size
    if size == 0:
        raise reject(path, "empty-file", "the file is empty")
    if size > limits.max_file_bytes:
        raise reject(path, "file-too-large", f"{size} bytes, more than the limit of {limits.max_file_bytes}")
    sample = sniff.read_sample(path)
    fmt = sniff.detect_format(path, sample)
    keep = con is not None  # the caller's connection keeps the parsed records (its temp files are its own)
    con = con if con is not None else duckdb.connect()
    if fmt == "xlsx":
        from atlas.ingest.readers import xlsx

        return xlsx.open_xlsx(path, limits=limits, sheet=sheet, header_row=header_row)
    if fmt in {"json", "ndjson"}:
        from atlas.ingest.readers import json

        return json.open_json(path, fmt, limits=limits, con=con)
    if fmt == "parquet":
        from atlas.ingest.readers import parquet

        return parquet.open_parquet(path, limits=limits, con=con)
    if fmt in {"sav", "dta"}:
        from atlas.ingest.readers import stat

        return stat.open_stat(path, fmt, limits=limits)
    from atlas.ingest.readers import csv

    return csv.open_delimited(path, sample, limits=limits, header_row=header_row, con=con, keep=keep)
