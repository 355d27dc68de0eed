"""An API world: a populated Haiti workspace with users of every role, agreements, releases and API keys.

Built once per session (it is slow: ingest, protection, signed packages), then copied for each test so
tests may suspend agreements, revoke keys or add releases without affecting each other.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sharing.conftest import agreement_data, ingest_population

from atlas.settings import Settings
from atlas.store.workspace import Workspace

USERS = {  # name: (role, organisation)
    "alice": ("steward", "INS"),
    "bob": ("steward", "INS"),
    "pia": ("partner", "consulate-VEN"),
    "olga": ("partner", "ngo-x"),
    "aud": ("auditor", None),
    "pub": ("public", None),
    "liz": ("liaison", "ngo-x"),
}
PASSWORD = "correct horse battery staple"


def public_agreement() -> dict:
    return agreement_data(
        name="open-hti", title="Population by department and sex (open data)",
        parties={"provider": "INS", "recipients": ["public"]}, licence="CC-BY-4.0",
        tables=[{"name": "pop_by_dept_sex", "dimensions": [{"field": "area", "level": "adm1"}, {"field": "sex"}]}],
        special_runs={"allowed": False}, purposes=["statistics"])


def ngo_agreement() -> dict:
    return agreement_data(
        name="ngo-preparedness", parties={"provider": "INS", "recipients": ["ngo-x"]},
        tables=[{"name": "by_sex", "dimensions": [{"field": "sex"}]}], purposes=["preparedness"],
        special_runs={"allowed": True, "max_cells": 500, "max_per_month": 5, "approval_required": True})


@dataclass(frozen=True)
class World:
    home: Path
    tokens: dict[str, str]


@pytest.fixture(scope="session")
def _api_world(_template_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    from atlas.privacy.access import Actor
    from atlas.privacy.users import actor_for, add_user, create_api_key
    from atlas.sharing.agreement import parse_agreement
    from atlas.sharing.catalog import add_agreement
    from atlas.sharing.release import run_release

    home = tmp_path_factory.mktemp("api") / "ws"
    shutil.copytree(_template_workspace, home)
    ws = Workspace.open(Settings(home=home))
    ingest_population(ws, home.parent / "src")
    tokens: dict[str, str] = {}
    with ws.connect() as con:
        boot = Actor("alice", frozenset({"steward"}), None, bootstrap=True)
        add_user(con, boot, "alice", role="steward", organisation="INS", password=PASSWORD)
        alice = actor_for(con, "alice")
        for name, (role, org) in USERS.items():
            if name != "alice":
                add_user(con, alice, name, role=role, organisation=org, password=PASSWORD)
        for name in USERS:
            tokens[name] = create_api_key(con, alice, name, days=30).token
        for data in (public_agreement(), agreement_data(), ngo_agreement()):
            add_agreement(con, alice, parse_agreement(data))
    for name in ("open-hti", "ins-consulate-ven", "ngo-preparedness"):
        run_release(ws, name, actor_for_name(ws, "alice"))
    return World(home, tokens)


def actor_for_name(ws: Workspace, name: str):
    from atlas.privacy.users import actor_for

    with ws.connect() as con:
        return actor_for(con, name)


@pytest.fixture
def world(_api_world: World, tmp_path: Path) -> World:
    """A private copy of the API world for one test."""
    home = tmp_path / "ws"
    shutil.copytree(_api_world.home, home)
    for p in home.rglob("*"):
        if p.is_dir():
            p.chmod(0o700)
    return World(home, _api_world.tokens)


def make_client(home: Path, **settings: object) -> TestClient:
    from atlas.web.app import create_app
    from atlas.web.config import ServerSettings

    app = create_app(ServerSettings(home=home, **settings))  # type: ignore[arg-type]
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with make_client(world.home) as c:
        yield c


def bearer(world: World, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[user]}"}
