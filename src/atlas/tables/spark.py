"""National-scale aggregation on Spark with the very same Ibis expression as the embedded store.

Eligible records (purpose, consent and withdrawal already applied by the store) are handed to Spark as
Arrow batches in memory — never as plaintext files — and `aggregate_expr` runs on the PySpark backend.
On a cluster, point `records` at the cluster's own secured table instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import ibis
import pandas as pd

from atlas.tables.compute import aggregate_expr, prepare_duckdb
from atlas.tables.spec import TableSpec


@contextmanager
def local_spark(cores: int = 2) -> Iterator[Any]:
    """A local Spark session (no UI, no network listeners beyond loopback) for tests and single machines."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(f"local[{cores}]").appName("atlas")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", str(max(2, cores)))
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def eligible_to_spark(con: duckdb.DuckDBPyConnection, spark: Any, spec: TableSpec, purpose: str,
                      view: str = "eligible") -> None:
    """Register the eligible records of `spec` in Spark (only the columns the table needs)."""
    prepare_duckdb(con, spec.kind, purpose)
    needed = _columns(con, spec)
    frame = con.execute(f"SELECT {', '.join(needed)} FROM eligible").df()
    spark.createDataFrame(frame).createOrReplaceTempView(view)


def _columns(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> list[str]:
    available = [r[0] for r in con.execute("DESCRIBE eligible").fetchall()]
    wanted = {"adm0", "adm1", "adm2", "ckey_units", "value"}
    wanted |= {d.field for d in spec.dimensions} | {c.field for c in spec.filter}
    if spec.measure.field:
        wanted.add(spec.measure.field)
    return [c for c in available if c in wanted]


def finest_counts_spark(spark: Any, spec: TableSpec, view: str = "eligible") -> pd.DataFrame:
    """Finest-level cells of `spec` computed by Spark through Ibis (same expression as DuckDB)."""
    backend = ibis.pyspark.connect(spark)
    return backend.to_pandas(aggregate_expr(backend.table(view), spec))
