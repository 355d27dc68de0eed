"""Long jobs that must not run twice at once (the scheduler): a lock that outlives single transactions.

Embedded, an flock on a file in the workspace; on PostgreSQL, a session advisory lock held on its own
connection, so every host sharing the database sees it. Either is released when the process ends,
however it ends.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from atlas.errors import WorkspaceProblem

_SPACE = 0x41746D  # apart from the transaction locks of store/tx.py


def _busy(name: str) -> WorkspaceProblem:
    return WorkspaceProblem(f"Another process is already running `{name}` on this workspace; "
                            "wait for it to finish (its lock goes when it ends).")


@contextmanager
def file_lock(folder: Path, name: str) -> Iterator[None]:
    """Hold `folder/<name>.lock` exclusively, or fail at once."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise _busy(name) from exc
        yield
    finally:
        os.close(fd)


@contextmanager
def server_lock(url: str, name: str) -> Iterator[None]:
    """Hold a session advisory lock named `name` on PostgreSQL, or fail at once."""
    from atlas.store.migrate import engine

    eng = engine(url)
    try:
        with eng.connect() as con:
            key = zlib.crc32(name.encode()) - 2**31
            got = con.execute(sa.text("SELECT pg_try_advisory_lock(:s, :k)"), {"s": _SPACE, "k": key}).scalar()
            con.commit()
            if not got:
                raise _busy(name)
            try:
                yield
            finally:
                con.execute(sa.text("SELECT pg_advisory_unlock(:s, :k)"), {"s": _SPACE, "k": key})
                con.commit()
    finally:
        eng.dispose()
