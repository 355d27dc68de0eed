"""Transactions and id allocation that stay correct when several processes write at once.

Embedded, the DuckDB file admits one writing process, so `max()+1` inside a transaction is safe. On
PostgreSQL, DuckDB's postgres extension opens every transaction as REPEATABLE READ: a lock taken after
the snapshot would still read stale rows. `begin` therefore switches the transaction to READ COMMITTED
before its first query, and `lock` takes a transaction-scoped advisory lock, so whatever is read after
`lock` is the latest committed state and nobody else allocates until this transaction ends.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from atlas.errors import WorkspaceProblem
from atlas.store.duck import ALIAS
from atlas.store.pg import is_server

_LOCK_SPACE = 0x41746C  # "Atl": keeps Atlas' advisory locks apart from other applications' on the same server


def begin(con: duckdb.DuckDBPyConnection) -> None:
    """BEGIN a transaction in which `lock` serialises writers on both stores."""
    con.execute("BEGIN TRANSACTION")
    if is_server(con):
        con.execute(f"CALL postgres_execute('{ALIAS}', 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED')")


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether an explicit transaction is open on PostgreSQL: outside one, every statement starts anew (now() moves)."""
    sql = f"SELECT * FROM postgres_query('{ALIAS}', 'SELECT now() AS t')"
    return con.execute(sql).fetchone() == con.execute(sql).fetchone()


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Join the caller's transaction, or run the block in one of its own (committed, or rolled back on error).

    Embedded, statements run as they come: the file has a single writer."""
    if not is_server(con) or in_transaction(con):
        yield
        return
    begin(con)
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def lock(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Hold the named writer lock until the current transaction ends (no-op on the single-writer file)."""
    if not is_server(con):
        return
    if not name.replace("_", "").replace(".", "").isalnum():
        raise WorkspaceProblem(f"invalid lock name {name!r}")
    key = zlib.crc32(name.encode())
    con.execute(f"CALL postgres_execute('{ALIAS}', 'SELECT pg_advisory_xact_lock({_LOCK_SPACE}, {key - 2**31})')")


SEQUENCES = {("batches", "batch_id"), ("geo_sets", "set_id"), ("incidents", "incident_id"),
             ("run_requests", "request_id")}


def allocate(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    """A fresh id: a PostgreSQL sequence in server mode (never blocks, never repeats; a rolled-back id is
    skipped), `max()+1` on the single-writer embedded file."""
    if (table, column) not in SEQUENCES:
        raise WorkspaceProblem(f"no id sequence for {table}.{column}")
    if is_server(con):
        row = con.execute(f"SELECT * FROM postgres_query('{ALIAS}', 'SELECT nextval(''{table}_{column}_seq'') AS id')"
                          ).fetchone()
    else:
        row = con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()
    return int(row[0]) if row else 1


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str, where: str = "", params: list | None = None) -> int:
    """`max(column)+1` under the table's writer lock; call inside a transaction opened by `begin`."""
    if not (table.isidentifier() and column.isidentifier()):
        raise WorkspaceProblem("invalid table or column name")
    lock(con, table)
    row = con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table} {where}", params or []).fetchone()
    return int(row[0]) if row else 1
