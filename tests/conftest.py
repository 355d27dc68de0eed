"""Shared fixtures: the real public data in ../shared/data, and fresh workspaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
