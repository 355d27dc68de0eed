"""Opening the encrypted DuckDB file: the extension is loaded from its wheel, never downloaded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import duckdb_extension_httpfs

from atlas.errors import KeyProblem, WorkspaceProblem

ALIAS = "ws"


def httpfs_path() -> Path:
    """The httpfs extension file shipped by the duckdb-extension-httpfs wheel (provides AES for writes)."""
    root = Path(duckdb_extension_httpfs.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    found = root / "httpfs.duckdb_extension"
    if not found.is_file():
        raise WorkspaceProblem(f"DuckDB's httpfs extension for {duckdb.__version__} is missing at {found}")
    return found


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def attach(con: duckdb.DuckDBPyConnection, alias: str, db_file: Path, key_hex: str, *, read_only: bool = False) -> None:
    """ATTACH takes no bound parameters: the path is quoted, the alias is ours, the key is our own hex."""
    if not alias.isidentifier() or not all(c in "0123456789abcdef" for c in key_hex):
        raise WorkspaceProblem("invalid alias or key format")
    mode = ", READ_ONLY" if read_only else ""
    con.execute(f"ATTACH {_quote(str(db_file))} AS {alias} (ENCRYPTION_KEY {_quote(key_hex)}{mode})")


def connect_encrypted(db_file: Path, key_hex: str, *, temp_dir: Path, memory_limit: str, threads: int,
                      read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the encrypted workspace file attached as `ws` and selected."""
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": memory_limit,
            "threads": threads,
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": False,
        },
    )
    con.execute(f"LOAD {_quote(str(httpfs_path()))}")
    con.execute("SET temp_file_encryption = true")
    try:
        attach(con, ALIAS, db_file, key_hex, read_only=read_only)
    except duckdb.InvalidInputException as exc:
        con.close()
        if "encryption key" in str(exc).lower():
            raise KeyProblem("The workspace database does not open with this key (wrong key).") from exc
        raise WorkspaceProblem(f"The workspace database {db_file} cannot be opened: {exc}") from exc
    except duckdb.IOException as exc:
        con.close()
        if "lock" in str(exc).lower():
            raise WorkspaceProblem(
                f"The workspace {db_file.parent} is in use by another Atlas process; wait for it to finish."
            ) from exc
        raise WorkspaceProblem(f"The workspace database {db_file} cannot be opened: {exc}") from exc
    except duckdb.Error as exc:
        con.close()
        raise WorkspaceProblem(
            f"The workspace database {db_file} is damaged or was altered and cannot be opened ({type(exc).__name__})."
        ) from exc
    con.execute(f"USE {ALIAS}")
    return con
