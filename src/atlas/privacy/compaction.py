"""Making deletions final: rewrite the database into a fresh file so freed blocks cannot be read back.

DuckDB marks deleted rows and frees blocks, but does not overwrite them; anyone holding the data key
could decrypt an old block. Copying the live database into a new file and swapping it in leaves no
trace of deleted rows, at the cost of one full rewrite.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from atlas.store.duck import attach, httpfs_path

TARGET_SUFFIX = ".compact"


@dataclass(frozen=True)
class Compaction:
    bytes_before: int
    bytes_after: int


def _size(db_file: Path) -> int:
    wal = db_file.with_name(db_file.name + ".wal")
    return db_file.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def compact_file(db_file: Path, key_hex: str | None, *, temp_dir: Path | None = None,
                 engine: Mapping[str, str] | None = None) -> Compaction:
    """Copy the live content of `db_file` into a new file (encrypted when `key_hex` is given) and swap.

    The caller must hold no other connection on `db_file`. With `key_hex=None` it works on plain files,
    which is how the tests prove that deleted values really leave the bytes on disk; `engine` passes
    extra DuckDB settings to the rewriting connection.
    """
    before = _size(db_file)
    target = db_file.with_name(db_file.name + TARGET_SUFFIX)
    target.unlink(missing_ok=True)
    config: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                                     **(engine or {})}
    if temp_dir is not None:
        config["temp_directory"] = str(temp_dir)
    con = duckdb.connect(":memory:", config=config)
    try:
        if key_hex is not None:
            con.execute(f"LOAD '{httpfs_path()}'")
            con.execute("SET temp_file_encryption = true")
            attach(con, "src", db_file, key_hex, read_only=True)
            attach(con, "dst", target, key_hex)
        else:
            _attach_plain(con, "src", db_file, read_only=True)
            _attach_plain(con, "dst", target)
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH dst")
        con.execute("DETACH src")
    finally:
        con.close()
    os.replace(target, db_file)
    db_file.with_name(db_file.name + ".wal").unlink(missing_ok=True)
    if temp_dir is not None and temp_dir.is_dir():
        for leftover in temp_dir.iterdir():
            if leftover.is_file():
                leftover.unlink()
    return Compaction(before, _size(db_file))


def _attach_plain(con: duckdb.DuckDBPyConnection, alias: str, path: Path, *, read_only: bool = False) -> None:
    quoted = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"ATTACH {quoted} AS {alias}" + (" (READ_ONLY)" if read_only else ""))


def files_containing(root: Path, needles: Iterable[str]) -> dict[str, list[str]]:
    """Which files under `root` contain which values (UTF-8 or UTF-16-LE), reading every byte."""
    forms = [(n, (n.encode(), n.encode("utf-16-le"))) for n in needles if n]
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle, encodings in forms:
            if any(e in data for e in encodings):
                found.setdefault(needle, []).append(str(path.relative_to(root)))
    return found
