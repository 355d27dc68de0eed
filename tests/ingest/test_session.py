"""Settings changed for a batch's writes are put back, also when a statement of the batch fails."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from atlas.ingest import pipeline
from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.ingest.session import BATCH_WRITES, temporarily
from atlas.store.workspace import Workspace


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


def test_batch_write_settings_store_the_same_rows(workspace: Workspace, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The compression choice changes how the store's bytes are written, never what is stored."""
    f = tmp_path / "people.csv"
    f.write_text("record_id,sex,age,nationality,district,languages,arrival_year,interview_date,informal_work\n"
                 "1,F,34,Syrie,HT0111,ara;fra,2020,2024-03-02,yes\n2,homme,40,Venezuela,Port-au-Prince,spa,2021,"
                 "02/03/2024,non\n3,Mujer,5,Haïti,HT0112,hat,2019,2024-01-31,oui\n4,x,200,Atlantis,HT99,zz,3000,"
                 "2024-13-01,maybe\n", encoding="utf-8")
    first = ingest_file(workspace, f, IngestOptions(country="HTI"))
    monkeypatch.setattr(pipeline, "BATCH_WRITES", {})
    second = ingest_file(workspace, f, IngestOptions(country="HTI", force=True))
    assert (first.rows_stored, first.rows_quarantined) == (second.rows_stored, second.rows_quarantined) == (3, 1)
    with workspace.connect(read_only=True) as con:
        def stored(batch: int | None) -> list[tuple]:
            return con.execute("SELECT * EXCLUDE (batch_id) FROM persons WHERE batch_id = ? ORDER BY source_row",
                               [batch]).fetchall()

        assert stored(first.batch_id) == stored(second.batch_id)
        assert stored(first.batch_id)
        issues = "SELECT * EXCLUDE (batch_id) FROM issues WHERE batch_id = ? ORDER BY ALL"
        assert con.execute(issues, [first.batch_id]).fetchall() == con.execute(issues, [second.batch_id]).fetchall()
