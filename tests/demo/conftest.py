"""Fixtures shared by the demo tests: one small generated population, read back as strings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from atlas.demo.country import demo_areas
from atlas.demo.population import GenerationSummary, generate_population

ROWS = 10_000


@pytest.fixture(scope="session")
def xat_run(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    out = tmp_path_factory.mktemp("demo") / "people.csv"
    return generate_population(ROWS, areas=demo_areas(), host_country="XAT", seed=7, out=out, island=True)


@pytest.fixture(scope="session")
def people(xat_run: GenerationSummary) -> pd.DataFrame:
    return pd.read_csv(xat_run.path, dtype=str, keep_default_na=False)


def read_strings(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)
