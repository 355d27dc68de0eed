"""Per-row SQL: the numeric parse keeps its results while its slow path runs only where the fast cast fails."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.ingest.rowsql import _numeric


def _reference(c: str) -> str:
    """The expression before the lambda (the cleaned text written out three times), as the reference."""
    t = f"regexp_replace(trim(s.{c}), '[\\s*\u00a0]', '', 'g')"
    slow = (f"TRY_CAST(CASE WHEN regexp_matches({t}, '^-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?$') THEN replace({t}, ',', '') "
            f"ELSE replace({t}, ',', '.') END AS DOUBLE)")
    return f"coalesce(TRY_CAST(s.{c} AS DOUBLE), {slow})"


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _both(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> list[tuple]:
    con.register("s", pa.table({"c_v": pa.array(values, pa.string()), "i": pa.array(range(len(values)))}))
    try:
        return con.execute(f"SELECT {_numeric('c_v')}, {_reference('c_v')} FROM s ORDER BY i").fetchall()
    finally:
        con.unregister("s")


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", 12.0), (" 12,5 ", 12.5), ("1,234,567", 1234567.0), ("-1,234.5", -1234.5), ("3*", 3.0),
    ("1\u00a0000", 1000.0), ("1 000", 1000.0), ("1,23", 1.23), ("abc", None), ("", None), (None, None),
])
def test_numeric_values(con: duckdb.DuckDBPyConnection, raw: str | None, expected: float | None) -> None:
    assert _both(con, [raw]) == [(expected, expected)]


_NUMERIC_TEXT = st.lists(st.one_of(
    st.none(), st.text(alphabet="0123456789,.-* \u00a0ab", max_size=14),
    st.floats(allow_nan=False, allow_infinity=False).map(str),
    st.integers(-10**9, 10**9).map(lambda n: f"{n:,}")), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_NUMERIC_TEXT)
def test_numeric_same_as_before_for_any_text(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    for new, old in _both(con, values):
        assert new == old


def test_slow_path_is_not_hoisted_out_of_the_coalesce(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's common-subexpression pass must find nothing to compute for every row."""
    con.execute("CREATE OR REPLACE TEMP TABLE s AS SELECT '1' AS c_v")
    def plan(expr: str) -> str:
        return "\n".join(r[1] for r in con.execute(f"EXPLAIN SELECT {expr} FROM s").fetchall())

    assert plan(_reference("c_v")).count("PROJECTION") == 2  # the hoisting this guards against
    assert plan(_numeric("c_v")).count("PROJECTION") == 1
