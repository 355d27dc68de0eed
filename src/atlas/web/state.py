"""The workspace as the server holds it: opened once per process, one cursor per use, writes serialised.

Embedded store (DuckDB): only one process may hold the workspace file, so the server opens it once at
start-up and every `connect()` hands out a fresh cursor of that connection under a process-wide lock.
The lock serialises use because every request may append to the hash-chained audit log, whose next
sequence number is read and written in two statements. Service functions that take a `Workspace` call
`connect()` as usual and need not know they run in a server.

Server mode (`ATLAS_DATABASE_URL` set): each uvicorn worker process opens its own connections through
the workspace's own `connect()`; PostgreSQL arbitrates between workers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from atlas.settings import Settings
from atlas.store.keys import DataKey
from atlas.store.workspace import Workspace


class ServedWorkspace(Workspace):
    """A workspace whose `connect()` yields a cursor on a connection held for the life of the server."""

    def __init__(self, ws: Workspace):
        super().__init__(ws.settings, ws.keys)
        self._inner = ws
        self._stack: contextmanager | None = None  # type: ignore[valid-type]
        self._con: duckdb.DuckDBPyConnection | None = None
        self.lock = threading.RLock()

    @property
    def shared(self) -> bool:
        """True when one connection is shared by every request of this process (embedded store)."""
        return not self.settings.database_url

    def start(self) -> None:
        """Open the store (embedded: once; it stays open until `stop`)."""
        if self.shared and self._con is None:
            self._stack = self._inner.connect()
            self._con = self._stack.__enter__()  # type: ignore[attr-defined]

    def stop(self) -> None:
        with self.lock:
            if self._stack is not None:
                self._stack.__exit__(None, None, None)  # type: ignore[attr-defined]
            self._stack, self._con = None, None

    @contextmanager
    def connect(self, *, read_only: bool = False, key: DataKey | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the held connection (embedded) or a new connection (server mode)."""
        if not self.shared:
            with self._inner.connect(read_only=read_only, key=key) as con:
                yield con
            return
        with self.lock:
            if self._con is None:
                self.start()
            assert self._con is not None
            cur = self._con.cursor()
            try:
                cur.execute("USE ws")
                yield cur
            finally:
                cur.close()


def open_served(settings: Settings) -> ServedWorkspace:
    """Open the configured workspace for serving (the store itself opens in `start`)."""
    return ServedWorkspace(Workspace.open(settings))
