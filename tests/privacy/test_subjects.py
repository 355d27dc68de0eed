from __future__ import annotations

import json

import pyarrow as pa
import pytest

from atlas.errors import NotFound, PolicyRefused, RejectedInput
from atlas.privacy.access import Actor
from atlas.privacy.consent import withdraw
from atlas.privacy.pseudonym import pseudonym, pseudonymize_sql
from atlas.privacy.subjects import erase_subject, erased_pseudonyms_filter, export_subject, rectify_subject
from atlas.privacy.usage import record_usage
from atlas.privacy.vault import find_subjects, store_identifiers

FILE_SHA = "ab" * 32


@pytest.fixture()
def filled(ws):
    """One batch of three people (identifier = document number), with vault entries and a table that used it."""
    with ws.connect() as con:
        pseudonymize_sql(con, ws.keys)
        con.execute("""INSERT INTO batches (batch_id, kind, sha256, legal_basis, purposes, started_at)
            VALUES (1, 'person', ?, 'consent', ['statistics'], '2026-01-01')""", [FILE_SHA])
        con.execute("""CREATE TEMP TABLE staged AS SELECT * FROM (VALUES
            (1, 'DOC-111', 'Amina Sefu', 'SOM', 'REC-0001'), (2, 'DOC-222', 'Boris Kaled', 'SYR', 'REC-0002'),
            (3, 'DOC-333', 'Chidi Ope', 'NGA', 'REC-0003')) t(source_row, doc, name, nat, rid)""")
        con.execute("""INSERT INTO persons (batch_id, source_row, pseudonym, record_key, record_id, nationality,
            consent_purposes) SELECT 1, source_row, atlas_pseudonym(doc), 0.5, rid, nat, ['statistics'] FROM temp.staged""")
        store_identifiers(con, ws.keys, 1, con.sql(
            "SELECT atlas_pseudonym(doc) AS pseudonym, name, doc AS document_number FROM temp.staged"))
        record_usage(con, "table", "migrants_by_nationality", [1], "statistics")
        record_usage(con, "release", "2026-02-public", [1], "statistics", "public")
        withdraw(con, pseudonym(ws.keys, "DOC-222"), ["statistics"])
        con.execute("INSERT INTO quarantine (batch_id, row_number, raw) VALUES (1, 9, '{\"doc\": \"DOC-111\"}')")
    return ws


def test_export_returns_everything_held(filled) -> None:
    out = export_subject(filled, "DOC-222")
    assert out["identifiers"] == {"document_number": "DOC-222", "name": "Boris Kaled"}
    assert [(r["nationality"], r["record_id"]) for r in out["records"]] == [("SYR", "REC-0002")]
    assert out["consents"][0]["purposes"] == ["statistics"] and out["consents"][0]["withdrawn_at"]
    assert {u["object_id"] for u in out["used_in"]} == {"migrants_by_nationality", "2026-02-public"}
    json.dumps(out)  # serialisable as the CLI prints it
    assert export_subject(filled, out["pseudonym"])["pseudonym"] == out["pseudonym"]
    with pytest.raises(NotFound):
        export_subject(filled, "DOC-999")


def test_subject_rights_need_the_permission(filled) -> None:
    with pytest.raises(PolicyRefused):
        export_subject(filled, "DOC-111", Actor("pat", frozenset({"partner"}), "unhcr"))


def test_erasure_is_complete_verified_and_blocks_reingest(filled, scan) -> None:
    result = erase_subject(filled, "DOC-111", reason="request 2026-17")
    assert (result.persons, result.vault, result.quarantine) == (1, 2, 1)
    assert result.problems == [] and result.compaction is not None
    assert scan(filled.home, ["DOC-111", "Amina Sefu", "REC-0001", result.pseudonym]) == {}
    with filled.connect() as con:
        assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == 2
        stored = con.execute("SELECT pseudonym, rows_digest FROM erasures").fetchall()
        assert stored[0][0] == result.pseudonym and "DOC-111" not in str(stored)
        pseudonymize_sql(con, filled.keys)
        # the same file arrives again: rows of the erased person are dropped by pseudonym and by file row
        con.execute("""CREATE TEMP TABLE again AS SELECT * FROM (VALUES (1, 'DOC-111'), (2, 'DOC-222'), (3, NULL))
            t(source_row, doc)""")
        keep = erased_pseudonyms_filter(con, "p", file_sha256=FILE_SHA, row_column="source_row")
        kept = con.execute(f"SELECT source_row FROM (SELECT *, atlas_pseudonym(doc) AS p FROM temp.again) WHERE {keep} "
                           "ORDER BY 1").fetchall()
        assert kept == [(2,), (3,)]
        con.execute("UPDATE temp.again SET doc = NULL WHERE source_row = 1")  # identifier blanked in the new copy
        kept = con.execute(f"SELECT source_row FROM (SELECT *, atlas_pseudonym(doc) AS p FROM temp.again) WHERE {keep} "
                           "ORDER BY 1").fetchall()
        assert kept == [(2,), (3,)]
        assert "subject.erase" in [r[0] for r in con.execute("SELECT action FROM audit_log").fetchall()]


def test_filter_is_true_without_erasures(filled) -> None:
    with filled.connect() as con:
        assert erased_pseudonyms_filter(con) == "TRUE"


def test_rectify_record_and_identifier(filled) -> None:
    assert rectify_subject(filled, "DOC-333", {"nationality": "GHA", "name": "Chidi Opara"}) == {
        "records": 1, "identifiers": 1}
    out = export_subject(filled, "DOC-333")
    assert out["identifiers"]["name"] == "Chidi Opara" and out["records"][0]["nationality"] == "GHA"
    with filled.connect() as con:
        detail = con.execute("SELECT detail FROM audit_log WHERE action = 'subject.rectify'").fetchone()[0]
        assert "Opara" not in detail and "GHA" not in detail


def test_usage_by_purpose_reaches_the_subject_export(filled) -> None:
    from atlas.privacy.usage import record_usage_for_purpose

    with filled.connect() as con:
        assert record_usage_for_purpose(con, "release", "flash-update-7", "statistics", "ocha") == 1
        assert record_usage_for_purpose(con, "table", "t-research", "research") == 0
    used = export_subject(filled, "DOC-333")["used_in"]
    assert {"object_kind": "release", "object_id": "flash-update-7", "purpose": "statistics",
            "recipient": "ocha"}.items() <= next(u for u in used if u["object_id"] == "flash-update-7").items()


def test_subject_found_by_any_identifier_without_decrypting(filled) -> None:
    assert export_subject(filled, "  boris KALED ")["identifiers"]["document_number"] == "DOC-222"
    assert export_subject(filled, "doc 333")["identifiers"]["name"] == "Chidi Ope"
    with filled.connect() as con:
        assert find_subjects(con, filled.keys, "Amina Sefu", "document_number") == []
        assert len(find_subjects(con, filled.keys, "amina sefu", "name")) == 1
        lookups = [r[0] for r in con.execute("SELECT lookup FROM vault").fetchall()]
        assert all(len(x) == 64 for x in lookups) and len(set(lookups)) == len(lookups)
        store_identifiers(con, filled.keys, 1, pa.table({"pseudonym": ["other"], "name": ["Amina SEFU"]}))
    with pytest.raises(RejectedInput, match="2 people"):
        export_subject(filled, "Amina Sefu")
