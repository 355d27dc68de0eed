"""Which tables and releases used which batches: lets a data subject learn where their data went."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb


def record_usage(con: duckdb.DuckDBPyConnection, object_kind: str, object_id: str, batch_ids: Iterable[int],
                 purpose: str | None = None, recipient: str | None = None) -> None:
    """Log that a table, release or special run (object_kind) was computed from these batches."""
    ids = sorted({int(b) for b in batch_ids})
    if ids:
        con.execute("""INSERT INTO data_usage SELECT ?, ?, unnest(?::INTEGER[]), ?, ?, now()""",
                    [object_kind, object_id, ids, purpose, recipient])


def record_usage_for_purpose(con: duckdb.DuckDBPyConnection, object_kind: str, object_id: str, purpose: str,
                            recipient: str | None = None) -> int:
    """Log usage of every person batch collected for `purpose` (a safe over-approximation); returns batches."""
    row = con.execute("""SELECT count(*) FROM batches WHERE kind = 'person' AND list_contains(purposes, ?)""",
                      [purpose]).fetchone()
    con.execute("""INSERT INTO data_usage SELECT ?, ?, batch_id, ?, ?, now() FROM batches
        WHERE kind = 'person' AND list_contains(purposes, ?)""", [object_kind, object_id, purpose, recipient, purpose])
    return int(row[0]) if row else 0


def usage_of_batches(con: duckdb.DuckDBPyConnection, batch_ids: Iterable[int]) -> list[dict]:
    cur = con.execute("""SELECT object_kind, object_id, purpose, recipient, min(used_at) AS first_used
        FROM data_usage WHERE list_contains(?, batch_id) GROUP BY ALL ORDER BY first_used""",
                      [sorted(set(batch_ids))])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
