"""SPSS and Stata files written by pyreadstat, value labels applied."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from atlas.ingest.readers import Source, open_source


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_spss_and_stata_with_value_labels(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, suffix: str, rows: Callable[[Source], list[tuple]]
) -> None:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"sex": [1.0, 2.0, 1.0], "age": [30.0, 41.5, None], "town": ["a", "b", "c"]})
    path = tmp_path / f"s{suffix}"
    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    writer(frame, str(path), variable_value_labels={"sex": {1: "female", 2: "male"}})
    source = open_source(path, con=con)
    assert source.format == suffix[1:]
    assert rows(source) == [("female", "30", "a", 2), ("male", "41.5", "b", 3), ("female", None, "c", 4)]
