"""JSON arrays, wrapped arrays and NDJSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from atlas.ingest.readers import Source, open_source


def test_json_array_wrapper_and_ndjson(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    records = [{"a": 1, "b": "x"}, {"a": 2, "c": {"n": 1}}]
    array = open_source(write("a.json", json.dumps(records)), con=con)
    assert rows(array) == [("1", "x", None, 1), ("2", None, '{"n":1}', 2)]
    wrapped = open_source(write("w.json", json.dumps({"result": records, "errors": []})), con=con)
    assert rows(wrapped) == rows(array)
    nd = open_source(write("n.ndjson", "\n".join(json.dumps(r) for r in records)), con=con)
    assert [r[-1] for r in rows(nd)] == [1, 2]


def test_dtm_json(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(shared_data / "migration/iom_dtm/api_displacement-admin1-admin0pcode-hti.json")
    assert source.relation(con).count("*").fetchone() == (235,)


def test_ndjson_blank_lines_keep_line_numbers(
    con: duckdb.DuckDBPyConnection, write: Callable[..., Path]
) -> None:
    source = open_source(write("b.jsonl", '\n{"a": 1}\n\n{"a": 2}\n   \n{"a": 3}'), con=con)
    assert source.relation(con).order("_row").fetchall() == [("1", 2), ("2", 4), ("3", 6)]
