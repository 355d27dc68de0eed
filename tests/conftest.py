"""Shared fixtures: the real public data in ../shared/data, and fresh workspaces."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of real public files; skipped outside CI when absent, an error in CI."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the shared data folder {SHARED_DATA} is missing")
        pytest.skip(f"shared data folder {SHARED_DATA} not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def _template_workspace(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A workspace with Haiti's admin-1 and admin-2 boundaries, built once and copied per test."""
    from atlas.geo.boundaries import import_boundaries
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    home = tmp_path_factory.mktemp("template") / "ws"
    settings = Settings(home=home)
    Workspace.init(settings)
    ws = Workspace.open(settings)
    shp = shared_data / "geo" / "admin1" / "hti_cod_ab_shp"
    with ws.connect() as con:
        for level in (1, 2):
            import_boundaries(con, shp / f"hti_admbnda_adm{level}_cnigs_20181129.shp", country="HTI", level=level)
    return home


@pytest.fixture
def workspace(_template_workspace: Path, tmp_path: Path):  # noqa: ANN201
    """A fresh copy of the Haiti workspace (keys included) for one test."""
    import shutil

    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    home = tmp_path / "ws"
    shutil.copytree(_template_workspace, home)
    return Workspace.open(Settings(home=home))


# --- server mode: one fresh PostgreSQL database per test session (per xdist worker) -----------------------

PG_ADMIN = os.environ.get("ATLAS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_admin() -> psycopg.Connection | None:
    """An autocommit connection to the maintenance database, or None when the server is unreachable."""
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None


class PgDatabases:
    """Creates uniquely named databases on the test server and drops every one of them at the end."""

    def __init__(self, admin: psycopg.Connection, prefix: str):
        self.admin, self.prefix, self.made = admin, prefix, []

    def create(self) -> str:
        from psycopg import sql

        name = f"{self.prefix}_{len(self.made)}"
        self.admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.made.append(name)
        return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name

    def drop_all(self) -> None:
        from psycopg import sql

        for name in self.made:
            self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def pg_databases(worker_id: str) -> Iterator[PgDatabases]:
    """Factory of fresh databases (skipped when PostgreSQL is unreachable, an error when CI=true)."""
    import uuid

    admin = _pg_admin()
    if admin is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {PG_ADMIN}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}")
    dbs = PgDatabases(admin, f"atlas_test_{worker_id}_{uuid.uuid4().hex[:8]}")
    try:
        yield dbs
    finally:
        dbs.drop_all()
        admin.close()


@pytest.fixture(scope="session")
def postgres_url(pg_databases: PgDatabases) -> str:
    """URL (postgresql+psycopg://) of this session's fresh database."""
    return pg_databases.create()
