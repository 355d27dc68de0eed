from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.access import Actor
from atlas.privacy.compaction import compact_file, files_containing
from atlas.privacy.retention import apply_retention, list_rules, run_retention, set_rule
from atlas.privacy.vault import store_identifiers
from atlas.store import schema

STEWARD = Actor("stew", frozenset({"steward"}))


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    """Batch 1 (2020, register, statistics+research), batch 2 (2025, survey, statistics), batch 3 (2020, survey)."""
    con.execute("""INSERT INTO batches (batch_id, kind, source, sha256, legal_basis, purposes, started_at) VALUES
        (1, 'person', 'register', 'a', 'public_task', ['statistics', 'research'], '2020-01-10'),
        (2, 'person', 'survey', 'b', 'consent', ['statistics'], '2025-06-01'),
        (3, 'person', 'survey', 'c', 'consent', ['statistics', 'research'], '2020-03-01')""")
    con.execute("""INSERT INTO persons (batch_id, source_row, pseudonym, record_key, record_id, event_date)
        SELECT b, i, 'PSEUDO-' || b || '-' || lpad(i::VARCHAR, 6, '0'), 0.5,
               'RECORD-' || b || '-' || lpad(i::VARCHAR, 6, '0'), DATE '2020-05-17'
        FROM range(1, 4) s(b), range(2000) t(i)""")
    con.execute("""INSERT INTO quarantine (batch_id, row_number, raw)
        SELECT b, 1, json_object('full_name', 'Quarantined Person ' || b) FROM range(1, 4) s(b)""")
    con.execute("INSERT INTO issues (batch_id, row_number, column_name, value, code) "
                "SELECT b, 1, 'age', 'BADVALUE-' || b, 'not-a-number' FROM range(1, 4) s(b)")


def test_rules_are_validated_and_need_permission(ws) -> None:
    with ws.connect() as con:
        set_rule(con, STEWARD, "purpose", "research", 365)
        with pytest.raises(PolicyRefused):
            set_rule(con, STEWARD, "purpose", "gossip", 365)
        with pytest.raises(PolicyRefused):
            set_rule(con, Actor("ana", frozenset({"analyst"})), "default", "*", 1)
        assert [r.name for r in list_rules(con)] == ["research"]


def test_purpose_expiry_then_delete_and_anonymise(ws, scan) -> None:
    with ws.connect() as con:
        _fill(con)
        store_identifiers(con, ws.keys, 3, pa.table({"pseudonym": ["PSEUDO-3-000001"], "name": ["Vault Person"]}))
        set_rule(con, STEWARD, "purpose", "research", 365)
        set_rule(con, STEWARD, "purpose", "statistics", 365 * 10, "anonymise")
        set_rule(con, STEWARD, "source", "survey", 365 * 3)
    (ws.home / "raw" / "3").mkdir(parents=True)
    (ws.home / "raw" / "3" / "survey.csv").write_text("name\nRaw File Person\n")
    report = run_retention(ws, date(2026, 1, 1))
    by = {a.batch_id: a for a in report.actions}
    assert by[1].action == "purposes-expired" and by[1].purposes_expired == ["research"]
    assert by[3].action == "delete" and by[3].persons == 2000 and by[3].vault == 1 and by[3].raw_files == 1
    assert 2 not in by and report.verified is True and report.compaction is not None
    with ws.connect() as con:
        assert con.execute("SELECT purposes FROM batches WHERE batch_id = 1").fetchone()[0] == ["statistics"]
        assert con.execute("SELECT count(*) FROM persons WHERE batch_id = 3").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM quarantine WHERE batch_id = 3").fetchone()[0] == 0
    assert not (ws.home / "raw" / "3").exists()
    assert scan(ws.home, ["RECORD-3-000001", "Raw File Person", "Quarantined Person 3"]) == {}
    later = run_retention(ws, date(2031, 1, 1))
    assert {a.batch_id: a.action for a in later.actions} == {1: "anonymise", 2: "delete"}
    with ws.connect() as con:
        row = con.execute("SELECT count(pseudonym), count(record_id), min(event_date) FROM persons WHERE batch_id = 1")
        assert row.fetchone() == (0, 0, date(2020, 1, 1))
        assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == 2000


def test_deleted_values_leave_an_unencrypted_file_only_after_compaction(tmp_path: Path) -> None:
    """The byte scan is meaningful: the same API on a plain file shows values survive DELETE, not the rewrite."""
    db = tmp_path / "plain.duckdb"
    engine = {"force_compression": "uncompressed"}  # store strings verbatim so a byte scan can see them
    con = duckdb.connect(str(db), config=engine)
    schema.upgrade(con)
    _fill(con)
    set_rule(con, STEWARD, "source", "survey", 365)
    con.execute("CHECKPOINT")
    assert files_containing(tmp_path, ["RECORD-3-000042", "Quarantined Person 3"])  # positive control
    report = apply_retention(con, STEWARD, date(2022, 1, 1))
    assert {a.batch_id for a in report.actions} == {3}
    con.execute("CHECKPOINT")
    con.close()
    assert "RECORD-3-000042" in files_containing(tmp_path, ["RECORD-3-000042"])  # DELETE alone is not enough
    compact_file(db, None, engine=engine)
    found = files_containing(tmp_path, ["RECORD-3-000042", "RECORD-3-001999", "Quarantined Person 3", "BADVALUE-3",
                                        "RECORD-1-000042", "RECORD-2-000042"])
    assert set(found) == {"RECORD-1-000042", "RECORD-2-000042"}  # kept rows still readable: the scan works


def test_retention_is_audited(ws) -> None:
    with ws.connect() as con:
        _fill(con)
        set_rule(con, STEWARD, "default", "*", 30)
    run_retention(ws, date(2026, 1, 1))
    with ws.connect() as con:
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY seq").fetchall()]
        assert actions[-1] == "retention.run"
        assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM retention_runs").fetchone()[0] == 1
