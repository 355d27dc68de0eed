"""Settings changed for a batch's writes are put back, also when a statement of the batch fails."""

from __future__ import annotations

import duckdb
import pytest

from atlas.ingest.session import BATCH_WRITES, temporarily


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> object:
    return con.execute("SELECT current_setting(?)", [name]).fetchone()[0]  # type: ignore[index]


def test_settings_applied_then_restored() -> None:
    con = duckdb.connect()
    con.execute("SET disabled_compression_methods = 'zstd'")
    before = _setting(con, "disabled_compression_methods")
    with temporarily(con, BATCH_WRITES):
        assert _setting(con, "disabled_compression_methods") != before
    assert _setting(con, "disabled_compression_methods") == before


def test_restored_after_a_failed_transaction() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    with pytest.raises(duckdb.ConversionException), temporarily(con, BATCH_WRITES):
        con.execute("BEGIN")
        try:
            con.execute("INSERT INTO t VALUES ('not a number')")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    assert _setting(con, "disabled_compression_methods") == ""


@pytest.mark.parametrize("settings", [{"memory_limit'; DROP TABLE t; --": "1"}, {"threads": "1'; --"}])
def test_refuses_names_and_values_it_did_not_expect(settings: dict[str, str]) -> None:
    with pytest.raises(ValueError), temporarily(duckdb.connect(), settings):
        pass
