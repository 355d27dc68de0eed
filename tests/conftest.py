"""Shared fixtures: the real public data in ../shared/data, and fresh workspaces."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import psycopg

    from atlas.store.workspace import Workspace

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
def _template_workspace(tmp_path_factory: pytest.TempPathFactory, shared_data: Path,
                        request: pytest.FixtureRequest) -> Path:
    """A workspace with Haiti's admin-1 and admin-2 boundaries, built once and copied per test."""
    from atlas.geo.boundaries import import_boundaries
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    home = tmp_path_factory.mktemp("template") / "ws"
    settings = Settings(home=home, database_url=_server_template(request))
    Workspace.init(settings)
    ws = Workspace.open(settings)
    shp = shared_data / "geo" / "admin1" / "hti_cod_ab_shp"
    with ws.connect() as con:
        for level in (1, 2):
            import_boundaries(con, shp / f"hti_admbnda_adm{level}_cnigs_20181129.shp", country="HTI", level=level)
    if settings.database_url:
        from atlas.store.pg import forget_shared

        forget_shared(settings.database_url)  # a template database must have no open session
    return home


@pytest.fixture
def workspace(_template_workspace: Path, tmp_path: Path, request: pytest.FixtureRequest,
              monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A fresh copy of the Haiti workspace (keys included) for one test.

    With ATLAS_TEST_STORE=postgres, the copy is a PostgreSQL database cloned from the template and
    ATLAS_DATABASE_URL points at it, so every `Settings()` of the test (and its subprocesses) uses it."""
    import shutil

    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    home = tmp_path / "ws"
    shutil.copytree(_template_workspace, home)
    if SERVER_TESTS:
        dbs: PgDatabases = request.getfixturevalue("pg_databases")
        url = dbs.clone(_TEMPLATE_DB["url"])
        request.addfinalizer(lambda: dbs.drop(url))
        monkeypatch.setenv("ATLAS_DATABASE_URL", url)
    return Workspace.open(Settings(home=home))


# --- server mode: one fresh PostgreSQL database per test session (per xdist worker) -----------------------

SERVER_TESTS = os.environ.get("ATLAS_TEST_STORE") == "postgres"  # run the `workspace` tests on PostgreSQL
_TEMPLATE_DB: dict[str, str] = {}


def _server_template(request: pytest.FixtureRequest) -> str | None:
    """With ATLAS_TEST_STORE=postgres, a fresh database that the template workspace is built in."""
    if not SERVER_TESTS:
        return None
    _TEMPLATE_DB["url"] = request.getfixturevalue("pg_databases").create()
    return _TEMPLATE_DB["url"]

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

    def clone(self, template_url: str) -> str:
        """A new database copied from another one (which must have no open session)."""
        from psycopg import sql

        name = f"{self.prefix}_{len(self.made)}"
        template = template_url.rsplit("/", 1)[1]
        self.admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
        self.made.append(name)
        return template_url.rsplit("/", 1)[0] + "/" + name

    def drop(self, url: str) -> None:
        from psycopg import sql

        from atlas.store.pg import forget_shared

        forget_shared(url)
        name = url.rsplit("/", 1)[1]
        self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.made.remove(name)

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
