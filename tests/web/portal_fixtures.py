"""A portal world on the fictional country Atlantis (XAT): a public release, partners, a steward.

Built once per test session (about 10 s: boundaries, 4,000 generated people, two signed releases) and
copied for each test that changes it. Needs no shared data, so the browser tests run anywhere.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fastapi.testclient import TestClient

from atlas.settings import Settings
from atlas.store.workspace import Workspace

PASSWORD = {"stella": "steward-pass-1", "sam": "steward-pass-2", "paula": "partner-pass-1",
            "otto": "partner-pass-2", "audrey": "auditor-pass-1"}
USERS = {"stella": ("steward", "nso"), "sam": ("steward", "nso"), "paula": ("partner", "aid-agency"),
         "otto": ("partner", "other-ngo"), "audrey": ("auditor", None)}
SEX = {"field": "sex", "codes": ["female", "male"]}
SUPPRESSION = {"method": "suppression", "min_count": 10, "secondary": "fast"}
WOMEN_AND_MEN = [{"field": "sex", "op": "in", "value": ["female", "male"]}]
MESSY = "record_id,sex,age,nationality,district\n1,F,34,VEN,XAT0101\n2,M,300,VEN,XAT0101\n3,F,20,Atlantisland,XAT0101\n"


def public_agreement() -> dict:
    return {"name": "public-figures", "title": "Migrants in Atlantis: public figures",
            "parties": {"provider": "nso", "recipients": ["public"]},
            "tables": [{"name": "migrants_by_region_sex", "title": "Migrants by region and sex",
                        "dimensions": [{"field": "area", "level": "adm1"}, SEX], "protection": SUPPRESSION,
                        "filter": WOMEN_AND_MEN},
                       {"name": "migrants_by_age_sex", "title": "Migrants by age group and sex",
                        "dimensions": [{"field": "age", "grouping": {"bands": [0, 18, 30, 45, 60]}}, SEX],
                        "protection": SUPPRESSION, "filter": WOMEN_AND_MEN}],
            "dimensions": ["area", "sex", "age", "nationality"], "finest_geography": "adm1",
            "formats": ["csv", "json"], "purposes": ["statistics"], "licence": "CC-BY-4.0",
            "start": "2026-01-01", "expiry": "2030-01-01"}


def partner_agreement(name: str, org: str) -> dict:
    return {"name": name, "title": f"Planning figures for {org}", "parties": {"provider": "nso", "recipients": [org]},
            "tables": [{"name": "by_region_sex", "dimensions": [{"field": "area", "level": "adm1"}, SEX],
                        "protection": SUPPRESSION, "filter": WOMEN_AND_MEN}],
            "dimensions": ["area", "sex", "age", "nationality"], "finest_geography": "adm1",
            "formats": ["csv", "json"], "purposes": ["preparedness", "statistics"],
            "special_runs": {"allowed": True, "max_cells": 2000, "max_per_month": 20, "approval_required": True,
                             "approvers": ["steward"]},
            "circumstances": {"routine": True, "crisis": {"trigger": "Hurricane warning", "finest_geography": "adm2",
                                                          "purposes": ["emergency_response"], "max_days": 30}},
            "start": "2026-01-01", "expiry": "2030-01-01"}


def build_world(home: Path) -> Path:
    """Create the workspace: boundaries, people, a messy file, users, agreements and three releases."""
    from atlas.demo.country import demo_areas, write_cod_ab_style
    from atlas.demo.population import generate_population
    from atlas.geo.boundaries import import_boundaries
    from atlas.ingest.pipeline import IngestOptions, ingest_file
    from atlas.privacy.access import Actor
    from atlas.privacy.users import actor_for, add_user
    from atlas.sharing.agreement import parse_agreement
    from atlas.sharing.catalog import add_agreement
    from atlas.sharing.release import run_release

    settings = Settings(home=home, user="stella")
    Workspace.init(settings)
    ws = Workspace.open(settings)
    scratch = home.parent / "scratch"
    scratch.mkdir()
    with ws.connect() as con:
        for level in (1, 2):
            import_boundaries(con, write_cod_ab_style(scratch / f"xat_adm{level}.geojson", level), country="XAT",
                              level=level)
        boot = Actor("stella", frozenset({"steward"}), None, bootstrap=True)
        add_user(con, boot, "stella", role="steward", organisation="nso", password=PASSWORD["stella"])
        stella = actor_for(con, "stella")
        for name, (role, org) in USERS.items():
            if name != "stella":
                add_user(con, stella, name, role=role, organisation=org, password=PASSWORD[name])
        for data in (public_agreement(), partner_agreement("aid-agency-2026", "aid-agency"),
                     partner_agreement("other-ngo-2026", "other-ngo")):
            add_agreement(con, stella, parse_agreement(data))
    people = generate_population(4000, areas=demo_areas(), host_country="XAT", seed=3, out=scratch / "people.csv",
                                 fmt="csv")
    mapping = Path(str(resources.files("atlas.demo").joinpath("people_mapping.yaml")))
    ingest_file(ws, Path(people.path), IngestOptions(mapping=mapping, source_name="Demo register"))
    (scratch / "messy.csv").write_text(MESSY, encoding="utf-8")
    ingest_file(ws, scratch / "messy.csv", IngestOptions(country="XAT", source_name="Messy partner file",
                                                         report=scratch / "messy.issues.csv"))
    with ws.connect() as con:
        stella = actor_for(con, "stella")
    for name in ("public-figures", "aid-agency-2026", "other-ngo-2026"):
        run_release(ws, name, stella)
    shutil.rmtree(scratch)
    return home


_built: dict[str, Path] = {}
_lock = threading.Lock()


def template(root: Path) -> Path:
    """The world, built once per process (several test modules share it)."""
    with _lock:
        if "home" not in _built:
            _built["home"] = build_world(root / "portal-world" / "ws")
        return _built["home"]


def copy_world(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    for p in target.rglob("*"):
        if p.is_dir():
            p.chmod(0o700)
    return target


def client_for(home: Path) -> TestClient:
    from atlas.web.app import create_app

    return TestClient(create_app(Settings(home=home)), raise_server_exceptions=False, follow_redirects=False)


def sign_in(client: TestClient, user: str) -> str:
    """Sign in through the form; returns the CSRF token of the new session (read from a page)."""
    r = client.post("/login", data={"username": user, "password": PASSWORD[user], "next": "/",
                                    "login_token": login_token(client)})
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/partner" if USERS[user][0] == "partner" else "/steward").text)


def login_token(client: TestClient) -> str:
    """Open the sign-in form (sets its one-time cookie) and read its token."""
    return csrf_of(client.get("/login").text, "login_token")


def csrf_of(html: str, field: str = "csrf_token") -> str:
    marker = f'name="{field}" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


@dataclass
class Server:
    """A real uvicorn server on a free loopback port, in a thread."""

    url: str
    thread: threading.Thread
    server: object


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path) -> Iterator[Server]:
    import uvicorn

    from atlas.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(Settings(home=home)), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", thread, server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
