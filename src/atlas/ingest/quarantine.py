"""Quarantined rows: list them, correct values, and retry them through the same normalisation as ingest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from atlas.errors import NotFound, RejectedInput
from atlas.ingest.columns import Assignment
from atlas.ingest.mapping import ColumnRule, Mapping
from atlas.ingest.readers.source import ROW_COLUMN, Source, SourceColumn
from atlas.store.tx import begin
from atlas.store.workspace import Workspace
from atlas.vocab.normalize import register_macros


@dataclass(frozen=True)
class QuarantinedRow:
    batch_id: int
    row: int
    reasons: list[str]
    values: dict[str, str | None]
    status: str


def list_rows(con: duckdb.DuckDBPyConnection, batch_id: int | None = None, status: str = "open") -> list[QuarantinedRow]:
    rows = con.execute("""SELECT batch_id, row_number, reasons, raw, fixed, status FROM quarantine
                          WHERE (? IS NULL OR batch_id = ?) AND status = ? ORDER BY batch_id, row_number""",
                       [batch_id, batch_id, status]).fetchall()
    out = []
    names: dict[int, dict[str, str]] = {}
    for b, r, reasons, raw, fixed, st in rows:
        if b not in names:
            doc, _ = _batch_columns(con, b)
            names[b] = {i["name"]: o for o, i in doc["columns"].items()}
        orig = names[b]
        values = {orig.get(k, k): v for k, v in {**json.loads(raw), **(json.loads(fixed) if fixed else {})}.items()
                  if not k.startswith("_")}
        why = [f"{orig.get(c, c)}|{rule}" for c, _, rule in (x.partition("|") for x in reasons or [])]
        out.append(QuarantinedRow(b, r, why, values, st))
    return out


def fix(con: duckdb.DuckDBPyConnection, batch_id: int, row: int, column: str, value: str) -> None:
    """Record a correction for one value of one quarantined row (applied at the next retry)."""
    found = con.execute("SELECT raw, fixed FROM quarantine WHERE batch_id = ? AND row_number = ? AND status = 'open'",
                        [batch_id, row]).fetchone()
    if found is None:
        raise NotFound(f"No open quarantined row {row} in batch {batch_id}.")
    raw, fixed = json.loads(found[0]), json.loads(found[1]) if found[1] else {}
    name = _column_name(con, batch_id, column)
    if name not in raw:
        raise RejectedInput(f"Row {row} of batch {batch_id} has no column {column!r}; columns: {', '.join(k for k in raw if not k.startswith('_'))}")
    fixed[name] = value
    con.execute("UPDATE quarantine SET fixed = ? WHERE batch_id = ? AND row_number = ?", [json.dumps(fixed), batch_id, row])


def _batch_columns(con: duckdb.DuckDBPyConnection, batch_id: int) -> tuple[dict, dict]:
    row = con.execute("SELECT mapping, file_name FROM batches WHERE batch_id = ?", [batch_id]).fetchone()
    if row is None:
        raise NotFound(f"No batch {batch_id}.")
    doc = json.loads(row[0])
    return doc, {"file": row[1]}


def _column_name(con: duckdb.DuckDBPyConnection, batch_id: int, column: str) -> str:
    doc, _ = _batch_columns(con, batch_id)
    for original, info in doc["columns"].items():
        if column in (original, info["name"]):
            return info["name"]
    return column


def retry(ws: Workspace, batch_id: int) -> object:
    """Re-ingest the open quarantined rows of a batch (with their fixes) as a new batch."""
    from atlas.ingest.pipeline import IngestOptions, _register_privacy, _run

    with ws.connect() as con:
        register_macros(con)
        _register_privacy(con, ws)
        doc, meta = _batch_columns(con, batch_id)
        mapping = Mapping.model_validate(doc["mapping"])
        cols = {o: i for o, i in doc["columns"].items() if not i["identifier"]}
        rows = con.execute("""SELECT row_number, raw, fixed FROM quarantine
                              WHERE batch_id = ? AND status = 'open' AND json_extract(raw, '$._line') IS NULL
                              ORDER BY row_number""", [batch_id]).fetchall()
        if not rows:
            raise NotFound(f"Batch {batch_id} has no open quarantined rows to retry.")
        data: dict[str, list] = {i["name"]: [] for i in cols.values()}
        data[ROW_COLUMN], data["_retry_pseudonym"] = [], []
        for r, raw, fixed in rows:
            values = {**json.loads(raw), **(json.loads(fixed) if fixed else {})}
            values["_retry_pseudonym"] = values.get("_pseudonym")
            for name, column in data.items():
                column.append(r if name == ROW_COLUMN else values.get(name))
        arrow = pa.table({k: pa.array(v, pa.int64() if k == ROW_COLUMN else pa.string()) for k, v in data.items()})
        con.register("retry_rows", arrow)
        con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM retry_rows")
        assigns = [Assignment(SourceColumn(i["name"], o), i["field"], False,
                              mapping.rule(o) or ColumnRule(field=i["field"]), i["how"]) for o, i in cols.items()]
        source = Source(Path(meta["file"]), "quarantine", None, None,
                        f"retry:{batch_id}:{datetime.now(UTC).isoformat()}", 0,
                        [a.column for a in assigns], [])
        begin(con)
        try:
            result = _run(con, ws, source, mapping, assigns, IngestOptions(kind=mapping.kind), datetime.now(UTC).date(),
                          lambda _: None, subject="s._retry_pseudonym")
            con.execute("""UPDATE quarantine SET status = 'retried', resolved_at = now()
                           WHERE batch_id = ? AND status = 'open' AND json_extract(raw, '$._line') IS NULL""",
                        [batch_id])
            con.execute("COMMIT")
            result.committed = True
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return result
