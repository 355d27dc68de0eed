"""The origin-State view on a consulate's registry, and the three commands end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from atlas.communities.diaspora import SKILL_PRESETS, DiasporaView, diaspora_view, skill_filter
from atlas.demo.diaspora import build_consulate
from atlas.errors import NotFound, RejectedInput
from atlas.protection.cube import TOTAL
from atlas.settings import Settings
from atlas.store.workspace import Workspace


@pytest.fixture(scope="module")
def consulate(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("consulate")
    (root / "scratch").mkdir()
    c = build_consulate(root / "ws", master_key=None, scratch=root / "scratch", rows=2500, seed=2)
    assert c.stored > 2000
    return Workspace.open(Settings(home=c.home))


@pytest.fixture(scope="module")
def view(consulate: Workspace) -> DiasporaView:
    return diaspora_view(consulate, "VEN", skill="medical")


def test_distribution_by_host_country_and_by_area(view: DiasporaView) -> None:
    keys = [s.key for s in view.sections]
    assert keys[:2] == ["hosts", "areas"] and {"occupation", "education", "language", "diaspora"} <= set(keys)
    hosts = view.sections[0]
    assert view.size == hosts.total and hosts.total
    countries = {c.codes["host_country"] for c in hosts.cells}
    assert {"COL", "XAT"} <= countries and any(c.startswith("M49_") for c in countries)
    areas = next(s for s in view.sections if s.key == "areas")
    assert {c.codes["area"][:3] for c in areas.cells} == {"XAT"}


def test_cell_key_view_never_shows_a_small_count(view: DiasporaView) -> None:
    figures = [c.value for s in [*view.sections, view.skill] if s for c in s.cells if c.value is not None]
    assert figures and not [v for v in figures if 0 < v < view.min_count]


def test_skill_query_medical_by_host_country(view: DiasporaView) -> None:
    assert view.skill is not None and "isco_major in 2,3" in view.skill.note and "sector_isic in Q" in view.skill.note
    assert {c.codes["host_country"] for c in view.skill.cells} - {TOTAL}


@pytest.mark.parametrize(("preset", "codes"), [("nurses", {}), (None, {}), (None, {"ethnicity": ["x"]})])
def test_bad_skill_queries_are_refused(preset: str | None, codes: dict) -> None:
    with pytest.raises(RejectedInput):
        skill_filter(preset, **codes)


def test_every_preset_uses_vocabulary_codes() -> None:
    for name in SKILL_PRESETS:
        _, clauses = skill_filter(name)
        assert clauses


def test_a_host_workspace_without_registry_says_so(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "empty")
    Workspace.init(settings)
    with pytest.raises(NotFound):
        diaspora_view(Workspace.open(settings))


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    from atlas.commands.profile import register

    app = typer.Typer()
    register(app)
    return app


def test_diaspora_command_writes_json(cli: typer.Typer, consulate: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    r = CliRunner().invoke(cli, ["diaspora", "--home", str(consulate.home), "--isco", "2", "-f", "json",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["skill"]["note"] == "Query: isco_major in 2" and doc["size"]


def test_profile_and_trends_commands(cli: typer.Typer, consulate: Workspace, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["profile", "XAT01", "--home", str(consulate.home), "--method", "cell_key",
                                 "-f", "html", "-o", str(tmp_path / "p.html")])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "p.html").read_text()
    assert "<script" not in page and "http" not in page.split("<svg", 1)[0] and "<svg" in page
    r = CliRunner().invoke(cli, ["trends", "arrivals", "--home", str(consulate.home), "-o", str(tmp_path / "t.csv")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "t.csv").read_text().startswith("period,area,nationality,value,flag")
