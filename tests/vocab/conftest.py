"""Fixtures of the vocabulary tests: the OCHA countries and territories taxonomy, read in place."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ocha_rows(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data / "geo" / "ocha_countries_territories_taxonomy.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
