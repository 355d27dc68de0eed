"""UTF-8 CSV/TSV/HXL through DuckDB's parallel reader, with exact physical line numbers and reject reports."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from atlas.errors import Issue
from atlas.ingest.readers.layout import Layout, find_layout
from atlas.ingest.readers.lines import scan_records
from atlas.ingest.readers.parked import Parked, park
from atlas.ingest.readers.sniff import SAMPLE_BYTES, FileFacts, detect_encoding, file_facts, sniff_delimiter
from atlas.ingest.readers.source import ROW_COLUMN, VALUE_PREVIEW, ReadLimits, Source, preview, reject
from atlas.ingest.readers.transcode import open_transcoded_csv
from atlas.ingest.session import BATCH_WRITES, temporarily

_SAFE = re.compile(r"^c_[a-z0-9_]+$")
_ISSUE_CAP = 10_000
_BUFFER_BYTES = 128 << 20
_REJECT_CODES = {
    "MISSING COLUMNS": ("ragged-row", "fewer fields than the header"),
    "TOO MANY COLUMNS": ("ragged-row", "more fields than the header"),
    "LINE SIZE OVER MAXIMUM": ("field-too-long", "record longer than the limit of {limit} bytes"),
    "INVALID ENCODING": ("undecodable-bytes", "bytes that are not valid UTF-8"),
    "INVALID UNICODE": ("undecodable-bytes", "bytes that are not valid UTF-8"),
    "UNQUOTED VALUE": ("malformed-quotes", "text after a closing quote"),
}


class _DuckDBRefused(Exception):
    """DuckDB's strict parser gave up on the whole file (e.g. mixed line endings): try Arrow's parser."""


@dataclass(frozen=True)
class _Dialect:
    """The explicit read_csv options: nothing left to DuckDB's sniffer."""

    path: str
    delimiter: str
    skip: int
    columns: tuple[str, ...]
    max_line_size: int

    def scan_sql(self, errors: str) -> tuple[str, list[object]]:
        if not all(_SAFE.match(name) for name in self.columns):
            raise ValueError("unsafe column name")
        struct = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in self.columns) + "}"
        sql = (
            "read_csv(?, auto_detect=false, header=false, skip=?, delim=?, quote='\"', escape='\"', "
            f"columns={struct}, strict_mode=true, null_padding=false, parallel=true, "
            f"max_line_size=?, buffer_size=?, encoding='utf-8', {errors})"
        )
        return sql, [self.path, self.skip, self.delimiter, self.max_line_size, self.buffer_size]

    @property
    def buffer_size(self) -> int:
        """Large read buffers make large batches: an order-keeping parse then appends whole row groups instead
        of merging small ones (1M rows: 2.8 instead of 3.7 CPU-s; 3M rows: 6.7 instead of 11.3). 128 MB rather
        than 64 MB: 1M rows 2.43 instead of 3.32 CPU-s, 3M rows 8.7 instead of 11.3 (min of 2-4, loaded machine;
        256 MB: 2.41 and 8.5). Threads still share each buffer (DuckDB hands out 8 MB boundaries)."""
        return max(_BUFFER_BYTES, 2 * self.max_line_size)


def open_delimited(
    path: Path, sample: bytes, *, limits: ReadLimits, header_row: int | None, con: duckdb.DuckDBPyConnection,
    keep: bool = True,
) -> Source:
    """Sniff encoding, delimiter and header; UTF-8 goes to DuckDB, other encodings through Arrow."""
    encoding = detect_encoding(path, sample)
    complete = len(sample) < SAMPLE_BYTES
    text = sample.decode(encoding, "replace").lstrip("\ufeff")
    if not text.strip():
        raise reject(path, "empty-file", "the file contains only blank lines")
    delimiter = sniff_delimiter(text, path.suffix.lower())
    layout = find_layout(path, text, delimiter, complete=complete, header_row=header_row, limits=limits)
    with ThreadPoolExecutor(max_workers=1) as pool:
        facts = pool.submit(file_facts, path)
        if encoding in {"utf-8", "utf-8-sig"}:
            try:
                return open_utf8_csv(path, facts, encoding, delimiter, layout, limits, con, keep=keep)
            except _DuckDBRefused:
                pass
        return open_transcoded_csv(path, facts.result(), encoding, delimiter, layout, limits)


