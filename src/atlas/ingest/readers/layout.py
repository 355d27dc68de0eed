"""Where a delimited file's header is: plain first row, a forced row, or a text header over an HXL tag row."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from atlas.errors import Issue
from atlas.ingest.readers.hxl import SEARCH_ROWS, find_hashtag_row
from atlas.ingest.readers.source import ReadLimits, SourceColumn, build_columns, reject

_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$")


_DECIMAL = re.compile(r"^[-+]?\d+[.,]\d+$")


def _looks_like_data(row: list[str]) -> bool:
    """A first row of numbers only, or mostly numbers with decimals, is data: header rows hold names."""
    cells = [c.strip() for c in row if c.strip()]
    numeric = [c for c in cells if _NUMBER.match(c)]
    if cells and len(numeric) == len(cells):
        return True
    return len(numeric) * 2 >= len(cells) and any(_DECIMAL.match(c) for c in numeric)


@dataclass(frozen=True)
class Layout:
    """Columns, how many records precede the data, and the physical line where data starts."""

    columns: list[SourceColumn]
    issues: list[Issue]
    skip_records: int
    skip_lines: int
    first_data_line: int
    hxl: bool


def _records_with_lines(text: str, delimiter: str, limit: int) -> list[tuple[int, int, list[str], int]]:
    """First records of the sample as (first line, last line, cells, rows read so far), blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    out: list[tuple[int, int, list[str], int]] = []
    before = 0
    try:
        for count, row in enumerate(reader, start=1):
            if row:
                out.append((before + 1, reader.line_num, row, count))
            before = reader.line_num
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def find_layout(
    path: Path, text: str, delimiter: str, *, complete: bool, header_row: int | None, limits: ReadLimits
) -> Layout:
    """Header row by `header_row` (a physical line number, 0 for none), else HXL, else the first row."""
    records = _records_with_lines(text, delimiter, SEARCH_ROWS + 1)
    if not records:
        raise reject(path, "empty-file", "the file is empty")
    headers: list[str]
    tags: list[str | None] | None = None
    is_hxl = False
    header_issue: Issue | None = None
    if header_row == 0 or header_row is None and _looks_like_data(records[0][2]):
        header_index, headers = -1, [""] * max(len(r[2]) for r in records)
        header_issue = Issue(code="no-header", message="no header row: the first row is read as data and columns "
                             "are named by position", file=str(path), row=records[0][0])
    elif header_row is not None:
        index = next((i for i, record in enumerate(records) if record[0] >= header_row), None)
        if index is None or records[index][0] != header_row:
            raise reject(path, "bad-header-row", f"line {header_row} does not start a record in the first rows")
        header_index = index
        headers = records[index][2]
    else:
        found = find_hashtag_row([r[2] for r in records])
        if found is not None:
            is_hxl = True
            header_index = found.tag_row
            text_row = records[found.text_row][2] if found.text_row is not None else []
            width = max(len(text_row), len(found.tags))
            text_row = list(text_row) + [""] * (width - len(text_row))
            tags = list(found.tags) + [None] * (width - len(found.tags))
            headers = [t.strip() or (tag or "") for t, tag in zip(text_row, tags, strict=True)]
        else:
            header_index = 0
            headers = records[0][2]
    if complete and len(records) <= header_index + 1:
        raise reject(path, "no-data-rows", "the file has a header but no data rows")
    columns, issues = build_columns(path, headers, tags, limits=limits)
    if header_issue is not None:
        return Layout(columns, [*issues, header_issue], 0, records[0][3] - 1, records[0][0], False)
    header = records[header_index]
    return Layout(columns, issues, header_index + 1, header[3], header[1] + 1, is_hxl)
