"""The CLI as a user meets it: real subprocesses, documented exit codes, clear messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def atlas(*args: str, home: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "200", **(env or {})}
    e.pop("ATLAS_MASTER_KEY", None) if not (env and "ATLAS_MASTER_KEY" in env) else None
    cmd = [sys.executable, "-c", "from atlas.cli import main; main()", *args]
    if home is not None:
        cmd += ["--home", str(home)]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, env=e, timeout=300)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    h = tmp_path_factory.mktemp("cli") / "ws"
    assert atlas("init", home=h).returncode == 0
    shp = shared_data / "geo" / "admin1" / "hti_cod_ab_shp"
    for level in (1, 2):
        r = atlas("geo", "import", str(shp / f"hti_admbnda_adm{level}_cnigs_20181129.shp"),
                  "--country", "HTI", "--level", str(level), home=h)
        assert r.returncode == 0, r.stderr
    return h


def test_help_is_friendly() -> None:
    r = atlas("--help")
    assert r.returncode == 0 and "without exposing anyone" in r.stdout and "ingest" in r.stdout


def test_usage_error_is_2(home: Path) -> None:
    r = atlas("ingest", "/nonexistent/file.csv", home=home)
    assert r.returncode == 2 and "does not exist" in (r.stderr + r.stdout)


def test_ingest_ok_then_duplicate_is_rejected_3(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("sex,age,nationality,district\nF,30,Syrie,HT0111\nM,41,Venezuela,HT0112\n")
    r = atlas("ingest", str(f), "--country", "HTI", home=home)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "Stored 2 of 2 rows" in r.stdout
    r = atlas("ingest", str(f), home=home)
    assert r.returncode == 3 and "already ingested" in r.stderr


def test_bad_rows_reported_with_report_file(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("sex,age,nationality,district\nF,140,Syira,HT0111\nM,41,Venezuela,HT0112\n")
    r = atlas("ingest", str(f), "--country", "HTI", "--policy", "reject", home=home)
    assert r.returncode == 3 and "refused whole" in r.stderr
    assert "SYR" in (tmp_path / "bad.issues.csv").read_text()


def test_empty_file_is_rejected_3(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    r = atlas("ingest", str(f), home=home)
    assert r.returncode == 3 and "empty" in r.stderr


def test_wrong_key_is_5(home: Path) -> None:
    r = atlas("batch", "list", home=home, env={"ATLAS_MASTER_KEY": "A" * 43 + "="})
    assert r.returncode == 5 and "does not open this workspace" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    r = atlas("batch", "list", home=tmp_path / "nowhere")
    assert r.returncode == 2 and "atlas init" in r.stderr


def test_not_found_is_6(home: Path) -> None:
    r = atlas("batch", "show", "999", home=home)
    assert r.returncode == 6


def test_quarantine_list_never_shows_identifiers(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "q.csv"
    f.write_text("full_name,sex,age,nationality,district\nZorro Canary,F,abc,SYR,HT0111\n")
    assert atlas("ingest", str(f), "--country", "HTI", home=home).returncode == 0
    r = atlas("quarantine", "list", home=home)
    assert r.returncode == 0 and "not-a-number" in r.stdout and "Zorro" not in r.stdout