def open_utf8_csv(
    path: Path, pending: Future[FileFacts], encoding: str, delimiter: str, layout: Layout, limits: ReadLimits,
    con: duckdb.DuckDBPyConnection, *, keep: bool = True,
) -> Source:
    """Parse once (while the file is hashed): the records go in file order into a temp table on `con`, the
    structural rejects into DuckDB's reject tables; the relation numbers the records from that table. With
    `keep` false (a throwaway connection) only the rejects are kept and the relation parses again."""
    dialect = _Dialect(
        str(path), delimiter, layout.skip_lines, tuple(c.name for c in layout.columns),
        max(limits.max_field_bytes, 1024),
    )
    parked = park(con, path.stat().st_size) if keep else None
    kept, rejects = _reject_scan(con, dialect, parked)
    try:
        return _opened(path, pending, encoding, delimiter, layout, limits, con, dialect, parked, kept, rejects)
    except BaseException:
        if parked is not None:
            parked.release()
        raise


def _opened(
    path: Path, pending: Future[FileFacts], encoding: str, delimiter: str, layout: Layout, limits: ReadLimits,
    con: duckdb.DuckDBPyConnection, dialect: _Dialect, parked: Parked | None, kept: int,
    rejects: list[tuple[int, str, str, str]],
) -> Source:
    facts = pending.result()
    if kept == 0 and not rejects:
        raise reject(path, "no-data-rows", "the file has a header but no data rows")
    reject_lines = _physical_lines(path, [r[0] for r in rejects])
    issues = list(layout.issues) + _reject_issues(path, rejects, reject_lines, limits)
    if kept == 0:
        raise reject(path, "no-readable-rows", "no row of the file has the header's shape", hint=issues[-1].message)
    physical = facts.newlines + (0 if facts.ends_with_newline or facts.size == 0 else 1)
    base = layout.first_data_line - 1
    if physical == base + kept + len(rejects):
        breakpoints = _regular_breakpoints(base, sorted(reject_lines))
    else:
        breakpoints, giants = _exact_breakpoints(path, encoding, dialect, layout, set(reject_lines), kept, limits)
        issues = sorted(issues + giants, key=lambda i: (i.row is not None, i.row or 0))
    return Source(
        path=path, format="hxl" if layout.hxl else "csv", encoding=encoding, delimiter=delimiter,
        sha256=facts.sha256, size=facts.size, columns=layout.columns, issues=issues,
        factory=lambda c: _relation(c, dialect, breakpoints, parked.table if parked and c is con else None),
        close=parked.release if parked else lambda: None,
    )


def _reject_scan(con: duckdb.DuckDBPyConnection, dialect: _Dialect,
                 parked: Parked | None) -> tuple[int, list[tuple[int, str, str, str]]]:
    """One parallel parse: kept records into the `parked` table (if any) in file order, so its rowid is the
    record's position; rejected ones into DuckDB's reject tables. Temp tables spill to the connection's temp
    directory, which the workspace encrypts; a parked file is encrypted itself."""
    token = uuid.uuid4().hex
    table, scan = f"atlas_rejects_{token}", f"atlas_scans_{token}"
    sql, params = dialect.scan_sql(f"store_rejects=true, rejects_table='{table}', rejects_scan='{scan}'")
    try:
        if parked is None:
            kept = con.execute(f"SELECT count(*) FROM {sql}", params).fetchall()[0][0]
        else:
            _ordered_copy(con, parked.table, f"SELECT {', '.join(dialect.columns)} FROM {sql}", params,
                          temp=parked.temp)
            kept = con.execute(f"SELECT count(*) FROM {parked.table}").fetchall()[0][0]
        try:
            rows = con.execute(
                f"SELECT line_byte_position, any_value(error_type), any_value(csv_line), any_value(column_name) "
                f"FROM {table} GROUP BY line_byte_position ORDER BY line_byte_position"
            ).fetchall()
        except duckdb.CatalogException:
            rows = []
    except duckdb.Error as error:
        if parked is not None:
            con.execute(f"DROP TABLE IF EXISTS {parked.table}")
            parked.release()
        raise _DuckDBRefused(str(error)) from error
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"DROP TABLE IF EXISTS {scan}")
    return int(kept), [(int(p), str(t), str(v or ""), str(c or "")) for p, t, v, c in rows]


def _ordered_copy(con: duckdb.DuckDBPyConnection, table: str, select: str, params: list[object], *,
                  temp: bool = True) -> None:
    """CREATE [TEMP] TABLE `table` AS `select` with insertion order kept: the parallel reader still runs on every
    thread, and the table's rowid is then the record's position in the file (no single-threaded window). A
    persistent table is compressed as it is written: only dictionary+FSST is tried on its strings (what it
    picks anyway on these columns), not plain FSST and the older dictionary as well."""
    settings = {"preserve_insertion_order": "true", **({} if temp else BATCH_WRITES)}
    with temporarily(con, settings):
        con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {table} AS {select}", params)


def _physical_lines(path: Path, positions: list[int]) -> list[int]:
    """Line of each reject from DuckDB's 1-based byte position, skipping line breaks glued in front."""
    if not positions:
        return []
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    lines, counted, line = [], 0, 1
    for position in positions:
        start = position - 1
        while start < len(raw) and raw[start] in (10, 13):
            start += 1
        line += int(np.count_nonzero(raw[counted:start] == 10))
        counted = start
        lines.append(line)
    return lines


