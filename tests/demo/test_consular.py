"""The consular registry of citizens abroad."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pycountry

from atlas.demo.consular import CONSULAR_COLUMNS, destinations, generate_citizens_abroad

from .conftest import read_strings


def test_registry_of_syrians_abroad(tmp_path: Path) -> None:
    run = generate_citizens_abroad(5000, country="SYR", seed=3, out=tmp_path / "c.csv")
    frame = read_strings(run.path)
    assert list(frame.columns) == [c.name for c in CONSULAR_COLUMNS] and len(frame) == 5000
    assert set(frame["nationality"]) == {"SYR"} and set(frame["migration_status"]) == {"citizen_abroad"}
    hosts = frame["host_country"].value_counts()
    assert hosts.index[0] in {"TUR", "LBN", "JOR"} and "SYR" not in hosts.index
    assert all(pycountry.countries.get(alpha_3=c) for c in hosts.index)
    born_abroad = frame["country_of_birth"] != "SYR"
    assert (frame.loc[born_abroad, "country_of_birth"] == frame.loc[born_abroad, "host_country"]).all()
    assert set(frame["diaspora"]) == {"yes", "no"}


def test_unknown_origin_uses_default_profile(tmp_path: Path) -> None:
    run = generate_citizens_abroad(500, country="XAT", seed=1, out=tmp_path / "x.parquet", fmt="parquet")
    assert run.rows == 500 and run.registry == "citizens-abroad"
    codes, p = destinations("XAT", 1)
    assert abs(p.sum() - 1) < 1e-9 and "XAT" not in codes


def test_deterministic(tmp_path: Path) -> None:
    a = generate_citizens_abroad(2000, country="VEN", seed=5, out=tmp_path / "a.csv")
    b = generate_citizens_abroad(2000, country="VEN", seed=5, out=tmp_path / "b.csv")
    assert hashlib.sha256(a.path.read_bytes()).digest() == hashlib.sha256(b.path.read_bytes()).digest()
