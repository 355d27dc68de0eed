"""The portal's network coverage page: protected counts for anyone, never the directory's names."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from atlas.settings import Settings
from atlas.store.workspace import Workspace

from .conftest import World, make_client


@pytest.fixture
def page_client(_api_world: World, tmp_path: Path) -> Iterator[TestClient]:
    from atlas.communities.networks import NetworkIn, add_networks
    from atlas.privacy.users import actor_for

    home = tmp_path / "ws"
    shutil.copytree(_api_world.home, home)
    with Workspace.open(Settings(home=home)).connect() as con:
        add_networks(con, actor_for(con, "liz"), [
            NetworkIn(network_id=f"N{i}", name=f"Hidden association {i}", kind="diaspora_association",
                      nationalities=["VEN"], areas=["HT0111"]) for i in range(1, 4)] + [
            NetworkIn(network_id="N9", name="Lonely informal network", kind="informal_network",
                      nationalities=["CUB"], areas=["HT0921"])])
    with make_client(home) as c:
        yield c


def test_coverage_page_shows_protected_counts_to_anyone(page_client) -> None:
    r = page_client.get("/directory/networks")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "3 networks cover nationals of" in r.text and "(VEN)" in r.text
    assert "Hidden association" not in r.text and "Lonely informal network" not in r.text
    assert "hidden to protect small counts" in r.text  # the one network in HT09 is suppressed
    one = page_client.get("/directory/networks?area=HT09&level=adm2")
    assert one.status_code == 200 and "(VEN)" not in one.text
    assert page_client.get("/directory/networks?level=adm9").status_code in (400, 422)