def _reject_issues(
    path: Path, rejects: list[tuple[int, str, str, str]], lines: list[int], limits: ReadLimits
) -> list[Issue]:
    issues = []
    for (_, kind, text, column), line in zip(rejects[:_ISSUE_CAP], lines, strict=False):
        code, message = _REJECT_CODES.get(kind, ("malformed-row", kind.lower()))
        issues.append(Issue(
            code=code, message=f"line {line}: {message.format(limit=limits.max_field_bytes)}; row skipped",
            file=str(path), row=line, column=column or None, value=preview(text.lstrip("\r\n")),
        ))
    if len(rejects) > _ISSUE_CAP:
        issues.append(Issue(code="too-many-issues", message=f"{len(rejects) - _ISSUE_CAP} more rows skipped",
                            file=str(path)))
    return issues


def _regular_breakpoints(base: int, reject_lines: list[int]) -> pa.Table:
    """One record per line: kept row k sits at base + k + (rejected records before it)."""
    k_from = np.array([1] + [line - base - j + 1 for j, line in enumerate(reject_lines, start=1)], np.int64)
    shift = base + np.arange(len(reject_lines) + 1, dtype=np.int64)
    last = np.append(k_from[1:] != k_from[:-1], True)
    return _table(k_from[last], shift[last])


def _table(k_from: np.ndarray, shift: np.ndarray) -> pa.Table:
    return pa.table({"k_from": pa.array(k_from, pa.int64()), "shift": pa.array(shift, pa.int64())})


def _exact_breakpoints(
    path: Path, encoding: str, dialect: _Dialect, layout: Layout, rejected: set[int], kept: int, limits: ReadLimits
) -> tuple[pa.Table, list[Issue]]:
    """Quoted line breaks, blank lines or silently dropped giant lines: map rows with the record scanner."""
    records = scan_records(path, encoding, dialect.delimiter)
    data = slice(layout.skip_records, None)
    lines, starts, lengths = records.line[data], records.start[data], records.length[data]
    known = np.fromiter(rejected, np.int64, len(rejected))
    giant = (lengths > dialect.max_line_size) & ~np.isin(lines, known)
    issues = _giant_issues(path, lines[giant], starts[giant], limits)
    keep = ~np.isin(lines, known) & ~giant
    lines = lines[keep]
    if len(lines) != kept:
        raise reject(path, "inconsistent-structure",
                     f"the record structure is ambiguous ({len(lines)} records found, {kept} parsed)",
                     hint="check for unbalanced quotes")
    offsets = lines - np.arange(1, kept + 1, dtype=np.int64)
    change = np.flatnonzero(np.diff(offsets, prepend=offsets[0] - 1) != 0)
    return _table(change + 1, offsets[change]), issues


def _giant_issues(path: Path, lines: np.ndarray, starts: np.ndarray, limits: ReadLimits) -> list[Issue]:
    issues = []
    with path.open("rb") as handle:
        for line, start in zip(lines[:_ISSUE_CAP], starts[:_ISSUE_CAP], strict=True):
            handle.seek(int(start))
            head = handle.read(VALUE_PREVIEW * 4).decode("utf-8", "replace")
            issues.append(Issue(
                code="field-too-long", file=str(path), row=int(line), value=preview(head),
                message=f"line {int(line)}: record longer than the limit of {limits.max_field_bytes} bytes; row skipped",
            ))
    return issues


def _relation(con: duckdb.DuckDBPyConnection, dialect: _Dialect, breakpoints: pa.Table,
              numbered: str | None) -> duckdb.DuckDBPyRelation:
    """The records with their physical line: position in the numbered table plus the shift of its breakpoint.
    A connection other than the one that parsed the file numbers the records anew (same ordered copy)."""
    cols = ", ".join(dialect.columns)
    if numbered is None:
        numbered = f"atlas_numbered_{uuid.uuid4().hex}"
        scan, params = dialect.scan_sql("ignore_errors=true")
        _ordered_copy(con, numbered, f"SELECT {cols} FROM {scan}", params)
    if breakpoints.num_rows == 1:
        shift = int(breakpoints.column("shift")[0].as_py())
        return con.sql(f"SELECT {cols}, rowid + {1 + shift} AS {ROW_COLUMN} FROM {numbered}")
    name = f"atlas_lines_{uuid.uuid4().hex}"
    con.register(name, breakpoints)
    return con.sql(f"SELECT {cols}, d._k + b.shift AS {ROW_COLUMN} FROM (SELECT *, rowid + 1 AS _k FROM {numbered}) d "
                   f"ASOF JOIN {name} b ON d._k >= b.k_from")
