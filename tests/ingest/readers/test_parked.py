"""A large parse waits in a compressed, encrypted throwaway database instead of an uncompressed temp table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from atlas.ingest.readers import ReadLimits, open_source, parked
from atlas.store.duck import httpfs_path

TEXT = ('id,name,note\n1,Amina Canary,a\n2,Jose Canary\n3,"Marie\nCanary",c\n\n4,Pedro Canary,d\n'
        + "".join(f"{i},Person{i} Canary,x\n" for i in range(5, 3000)))


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    (tmp_path / "tmp").mkdir()
    c = duckdb.connect(config={"temp_directory": str(tmp_path / "tmp"), "memory_limit": "200MB"})
    c.execute(f"LOAD '{httpfs_path()}'")
    return c


def test_small_parse_stays_a_temp_table(con: duckdb.DuckDBPyConnection) -> None:
    assert parked.park(con, 1000).temp


def test_large_parse_goes_to_an_encrypted_file_released_on_close(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    spot = parked.park(con, 10**9)
    assert not spot.temp and spot.table.endswith(".numbered")
    (made,) = (tmp_path / "tmp").glob("atlas_parse_*.duckdb")
    spot.release()
    assert not made.exists()


def test_parked_rows_rejects_and_lines_match_the_temp_table(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "people.csv"
    path.write_text(TEXT)
    plain = open_source(path, limits=ReadLimits(), con=con)
    expected = plain.relation(con).order("_row").fetchall()
    monkeypatch.setattr(parked, "MEMORY_SHARE", 0.0)
    source = open_source(path, limits=ReadLimits(), con=con)
    (made,) = (tmp_path / "tmp").glob("atlas_parse_*.duckdb")
    assert source.relation(con).order("_row").fetchall() == expected
    assert [(i.code, i.row) for i in source.issues] == [(i.code, i.row) for i in plain.issues] == [("ragged-row", 3)]
    con.execute("CHECKPOINT")
    assert b"Canary" not in made.read_bytes()
    source.close()
    assert not list((tmp_path / "tmp").glob("atlas_parse_*"))


def test_sweep_removes_files_of_dead_processes_only(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    stale = tmp_path / f"atlas_parse_{dead}_ab12.duckdb"
    mine = tmp_path / f"atlas_parse_{os.getpid()}_cd34.duckdb"
    other = tmp_path / "duckdb_temp_storage-0.tmp"
    for p in (stale, stale.with_name(stale.name + ".wal"), mine, other):
        p.write_bytes(b"x")
    parked.sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])

