"""Server mode: the same DuckDB SQL runs on PostgreSQL through DuckDB's postgres extension (loaded from its wheel)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import duckdb_extension_postgres

from atlas.errors import WorkspaceProblem
from atlas.store.duck import ALIAS, httpfs_path

SA_PREFIXES = ("postgresql+psycopg://", "postgresql://", "postgres://")


def is_server_url(url: str | None) -> bool:
    return bool(url) and url.startswith(SA_PREFIXES)  # type: ignore[union-attr]


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy needs: always the psycopg 3 driver."""
    if not is_server_url(url):
        raise WorkspaceProblem("ATLAS_DATABASE_URL must start with postgresql+psycopg:// (server mode on PostgreSQL).")
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def libpq_url(url: str) -> str:
    """The URL libpq (and so DuckDB's ATTACH) understands: the driver suffix removed."""
    return "postgresql://" + sqlalchemy_url(url).split("://", 1)[1]


def redact(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def postgres_extension_path() -> Path:
    """A link named `postgres_scanner.duckdb_extension` to the wheel's file: DuckDB takes the entry point from the name."""
    root = Path(duckdb_extension_postgres.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    shipped = root / "postgres.duckdb_extension"
    if not shipped.is_file():
        raise WorkspaceProblem(f"DuckDB's postgres extension for {duckdb.__version__} is missing at {shipped}")
    tag = hashlib.sha256(str(shipped).encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"atlas-duckdb-ext-{os.getuid()}-{tag}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or folder.is_symlink():
        raise WorkspaceProblem(f"{folder} is not a private folder of this user; remove it and try again.")
    link = folder / "postgres_scanner.duckdb_extension"
    if not link.is_symlink() or Path(os.readlink(link)) != shipped:
        tmp = folder / f".link-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(shipped)
        os.replace(tmp, link)
    return link


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect_postgres(url: str, *, temp_dir: Path, memory_limit: str, threads: int, read_only: bool = False,
                     app_name: str = "atlas") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the PostgreSQL database attached as `ws` and selected."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", app_name):
        raise WorkspaceProblem("invalid application name")
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False, "autoload_known_extensions": False,
        "memory_limit": memory_limit, "threads": threads, "temp_directory": str(temp_dir),
        "preserve_insertion_order": False,
    })
    try:
        con.execute(f"LOAD {_quote(str(httpfs_path()))}")
        con.execute("SET temp_file_encryption = true")
        con.execute(f"LOAD {_quote(str(postgres_extension_path()))}")
        target = libpq_url(url)
        sep = "&" if "?" in target else "?"
        mode = ", READ_ONLY" if read_only else ""
        con.execute(f"ATTACH {_quote(target + sep + 'application_name=' + app_name)} AS {ALIAS} (TYPE postgres{mode})")
    except duckdb.Error as exc:
        con.close()
        message = str(exc).replace(libpq_url(url), redact(url))
        password = urlsplit(url).password
        if password:
            message = message.replace(password, "***")
        raise WorkspaceProblem(f"The PostgreSQL database {redact(url)} cannot be opened: {message}") from exc
    con.execute(f"USE {ALIAS}")
    return con


_shared: dict[tuple, duckdb.DuckDBPyConnection] = {}
_shared_lock = threading.Lock()


def shared_cursor(url: str, *, temp_dir: Path, memory_limit: str, threads: int,
                  read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A new cursor (own transaction, own temp objects) on this process's one DuckDB attached to PostgreSQL.

    Loading the extensions and reading PostgreSQL's catalog costs about a second; a worker pays it once.
    After `atlas db upgrade` changes tables, restart the workers so they read the new catalog.
    """
    key = (os.getpid(), url, str(temp_dir), memory_limit, threads, read_only)
    with _shared_lock:
        con = _shared.get(key)
        if con is None:
            for stale in [k for k in _shared if k[0] != os.getpid()]:
                del _shared[stale]  # inherited through fork: never reuse a parent's instance
            con = connect_postgres(url, temp_dir=temp_dir, memory_limit=memory_limit, threads=threads,
                                   read_only=read_only)
            _shared[key] = con
        cur = con.cursor()
    cur.execute(f"USE {ALIAS}")
    return cur


def forget_shared(url: str) -> None:
    """Close this process's instances on `url` (after migrations, so the next cursor reads the new catalog)."""
    with _shared_lock:
        for key in [k for k in _shared if k[1] == url]:
            _shared.pop(key).close()


def is_server(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `ws` on this connection is PostgreSQL (server mode) rather than the encrypted DuckDB file."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = ?", [ALIAS]).fetchone()
    return bool(row) and row[0] == "postgres"  # type: ignore[index]
