"""Where the numbered records of a parse wait for the later passes: a temp table, or, when that would not fit
in DuckDB's memory, a compressed table in a throwaway encrypted database file.

DuckDB keeps temp tables uncompressed (~500 bytes a row of the demo population, 5 GB at 10M rows), so a large
file spills to the temp directory and every later pass reads it back. A table of an attached database is
dictionary/FSST-compressed as it is written (the same rows: ~35 bytes, 10M rows in ~0.35 GB), costs about
2.5 CPU-s more per million rows to write and reads faster. Its file lives in the workspace's temp directory, encrypted with a
random key that is never stored: a killed process leaves only ciphertext nobody can open, swept later.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

_PREFIX = "atlas_parse_"
_FILE = re.compile(rf"^{_PREFIX}(\d+)_[0-9a-f]+\.duckdb(\.wal)?$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(bytes|KiB|MiB|GiB|TiB|KB|MB|GB|TB)\s*$", re.IGNORECASE)
_UNITS = {"BYTES": 1, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40,
          "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
TEMP_BYTES_PER_CSV_BYTE = 2.0
"""An uncompressed temp table of VARCHARs takes about twice the bytes of the CSV it came from."""
MEMORY_SHARE = 1.0
"""Above this share of DuckDB's memory limit, the parse goes to a compressed file instead of a temp table. Only
where the temp table would spill anyway: writing compressed costs ~2.5 CPU-s more per million rows, which the
cheaper later passes repay under memory pressure (3M rows, 0.86 GB for DuckDB: 62 CPU-s against 57-69 with a
spilling temp table; RSS 1.24 against 1.29-1.31 GB) but not without (3M rows, 3 GB: 61-65 against 52-57)."""


@dataclass
class Parked:
    """The table the ordered parse creates (`temp` for CREATE TEMP TABLE) and how to release it."""

    table: str
    temp: bool
    release: Callable[[], None] = field(default=lambda: None)


def park(con: duckdb.DuckDBPyConnection, csv_bytes: int) -> Parked:
    """A temp table if the uncompressed parse fits comfortably in DuckDB's memory, else a compressed table in a
    fresh encrypted database file in the temp directory (falling back to the temp table if it cannot attach)."""
    token = uuid.uuid4().hex
    temp = Parked(f"atlas_numbered_{token}", temp=True)
    folder = _temp_directory(con)
    if folder is not None:
        sweep(folder)
    limit = _memory_limit(con)
    if folder is None or limit is None or csv_bytes * TEMP_BYTES_PER_CSV_BYTE <= MEMORY_SHARE * limit:
        return temp
    alias = f"{_PREFIX}{token}"
    path = folder / f"{_PREFIX}{os.getpid()}_{token}.duckdb"
    try:
        con.execute(f"ATTACH '{path}' AS {alias} (ENCRYPTION_KEY '{secrets.token_hex(32)}')")
    except duckdb.Error:
        _remove(path)
        return temp

    def release() -> None:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DETACH DATABASE IF EXISTS {alias}")
        _remove(path)

    return Parked(f"{alias}.numbered", temp=False, release=release)


def sweep(folder: Path) -> None:
    """Remove parse files left by killed processes (the key died with them, so they are unreadable anyway)."""
    for path in folder.glob(f"{_PREFIX}*"):
        found = _FILE.match(path.name)
        if found and not _alive(int(found.group(1))):
            with contextlib.suppress(OSError):
                path.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(OSError):
            p.unlink()


def _memory_limit(con: duckdb.DuckDBPyConnection) -> float | None:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    found = _SIZE.match(str(row[0]) if row else "")
    return float(found.group(1)) * _UNITS[found.group(2).upper()] if found else None


def _temp_directory(con: duckdb.DuckDBPyConnection) -> Path | None:
    row = con.execute("SELECT current_setting('temp_directory')").fetchone()
    folder = Path(str(row[0])) if row and row[0] else None
    if folder is None or not folder.is_dir() or "'" in str(folder):
        return None
    return folder
