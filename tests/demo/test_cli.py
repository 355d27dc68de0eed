"""`atlas demo` commands, run through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from atlas.commands.demo import app

runner = CliRunner()


def test_generate_demo_country_with_everything(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "-o", str(tmp_path), "--rows", "3000", "--seed", "2", "--dirty",
                                 "--partners"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rows"] == 3000 and summary["host_country"] == "XAT"
    assert (tmp_path / "people.csv").is_file() and (tmp_path / "dirty" / "manifest.json").is_file()
    assert (tmp_path / "geography" / "xat_adm2.geojson").is_file()
    assert (tmp_path / "partners" / "flow_monitoring.csv").is_file()


def test_generate_with_areas_file(tmp_path: Path, shared_data: Path) -> None:
    areas = shared_data / "geo" / "admin1" / "hti_adm2_pcodes_simplified.geojson"
    result = runner.invoke(app, ["generate", "-o", str(tmp_path), "--rows", "500", "--country", "hti",
                                 "--areas", str(areas), "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "people.parquet").is_file()


def test_citizens_abroad(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "-o", str(tmp_path), "--rows", "500", "--country", "AFG",
                                 "--registry", "citizens-abroad"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "citizens_abroad.csv").is_file()


def test_geography(tmp_path: Path) -> None:
    result = runner.invoke(app, ["geography", "-o", str(tmp_path / "xat.gpkg")])
    assert result.exit_code == 0 and (tmp_path / "xat.gpkg").is_file()
    result = runner.invoke(app, ["geography", "-o", str(tmp_path / "adm1.geojson"), "--level", "1"])
    assert result.exit_code == 0 and "ADM1_PCODE" in (tmp_path / "adm1.geojson").read_text()


def test_other_country_without_areas_is_refused(tmp_path: Path) -> None:
    from atlas.errors import AtlasError

    result = runner.invoke(app, ["generate", "-o", str(tmp_path / "o"), "--rows", "10", "--country", "COL",
                                 "--home", str(tmp_path / "no-workspace")])
    assert result.exit_code != 0 and isinstance(result.exception, AtlasError)
    assert not (tmp_path / "o" / "people.csv").exists()
