"""XLSX via openpyxl (read-only, defusedxml): bomb checks first, then header detection under title rows."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa

from atlas.errors import Issue
from atlas.ingest.readers.sniff import file_facts
from atlas.ingest.readers.source import ROW_COLUMN, ReadLimits, Source, SourceColumn, build_columns, reject

_SCAN_ROWS = 40
_BATCH_ROWS = 10_000
_MIN_BOMB_BYTES = 1 << 20


def check_zip(path: Path, limits: ReadLimits) -> None:
    """Refuse zip bombs from the declared sizes in the central directory, before any member is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise reject(path, "unreadable-xlsx", f"not a readable XLSX (ZIP) file: {error}")
    total = sum(m.file_size for m in members)
    if total > limits.max_xlsx_uncompressed:
        raise reject(path, "zip-bomb", f"declares {total} bytes uncompressed, above {limits.max_xlsx_uncompressed}")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _MIN_BOMB_BYTES and ratio > limits.max_xlsx_ratio:
            raise reject(path, "zip-bomb", f"member {member.filename} expands {ratio:.0f}x, above {limits.max_xlsx_ratio}x")


def open_xlsx(path: Path, *, limits: ReadLimits, sheet: str | None, header_row: int | None) -> Source:
    """First (or named) sheet; header row forced or detected; multi-row headers joined as `upper / lower`."""
    check_zip(path, limits)
    if not openpyxl.DEFUSEDXML:
        raise reject(path, "unsafe-xml", "defusedxml is not active for openpyxl; refusing to parse XLSX")
    workbook = _load(path)
    try:
        worksheet = _sheet(path, workbook, sheet)
        title = worksheet.title
        scan = max(_SCAN_ROWS, (header_row or 0) + 2)
        top = [tuple(r) for r in worksheet.iter_rows(min_row=1, max_row=scan, values_only=True)]
    finally:
        workbook.close()
    if not any(any(_present(v) for v in row) for row in top):
        raise reject(path, "empty-file", f"sheet {title!r} is empty")
    if header_row == 0:
        return _headerless(path, title, top, limits)
    header = header_row if header_row is not None else detect_header_row(top)
    if not 1 <= header <= len(top):
        raise reject(path, "bad-header-row", f"row {header} is outside the sheet's {len(top)} rows")
    tags = _tags(top, header)
    if tags is not None:
        main = [cell_text(v).strip() for v in top[header - 1]] if header - 1 < len(top) else []
        width = max(len(main), len(tags))
        main, tags = main + [""] * (width - len(main)), tags + [None] * (width - len(tags))
        headers = [m or (t or "") for m, t in zip(main, tags, strict=True)]
    else:
        headers = flatten_header(top, header)
    hxl = tags is not None
    if not any(_present(v) for row in top[header + hxl:] for v in row[: len(headers)]) and len(top) < scan:
        raise reject(path, "no-data-rows", "the sheet has a header but no data rows")
    columns, issues = build_columns(path, headers, tags, limits=limits)
    first_data = header + 2 if hxl else header + 1
    return _source(path, title, columns, issues, first_data)


def _headerless(path: Path, title: str, top: Sequence[Sequence[object]], limits: ReadLimits) -> Source:
    """`header_row=0`: every row is data, columns named by position."""
    width = max((i + 1 for row in top for i, v in enumerate(row) if _present(v)), default=0)
    columns, issues = build_columns(path, [""] * width, limits=limits)
    issues.append(Issue(code="no-header", message="no header row: columns are named by position", file=str(path)))
    return _source(path, title, columns, issues, 1)


