"""Non-UTF-8 CSV (Latin-1, Windows-1252, UTF-16): decoded in memory by Arrow, never written out as plaintext."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from atlas.errors import Issue
from atlas.ingest.readers.layout import Layout
from atlas.ingest.readers.lines import scan_records
from atlas.ingest.readers.sniff import FileFacts
from atlas.ingest.readers.source import ROW_COLUMN, ReadLimits, Source, preview, reject

_ISSUE_CAP = 10_000
_BLOCK = 1 << 22


def open_transcoded_csv(
    path: Path, facts: FileFacts, encoding: str, delimiter: str, layout: Layout, limits: ReadLimits
) -> Source:
    """Find record shapes with the vectorised scanner, then stream Arrow batches that skip the bad ones."""
    records = scan_records(path, encoding, delimiter)
    data = slice(layout.skip_records, None)
    lines, fields, starts, lengths = (a[data] for a in (records.line, records.fields, records.start, records.length))
    width = len(layout.columns)
    unit = 2 if encoding.startswith("utf-16") else 1
    too_long = lengths * unit > limits.max_field_bytes
    if too_long.any():
        line = int(lines[np.argmax(too_long)])
        raise reject(path, "field-too-long", f"line {line} is longer than {limits.max_field_bytes} bytes",
                     row=line, hint="re-save the file as UTF-8 so oversized rows can be skipped one by one")
    good = fields == width
    if not good.any():
        raise reject(path, "no-data-rows" if len(lines) == 0 else "no-readable-rows",
                     "the file has a header but no data rows" if len(lines) == 0
                     else "no row of the file has the header's shape")
    issues = list(layout.issues) + _ragged_issues(path, encoding, lines, fields, starts, lengths, width)
    kept_lines = lines[good]
    block = int(max(_BLOCK, (lengths.max(initial=0) + 1) * unit * 2))
    return Source(
        path=path, format="hxl" if layout.hxl else "csv", encoding=encoding, delimiter=delimiter,
        sha256=facts.sha256, size=facts.size, columns=layout.columns, issues=issues,
        factory=lambda con: _relation(con, path, encoding, delimiter, layout, kept_lines, block),
    )


def _ragged_issues(
    path: Path, encoding: str, lines: np.ndarray, fields: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
    width: int,
) -> list[Issue]:
    bad = np.flatnonzero(fields != width)
    unit = 2 if encoding.startswith("utf-16") else 1
    issues = []
    with path.open("rb") as handle:
        for index in bad[:_ISSUE_CAP]:
            handle.seek(int(starts[index]) * unit)
            text = handle.read(min(int(lengths[index]), 400) * unit).decode(encoding, "replace")
            found = int(fields[index])
            issues.append(Issue(
                code="ragged-row",
                message=f"line {int(lines[index])}: {found} fields where the header has {width}; row skipped",
                file=str(path), row=int(lines[index]), value=preview(text),
            ))
    if len(bad) > _ISSUE_CAP:
        issues.append(Issue(code="too-many-issues", message=f"{len(bad) - _ISSUE_CAP} more rows skipped", file=str(path)))
    return issues


def _relation(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, delimiter: str, layout: Layout,
    kept_lines: np.ndarray, block: int,
) -> duckdb.DuckDBPyRelation:
    names = [c.name for c in layout.columns]
    schema = pa.schema([(n, pa.string()) for n in names] + [(ROW_COLUMN, pa.int64())])
    reader = pa.RecordBatchReader.from_batches(schema, _batches(path, encoding, delimiter, layout, kept_lines, block))
    return con.from_arrow(reader)


def _batches(
    path: Path, encoding: str, delimiter: str, layout: Layout, kept_lines: np.ndarray, block: int
) -> Iterator[pa.RecordBatch]:
    names = [c.name for c in layout.columns]
    stream = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            encoding=encoding, column_names=names, skip_rows=layout.skip_lines, block_size=block
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char='"', double_quote=True, newlines_in_values=True,
            invalid_row_handler=lambda _row: "skip",
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    done = 0
    for batch in stream:
        if done + batch.num_rows > len(kept_lines):
            raise RecordCountMismatch(f"{path.name}: Arrow parsed more rows than the record scanner found")
        rows = pa.array(kept_lines[done : done + batch.num_rows], pa.int64())
        done += batch.num_rows
        yield pa.RecordBatch.from_arrays([*batch.columns, rows], names=[*names, ROW_COLUMN])
    if done != len(kept_lines):
        raise RecordCountMismatch(f"{path.name}: Arrow parsed {done} rows, the record scanner {len(kept_lines)}")


class RecordCountMismatch(RuntimeError):
    """Row numbers would be wrong: stop the scan rather than attach a line to the wrong record."""
