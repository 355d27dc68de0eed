"""The table code runs unchanged on DuckDB (embedded) and Spark (distributed): same cells, same counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.store.workspace import Workspace
from atlas.tables.compute import finest_counts
from atlas.tables.spec import parse_spec

SPEC = parse_spec({
    "name": "by_area_nat_sex", "kind": "person",
    "filter": [{"field": "age", "op": "ge", "value": 18}],
    "dimensions": [{"field": "area", "level": "adm2"}, {"field": "nationality"}, {"field": "sex"}],
    "measure": "count",
})


def _population(ws: Workspace, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = 3000
    rows = {
        "record_id": [str(i) for i in range(n)],
        "sex": ["F" if i % 3 else "M" for i in range(n)],
        "age": [str(10 + i % 70) for i in range(n)],
        "nationality": [("SYR", "VEN", "HTI", "Syrie")[i % 4] for i in range(n)],
        "district": [("HT0111", "HT0112", "HT0921", "HT01")[i % 7 % 4] for i in range(n)],
    }
    pacsv.write_csv(pa.table(rows), tmp_path / "pop.csv")
    ingest_file(ws, tmp_path / "pop.csv", IngestOptions(country="HTI"))


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["area", "nationality", "sex"]
    return df[[*cols, "value", "n", "ckey"]].astype({"value": int, "n": int, "ckey": "int64"}).sort_values(cols).reset_index(drop=True)


@pytest.mark.spark
def test_spark_and_duckdb_give_identical_finest_cells(workspace: Workspace, tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.fail("Java is needed for Spark; scripts/test.sh installs it")
    from atlas.tables.spark import eligible_to_spark, finest_counts_spark, local_spark

    _population(workspace, tmp_path)
    with workspace.connect() as con:
        duck = finest_counts(con, SPEC)
        with local_spark() as spark:
            eligible_to_spark(con, spark, SPEC, "statistics")
            spark_cells = finest_counts_spark(spark, SPEC)
    assert len(duck) > 5 and duck["value"].sum() == sum(1 for i in range(3000) if 10 + i % 70 >= 18)
    pd.testing.assert_frame_equal(_norm(duck), _norm(spark_cells))
