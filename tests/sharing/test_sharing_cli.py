"""The agreement, release, request and scheduler commands over the services (in-process Typer runner)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from atlas.commands import agreement, release, request, scheduler
from atlas.errors import PolicyRefused
from atlas.store.workspace import Workspace

from .conftest import agreement_data

app = typer.Typer()
for mod, name in ((agreement, "agreement"), (release, "release"), (request, "request"), (scheduler, "scheduler")):
    app.add_typer(mod.app, name=name)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas.commands.common import console

    monkeypatch.setattr(console, "width", 200)


def _run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_agreement_release_request_round_trip(populated: Workspace, tmp_path: Path) -> None:
    home = str(populated.home)
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    (spec_dir / "by_dept.yaml").write_text(yaml.safe_dump(
        {"name": "by_dept", "dimensions": [{"field": "area", "level": "adm1"}]}))
    data = agreement_data(tables=["specs/by_dept.yaml"])
    (tmp_path / "agreement.yaml").write_text(yaml.safe_dump(data))
    r = _run("agreement", "add", str(tmp_path / "agreement.yaml"), "--home", home)
    assert r.exit_code == 0, r.output
    assert "version 1" in r.output
    r = _run("agreement", "show", "ins-consulate-ven", "--home", home)
    assert r.exit_code == 0 and "consulate-VEN" in r.output and "by_dept" in r.output
    assert "ins-consulate-ven" in _run("agreement", "list", "--home", home).output
    r = _run("release", "run", "ins-consulate-ven", "--home", home)
    assert r.exit_code == 0, r.output
    folder = populated.releases_dir / "ins-consulate-ven" / "1"
    r = _run("release", "verify", str(folder))
    assert r.exit_code == 0 and "OK" in r.output
    assert "ins-consulate-ven/1" in _run("release", "list", "--home", home).output
    (tmp_path / "fine.yaml").write_text(yaml.safe_dump({"name": "fine", "dimensions": [{"field": "adm2"}]}))
    r = _run("request", "submit", str(tmp_path / "fine.yaml"), "--agreement", "ins-consulate-ven",
             "--purpose", "statistics", "--home", home)
    assert isinstance(r.exception, PolicyRefused) and r.exception.clause == "finest_geography"
    assert "refused" in _run("request", "list", "--home", home).output
    r = _run("agreement", "suspend", "ins-consulate-ven", "--reason", "audit", "--home", home)
    assert r.exit_code == 0 and "suspended" in r.output
    r = _run("scheduler", "run-due", "--home", home)
    assert r.exit_code == 0 and "Nothing due" in r.output


def test_verify_fails_with_exit_3_on_a_tampered_package(populated: Workspace, tmp_path: Path) -> None:
    import os

    (tmp_path / "a.yaml").write_text(yaml.safe_dump(agreement_data()))
    _run("agreement", "add", str(tmp_path / "a.yaml"), "--home", str(populated.home))
    _run("release", "run", "ins-consulate-ven", "--home", str(populated.home))
    folder = populated.releases_dir / "ins-consulate-ven" / "1"
    target = folder / "by_nat_sex.csv"
    os.chmod(folder, 0o755)
    os.chmod(target, 0o644)
    target.write_text(target.read_text().replace(",", ";", 1))
    r = _run("release", "verify", str(folder))
    assert r.exit_code == 3 and "by_nat_sex.csv" in r.output
