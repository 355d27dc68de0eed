"""JSON arrays, DTM-style `{"result": [...]}` wrappers and NDJSON, parsed by DuckDB's JSON reader."""

from __future__ import annotations

import json as pyjson
from pathlib import Path

import duckdb
import numpy as np

from atlas.errors import Issue
from atlas.ingest.readers.hxl import SEARCH_ROWS, find_hashtag_row
from atlas.ingest.readers.sniff import file_facts
from atlas.ingest.readers.source import ROW_COLUMN, ReadLimits, Source, SourceColumn, build_columns, reject

_MAX_OBJECT = 1 << 30
_CHUNK = 1 << 24


def open_json(path: Path, fmt: str, *, limits: ReadLimits, con: duckdb.DuckDBPyConnection) -> Source:
    """One row per element (array), per line (NDJSON) or per element of the object's only array member."""
    elements, params = _elements_sql(path, fmt, con)
    try:
        first = con.execute(f"SELECT j, _row, json_type(j) FROM ({elements}) ORDER BY _row LIMIT ?",
                            [*params, SEARCH_ROWS + 1]).fetchall()
    except duckdb.Error as error:
        raise reject(path, "unreadable-json", f"the file is not valid JSON: {str(error)[:300]}")
    if not first:
        raise reject(path, "no-data-rows", "the JSON holds no records")
    if first[0][2] == "ARRAY":
        return _open_rows(path, fmt, (elements, params), [pyjson.loads(r[0]) for r in first], limits)
    if first[0][2] != "OBJECT":
        raise reject(path, "unknown-format", "JSON records must be objects or arrays")
    keys = [r[0] for r in con.execute(
        f"SELECT k FROM (SELECT unnest(json_keys(j)) AS k, _row FROM ({elements})) GROUP BY k ORDER BY min(_row), k",
        params,
    ).fetchall()]
    columns, issues = build_columns(path, keys, limits=limits)
    paths = [_pointer(k) for k in keys]
    return _source(path, fmt, (elements, params), columns, issues, paths, data_from=1)


def _open_rows(path: Path, fmt: str, elements: tuple[str, list[object]], rows: list[list[object]], limits: ReadLimits) -> Source:
    """Array of arrays: the first row is the header, unless an HXL hashtag row says otherwise."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    found = find_hashtag_row(cells)
    if found is None:
        header_index, headers, tags = 0, cells[0], None
    else:
        text = cells[found.text_row] if found.text_row is not None else []
        width = max(len(text), len(found.tags))
        text = text + [""] * (width - len(text))
        tags = found.tags + [None] * (width - len(found.tags))
        headers = [t.strip() or (tag or "") for t, tag in zip(text, tags, strict=True)]
        header_index = found.tag_row
    if len(rows) <= header_index + 1:
        raise reject(path, "no-data-rows", "the file has a header but no data rows")
    columns, issues = build_columns(path, headers, tags, limits=limits)
    paths = [f"/{i}" for i in range(len(columns))]
    return _source(path, fmt, elements, columns, issues, paths, data_from=header_index + 2, hxl=found is not None)


def _source(
    path: Path, fmt: str, elements: tuple[str, list[object]], columns: list[SourceColumn], issues: list[Issue], paths: list[str],
    *, data_from: int, hxl: bool = False,
) -> Source:
    select = ", ".join(f"json_extract_string(j, ?) AS {c.name}" for c in columns)
    facts = file_facts(path)

    def relation(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        return con.sql(f"SELECT {select}, _row AS {ROW_COLUMN} FROM ({elements[0]}) WHERE _row >= ?",
                       params=[*paths, *elements[1], data_from])

    return Source(path=path, format="hxl" if hxl else fmt, encoding="utf-8", delimiter=None, sha256=facts.sha256,
                  size=facts.size, columns=columns, issues=issues, factory=relation)


def _elements_sql(path: Path, fmt: str, con: duckdb.DuckDBPyConnection) -> tuple[str, list[object]]:
    """SQL and parameters yielding each record as JSON `j` with its row number `_row`."""
    if fmt == "ndjson":
        k_from, shift = _ndjson_breakpoints(path)
        return ("SELECT j, _k + (?::BIGINT[])[len(list_filter(?::BIGINT[], x -> x <= _k))] AS _row FROM "
                "(SELECT json AS j, row_number() OVER () AS _k FROM "
                f"read_json_objects(?, format='newline_delimited', maximum_object_size={_MAX_OBJECT}))"), \
            [shift, k_from, str(path)]
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"[":
        return ("SELECT json AS j, row_number() OVER () AS _row FROM "
                f"read_json_objects(?, format='array', maximum_object_size={_MAX_OBJECT})"), [str(path)]
    try:
        keys = con.execute(
            f"SELECT json_keys(json) FROM read_json_objects(?, format='unstructured', maximum_object_size={_MAX_OBJECT})",
            [str(path)],
        ).fetchone()[0]  # type: ignore[index]
        sizes = {k: con.execute(
            "SELECT CASE WHEN json_type(json, ?) = 'ARRAY' THEN json_array_length(json, ?) END FROM "
            f"read_json_objects(?, format='unstructured', maximum_object_size={_MAX_OBJECT})",
            [_pointer(k), _pointer(k), str(path)]).fetchone()[0] for k in keys}  # type: ignore[index]
    except duckdb.Error as error:
        raise reject(path, "unreadable-json", f"the file is not valid JSON: {str(error)[:300]}")
    arrays = [k for k, n in sizes.items() if n is not None and n > 0]
    if len(arrays) != 1:
        raise reject(path, "unknown-format",
                     f"a JSON object needs exactly one non-empty array member, found {len(arrays)}")
    member = _pointer(arrays[0])
    return ("SELECT unnest(l) AS j, unnest(range(1, len(l) + 1)) AS _row FROM "
            "(SELECT from_json(json_extract(json, ?), '[\"JSON\"]') AS l "
            f"FROM read_json_objects(?, format='unstructured', maximum_object_size={_MAX_OBJECT}))"), [member, str(path)]


def _pointer(key: str) -> str:
    """JSON Pointer to a member: works for any key, including empty ones and ones with `/`."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _ndjson_breakpoints(path: Path) -> tuple[list[int], list[int]]:
    """NDJSON skips blank lines: where record k's line number drifts from k, as (k_from, shift) steps."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    blank = np.frombuffer(b" \t\r\n\xef\xbb\xbf", np.uint8)
    filled_lines: list[np.ndarray] = []
    line, carry = 1, False
    for begin in range(0, len(raw), _CHUNK):
        chunk = np.asarray(raw[begin : begin + _CHUNK])
        ink = np.concatenate(([0], np.cumsum(~np.isin(chunk, blank), dtype=np.int64)))
        ends = np.flatnonzero(chunk == 10)
        starts = np.concatenate(([0], ends[:-1] + 1))
        filled = ink[ends] - ink[starts] > 0
        if len(ends):
            filled[0] |= carry
            filled_lines.append(line + np.flatnonzero(filled))
            carry = bool(ink[-1] - ink[ends[-1] + 1] > 0)
        else:
            carry = carry or bool(ink[-1] > 0)
        line += len(ends)
    if carry:
        filled_lines.append(np.array([line]))
    lines = np.concatenate(filled_lines) if filled_lines else np.zeros(0, np.int64)
    if not len(lines):
        return [1], [0]
    shift = lines - np.arange(1, len(lines) + 1)
    change = np.flatnonzero(np.diff(shift, prepend=shift[0] - 1) != 0)
    return (change + 1).tolist(), shift[change].tolist()
