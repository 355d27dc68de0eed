"""Alembic, driven from code: upgrade, downgrade and report the server-mode schema (no alembic.ini)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from atlas.errors import WorkspaceProblem
from atlas.store.pg import forget_shared, redact, sqlalchemy_url

SCRIPTS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x41746C0001  # one migrating process at a time


def engine(url: str) -> sa.Engine:
    """A short-lived engine (NullPool): CLI processes and workers each hold their own connections."""
    return sa.create_engine(sqlalchemy_url(url), poolclass=sa.NullPool)


def _config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head() -> str:
    """The newest revision this version of Atlas knows."""
    rev = ScriptDirectory(str(SCRIPTS)).get_current_head()
    assert rev is not None
    return rev


@contextmanager
def _migrating(url: str) -> Iterator[sa.Connection]:
    try:
        eng = engine(url)
        with eng.connect() as con:
            con.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            con.commit()
            try:
                yield con
            finally:
                con.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                con.commit()
        eng.dispose()
    except sa.exc.OperationalError as exc:
        raise WorkspaceProblem(f"The PostgreSQL database {redact(url)} is not reachable: {exc.orig}") from exc


def upgrade(url: str, revision: str = "head") -> str | None:
    """Apply migrations up to `revision`; returns the revision now current."""
    forget_shared(url)
    with _migrating(url) as con:
        command.upgrade(_config(con), revision)
        con.commit()
        return MigrationContext.configure(con).get_current_revision()


def downgrade(url: str, revision: str = "base") -> str | None:
    """Undo migrations down to `revision` ("base" drops every Atlas table; the data goes with them)."""
    forget_shared(url)
    with _migrating(url) as con:
        command.downgrade(_config(con), revision)
        con.commit()
        return MigrationContext.configure(con).get_current_revision()


def current(url: str) -> str | None:
    """The revision the database is at (None before the first upgrade)."""
    try:
        eng = engine(url)
        with eng.connect() as con:
            rev = MigrationContext.configure(con).get_current_revision()
        eng.dispose()
        return rev
    except sa.exc.OperationalError as exc:
        raise WorkspaceProblem(f"The PostgreSQL database {redact(url)} is not reachable: {exc.orig}") from exc