def _source(path: Path, title: str, columns: list[SourceColumn], issues: list[Issue], first_data: int) -> Source:
    facts = file_facts(path)

    def relation(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        schema = pa.schema([(c.name, pa.string()) for c in columns] + [(ROW_COLUMN, pa.int64())])
        return con.from_arrow(pa.RecordBatchReader.from_batches(schema, _batches(path, title, first_data, schema)))

    return Source(path=path, format="xlsx", encoding=None, delimiter=None, sha256=facts.sha256, size=facts.size,
                  columns=columns, issues=issues, factory=relation)


def _load(path: Path) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 -- openpyxl raises many unrelated types for damaged packages
        raise reject(path, "unreadable-xlsx", f"the workbook cannot be opened: {str(error)[:300]}")


def _sheet(path: Path, workbook: openpyxl.Workbook, sheet: str | None):  # type: ignore[no-untyped-def]
    if sheet is None:
        return workbook.worksheets[0]
    if sheet not in workbook.sheetnames:
        raise reject(path, "no-such-sheet", f"no sheet {sheet!r}; sheets are {workbook.sheetnames}")
    return workbook[sheet]


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def detect_header_row(rows: Sequence[Sequence[object]]) -> int:
    """Excel row number of the header: the first row nearly as wide as the widest of the first rows."""
    from atlas.ingest.readers.hxl import is_hashtag_row

    for index, row in enumerate(rows):
        if is_hashtag_row([cell_text(v) for v in row]):
            return index if index > 0 else 1
    widths = [sum(_present(v) for v in row) for row in rows]
    widest = max(widths)
    for index, width in enumerate(widths):
        if width >= max(2, 0.6 * widest) and index + 1 < len(rows) and widths[index + 1] > 0:
            return index + 1
    return 1 + next(i for i, w in enumerate(widths) if w)


def flatten_header(rows: Sequence[Sequence[object]], header: int) -> list[str]:
    """Join the header with the header-like rows above it (2+ cells), carrying merged labels rightwards."""
    main = list(rows[header - 1])
    width = max((i + 1 for i, v in enumerate(main) if _present(v)), default=0)
    levels: list[list[str]] = []
    for row in reversed(rows[: header - 1]):
        filled = [i for i, v in enumerate(row[:width]) if _present(v)]
        if not filled:
            continue
        if len(filled) < 2:
            break
        carried, current = [], ""
        for i in range(width):
            value = row[i] if i < len(row) else None
            current = cell_text(value).strip() if _present(value) else ("" if i < filled[0] else current)
            carried.append(current)
        levels.insert(0, carried)
    texts = [cell_text(main[i]).strip() if i < len(main) and _present(main[i]) else "" for i in range(width)]
    return [" / ".join(p for p in [*(lvl[i] for lvl in levels), texts[i]] if p) for i in range(width)]


def _tags(rows: Sequence[Sequence[object]], header: int) -> list[str | None] | None:
    from atlas.ingest.readers.hxl import is_hashtag_row, normalise_tag

    if header < len(rows) and is_hashtag_row([cell_text(v) for v in rows[header]]):
        row = list(rows[header])
        width = max((i + 1 for i, v in enumerate(row) if _present(v)), default=0)
        return [normalise_tag(cell_text(v)) if _present(v) else None for v in row[:width]]
    return None


def cell_text(value: object) -> str:
    """A cell as text the way Excel shows it, without type guessing: 1990.0 -> '1990', dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    return str(value)


def _batches(path: Path, sheet: str, first: int, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    width = len(schema) - 1
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        columns: list[list[str | None]] = [[] for _ in range(width)]
        numbers: list[int] = []
        for number, row in enumerate(workbook[sheet].iter_rows(min_row=first, values_only=True), start=first):
            cells = [cell_text(v) if _present(v) else None for v in row[:width]]
            if not any(c is not None for c in cells):
                continue
            cells += [None] * (width - len(cells))
            for column, cell in zip(columns, cells, strict=True):
                column.append(cell)
            numbers.append(number)
            if len(numbers) >= _BATCH_ROWS:
                yield _batch(columns, numbers, schema)
                columns, numbers = [[] for _ in range(width)], []
        if numbers:
            yield _batch(columns, numbers, schema)
    finally:
        workbook.close()


def _batch(columns: list[list[str | None]], numbers: list[int], schema: pa.Schema) -> pa.RecordBatch:
    arrays = [pa.array(c, pa.string()) for c in columns] + [pa.array(numbers, pa.int64())]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
