"""A workspace: one folder holding the encrypted store, the keyring and the release packages.

In server mode (`ATLAS_DATABASE_URL=postgresql+psycopg://...`) the records, catalog, audit trail and the
wrapped keyring live in PostgreSQL; the folder keeps release packages, spill files and the key file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from atlas.errors import KeyProblem, WorkspaceProblem
from atlas.settings import Settings
from atlas.store import schema
from atlas.store.duck import attach, connect_encrypted
from atlas.store.keys import KEYRING_NAME, DataKey, Keyring, Keys, new_key
from atlas.store.master import create_key_file, load_master
from atlas.store.pg import is_server_url, redact, shared_cursor

DB_NAME = "atlas.duckdb"


@dataclass(frozen=True)
class InitResult:
    home: Path
    key_file: Path | None  # set when a new key file was written and must be backed up


class Workspace:
    """An opened workspace; `connect()` yields a connection on the decrypted store."""

    def __init__(self, settings: Settings, keys: Keys):
        self.settings = settings
        self.home = settings.home
        self.keys = keys

    @property
    def db_file(self) -> Path:
        return self.home / DB_NAME

    @property
    def temp_dir(self) -> Path:
        return self.home / "tmp"

    @property
    def releases_dir(self) -> Path:
        return self.home / "releases"

    @staticmethod
    def init(settings: Settings) -> InitResult:
        """Create the folder, the master key (unless given), the keyring and the encrypted store."""
        home = settings.home
        if _server(settings):
            from atlas.store import migrate

            migrate.upgrade(settings.database_url)  # type: ignore[arg-type]
        ring = _keyring(settings)
        if ring.exists or (home / DB_NAME).exists():
            where = redact(settings.database_url) if _server(settings) else str(home)  # type: ignore[arg-type]
            raise WorkspaceProblem(f"A workspace already exists at {where}.")
        home.mkdir(parents=True, exist_ok=True)
        os.chmod(home, 0o700)
        key_file = None
        if settings.master_key is None:
            key_file = settings.resolved_key_file
            if key_file.exists():
                master = load_master(settings)
                key_file = None
            else:
                master = create_key_file(key_file, new_key())
        else:
            master = load_master(settings)
        ring.create(master)
        if not _server(settings):
            ws = Workspace.open(settings)
            with ws.connect() as con:
                schema.upgrade(con)
        for sub in ("releases", "reports", "tmp"):
            (home / sub).mkdir(exist_ok=True)
        return InitResult(home, key_file)

    @staticmethod
    def exists(settings: Settings) -> bool:
        """Whether a workspace was initialised (its keyring is in the folder, or in the database in server mode)."""
        return _keyring(settings).exists

    @staticmethod
    def open(settings: Settings) -> Workspace:
        home = settings.home
        ring = _keyring(settings)
        if not ring.exists:
            where = f"in {redact(settings.database_url)}" if _server(settings) else f"at {home}"  # type: ignore[arg-type]
            raise WorkspaceProblem(f"No workspace {where}: run `atlas init --home {home}` first.")
        keys = ring.open(load_master(settings))
        return Workspace(settings, keys)

    @property
    def server(self) -> bool:
        """Server mode: records and catalog in PostgreSQL rather than the encrypted DuckDB file."""
        return _server(self.settings)

    def _open_db(self, key: DataKey, read_only: bool) -> duckdb.DuckDBPyConnection:
        if self.server:
            return shared_cursor(self.settings.database_url, temp_dir=self.temp_dir,  # type: ignore[arg-type]
                                 memory_limit=self.settings.memory_limit, threads=self.settings.threads,
                                 read_only=read_only)
        return connect_encrypted(
            self.db_file, key.duckdb_key, temp_dir=self.temp_dir,
            memory_limit=self.settings.memory_limit, threads=self.settings.threads, read_only=read_only,
        )

    @contextmanager
    def connect(self, *, read_only: bool = False, key: DataKey | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection on the decrypted store; after an interrupted data-key rotation, any kept key opens it."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        if self.server:
            cur = self._open_db(self.keys.active, read_only)
            try:
                _check_server_schema(cur, self.settings.database_url)  # type: ignore[arg-type]
                yield cur
            finally:
                cur.close()
            return
        candidates = [key] if key else [self.keys.active, *(k for k in self.keys.data_keys.values() if k != self.keys.active)]
        con = None
        for i, candidate in enumerate(candidates):
            try:
                con = self._open_db(candidate, read_only)
                break
            except KeyProblem:
                if i == len(candidates) - 1:
                    raise
        assert con is not None
        try:
            if not read_only and schema.current_version(con) < schema.MIGRATIONS[-1][0]:
                schema.upgrade(con)
            yield con
        finally:
            con.close()

    def rotate_master(self, new_master: bytes) -> None:
        """Re-wrap every key under a new master key; data stays as it is."""
        ring = _keyring(self.settings)
        ring.rewrap(load_master(self.settings), new_master)

    def rotate_data_key(self) -> int:
        """Re-encrypt the store under a fresh data key, then retire the old one."""
        if self.server:
            return self._rotate_server_data_key()
        master = load_master(self.settings)
        ring = Keyring(self.home / KEYRING_NAME)
        old = self.keys.active
        new = ring.add_data_key(master)
        tmp = self.home / (DB_NAME + ".rekey")
        tmp.unlink(missing_ok=True)
        with self.connect(key=old) as con:
            attach(con, "rekey", tmp, new.duckdb_key)
            con.execute("COPY FROM DATABASE ws TO rekey")
            con.execute("DETACH rekey")
        os.replace(tmp, self.db_file)
        wal = self.home / (DB_NAME + ".wal")
        wal.unlink(missing_ok=True)
        self.keys = ring.open(master)
        with self.connect() as con:
            _reseal_vault(con, self.keys)
        ring.retire({new.id})
        self.keys = ring.open(master)
        if self.keys.active_id != new.id:
            raise KeyProblem("Data-key rotation did not activate the new key.")
        return new.id

    def _rotate_server_data_key(self) -> int:
        """PostgreSQL has no file key: re-seal the vault, then retire the keys no vault entry still uses.

        Workers that opened the workspace before the rotation keep sealing with the old key until they
        restart; those entries keep the old key alive, and running the rotation again moves them too.
        """
        master = load_master(self.settings)
        ring = _keyring(self.settings)
        new = ring.add_data_key(master)
        self.keys = ring.open(master)
        with self.connect() as con:
            _reseal_vault(con, self.keys)
            used = {int(r[0]) for r in con.execute("SELECT DISTINCT key_id FROM vault").fetchall()}
        ring.retire(used | {new.id})
        self.keys = ring.open(master)
        return new.id

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Run a job (e.g. the scheduler) in one process at a time, across hosts in server mode."""
        from atlas.store.exclusive import file_lock, server_lock

        lock = server_lock(self.settings.database_url, name) if self.server else file_lock(self.temp_dir, name)  # type: ignore[arg-type]
        with lock:
            yield

    def remove_temp(self) -> None:
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _server(settings: Settings) -> bool:
    url = settings.database_url
    if url and not is_server_url(url):
        raise WorkspaceProblem("ATLAS_DATABASE_URL must be a PostgreSQL URL (postgresql+psycopg://user@host/db).")
    return bool(url)


def _keyring(settings: Settings) -> Keyring:
    if _server(settings):
        from atlas.store.pg_keyring import PgKeyStore

        return Keyring(PgKeyStore(settings.database_url))  # type: ignore[arg-type]
    return Keyring(settings.home / KEYRING_NAME)


def _check_server_schema(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Workers never migrate on their own: an old schema is a clear error naming the command."""
    from atlas.store.migrate import head

    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except duckdb.CatalogException:
        row = None
    if not row or row[0] != head():
        con.close()
        raise WorkspaceProblem(
            f"The database {redact(url)} is at schema revision {row[0] if row else 'none'}, this Atlas needs "
            f"{head()}: run `atlas db upgrade`."
        )


def _reseal_vault(con: duckdb.DuckDBPyConnection, keys: Keys) -> None:
    """Vault fields are sealed with the data key too: move them to the new key before the old one goes."""
    from atlas.privacy.vault import reseal

    has_vault = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'ws' AND table_name = 'vault'"
                            ).fetchone()
    if has_vault and has_vault[0]:
        reseal(con, keys)
