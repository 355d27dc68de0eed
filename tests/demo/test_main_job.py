"""The main job end to end on a small population: what `bash scripts/demo.sh` does, at test size."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from atlas.demo.run import run_demo
from atlas.demo.sharing import LOGINS_FILE, share_demo
from atlas.privacy.users import login
from atlas.settings import Settings
from atlas.sharing.release import verify_release
from atlas.sharing.requests import list_requests
from atlas.store.workspace import Workspace


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("main-job") / "ws"
    report = run_demo(Settings(home=home), rows=2_000, seed=3)
    assert set(report.refused) <= {"disability_by_district"}  # group disclosure in a tiny population
    return home


def test_the_main_job_writes_protected_tables_and_a_validation_report(demo_home: Path) -> None:
    tables = demo_home / "outputs" / "tables"
    assert sorted(p.name for p in tables.glob("*.structure.json"))
    assert list((demo_home / "outputs" / "validation").glob("*.csv"))


def test_the_sharing_step_releases_every_agreement_and_leaves_a_run_to_approve(demo_home: Path) -> None:
    ws = Workspace.open(Settings(home=demo_home))
    logins = [tuple(x.split("\t")) for x in (demo_home / LOGINS_FILE).read_text().splitlines()[1:]]
    assert {x[1] for x in logins} >= {"steward", "partner", "auditor"}
    path = demo_home / LOGINS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    packages = [m.parent for m in (demo_home / "releases").rglob("manifest.json")]
    assert {p.relative_to(demo_home / "releases").parts[0] for p in packages} >= {
        "consulate-ven-xat", "agency-crisis-xat"}
    assert all(verify_release(p).ok for p in packages)
    with ws.connect() as con:
        consul = next(x for x in logins if x[0] == "consul")
        assert login(con, "consul", consul[3]).organisation == "consulate-VEN"
    pending = [r for r in list_requests(ws) if r["status"] == "pending"]
    assert len(pending) == 1
    assert share_demo(ws) == []  # a second run adds nothing
