"""Ingest end to end: mapping, normalisation in several languages, validation, quarantine, atomicity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from atlas.errors import RejectedInput
from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.store.workspace import Workspace

HEADER = ["record_id", "sexe", "edad", "nationality", "district", "languages", "arrival_year", "full_name",
          "interview_date", "informal_work", "phone"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def persons(ws: Workspace, sql: str = "SELECT * FROM persons ORDER BY source_row") -> list[dict]:
    with ws.connect(read_only=True) as con:
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


GOOD = [
    ["1", "F", "34", "Syrie", "HT0111", "ara;fra", "2020", "Amina Canary", "2024-03-02", "yes", "+509 5555 0101"],
    ["2", "homme", "40", "Venezuela", "Port-au-Prince", "spa", "2021", "Jose Canary", "02/03/2024", "non", "+509 5555 0102"],
    ["3", "Mujer", "5", "هايتي", "HT0112", "hat", "2019", "Marie Canary", "2024-01-31", "oui", ""],
    ["4", "M", "71", "Венесуэла", "HT01", "spa, eng", "2018", "Pedro Canary", "2023-12-01", "no", "+509 5555 0104"],
    ["5", "female", "22", "委内瑞拉", "ht0111", "Spanish", "2022", "Ana Canary", "2024-02-29", "", ""],
]


def test_normalises_codes_in_many_languages(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "good.csv", GOOD)
    r = ingest_file(workspace, f, IngestOptions(country="HTI"))
    assert (r.rows_read, r.rows_stored, r.rows_quarantined, r.issue_count) == (5, 5, 0, 0)
    rows = persons(workspace)
    assert [p["sex"] for p in rows] == ["female", "male", "female", "male", "female"]
    assert [p["nationality"] for p in rows] == ["SYR", "VEN", "HTI", "VEN", "VEN"]
    assert [p["area"] for p in rows] == ["HT0111", "HT0111", "HT0112", "HT01", "HT0111"]
    assert [p["adm1"] for p in rows] == ["HT01"] * 5
    assert rows[3]["adm2"] is None
    assert rows[0]["languages"] == ["ara", "fra"] and rows[3]["languages"] == ["spa", "eng"]
    assert [p["informal_work"] for p in rows] == [True, False, True, False, None]
    assert [p["age_band"] for p in rows] == ["30-34", "40-44", "05-09", "70-74", "20-24"]
    assert str(rows[1]["event_date"])[:10] == "2024-03-02"
    assert all(len(p["pseudonym"]) == 64 for p in rows)
    assert all(0 <= p["record_key"] < 1 for p in rows)


BAD = [
    ["6", "F", "140", "Syira", "HT0111", "ara", "2020", "Bad Canary", "2024-03-02", "yes", ""],
    ["7", "F", "abc", "SYR", "HT9999", "ara", "2031", "Bad Canary2", "2099-01-01", "maybe", ""],
    ["8", "=HYPERLINK(\"http://x\",\"click\")", "30", "SYR", "HT0111", "ara", "2020", "Bad Canary3", "2024-03-02", "yes", ""],
]


def test_bad_values_reported_with_place_rule_and_hint(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "mixed.csv", GOOD + BAD)
    report = tmp_path / "report.csv"
    r = ingest_file(workspace, f, IngestOptions(country="HTI", report=report))
    assert (r.rows_stored, r.rows_quarantined) == (5, 3)
    found = {(i.row, i.column, i.code) for i in r.issues}
    assert found == {
        (7, "edad", "impossible-age"), (7, "nationality", "unknown-country"),
        (8, "edad", "not-a-number"), (8, "district", "unknown-area"), (8, "arrival_year", "future-year"),
        (8, "interview_date", "future-date"), (8, "informal_work", "unknown-bool"),
        (9, "sexe", "unknown-sex"),
    }
    syira = next(i for i in r.issues if i.value == "Syira")
    assert syira.hint and "SYR" in syira.hint and syira.file == str(f)
    text = report.read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    with workspace.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quarantine WHERE status = 'open'").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM persons WHERE _issues IS NOT NULL OR _raw IS NOT NULL").fetchone() == (0,)


def test_reject_policy_refuses_whole_batch_and_stores_nothing(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "mixed.csv", GOOD + BAD)
    with pytest.raises(RejectedInput, match="refused whole") as err:
        ingest_file(workspace, f, IngestOptions(country="HTI", policy="reject"))
    assert len(err.value.issues) == 8
    with workspace.connect(read_only=True) as con:
        for table in ("persons", "batches", "quarantine", "issues", "vault"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def test_same_file_twice_refused_unless_forced(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "good.csv", GOOD)
    ingest_file(workspace, f, IngestOptions(country="HTI"))
    with pytest.raises(RejectedInput, match="already ingested as batch 1"):
        ingest_file(workspace, f, IngestOptions(country="HTI"))
    r = ingest_file(workspace, f, IngestOptions(country="HTI", force=True))
    assert r.batch_id == 2


def test_lineage_is_recorded(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "good.csv", GOOD)
    ingest_file(workspace, f, IngestOptions(country="HTI", source_name="Register 2026-03"))
    (b,) = persons(workspace, "SELECT * FROM batches")
    import hashlib
    import json

    assert b["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest() and b["size_bytes"] == f.stat().st_size
    assert (b["rows_read"], b["rows_stored"], b["rows_quarantined"], b["source"]) == (5, 5, 0, "Register 2026-03")
    cols = json.loads(b["mapping"])["columns"]
    assert cols["full_name"]["identifier"] and cols["edad"]["field"] == "age" and b["user_name"]
    assert b["started_at"] <= b["finished_at"] and b["vocab_version"]


def test_no_plaintext_identifier_or_value_on_disk(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "good.csv", GOOD)
    ingest_file(workspace, f, IngestOptions(country="HTI"))
    with workspace.connect() as con:
        con.execute("CHECKPOINT")
    blob = b"".join(p.read_bytes() for p in workspace.home.rglob("*") if p.is_file())
    for needle in ("Canary", "5555 0101", "Amina", "Venezuela"):
        assert needle.encode() not in blob, needle
    with workspace.connect(read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT pseudonym) FROM vault").fetchone()[0] == 5


def test_mapping_file_values_and_identifiers(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "m.csv", [["a1", "Holand-Netherlands", "XX", "Zed Canary"]],
                  header=["case", "native-country", "sx", "who"])
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "kind: person\nsource: test\nlegal_basis: consent\npurposes: [statistics, preparedness]\ncolumns:\n"
        "  case: record_id\n  native-country: {field: nationality, values: {\"Holand-Netherlands\": NLD}}\n"
        "  sx: {field: sex, values: {XX: female}}\n  who: {field: name, identifier: true}\n")
    r = ingest_file(workspace, f, IngestOptions(mapping=mapping))
    assert r.rows_stored == 1
    (p,) = persons(workspace)
    assert (p["nationality"], p["sex"]) == ("NLD", "female")
    (b,) = persons(workspace, "SELECT legal_basis, purposes FROM batches")
    assert b == {"legal_basis": "consent", "purposes": ["statistics", "preparedness"]}


def test_invalid_mapping_file_reports_where(tmp_path: Path, workspace: Workspace) -> None:
    f = write_csv(tmp_path / "g.csv", GOOD)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("kind: person\ncolumns:\n  sexe: gendre\nunknown_key: 1\n")
    with pytest.raises(RejectedInput) as err:
        ingest_file(workspace, f, IngestOptions(mapping=mapping))
    assert any("gendre" in i.message or "unknown_key" in (i.column or "") for i in err.value.issues)


def test_quarantine_fix_and_retry(workspace: Workspace, tmp_path: Path) -> None:
    from atlas.ingest.quarantine import fix, list_rows, retry

    f = write_csv(tmp_path / "mixed.csv", GOOD + BAD[:1])
    ingest_file(workspace, f, IngestOptions(country="HTI"))
    with workspace.connect() as con:
        (row,) = list_rows(con)
        assert row.row == 7 and row.values["edad"] == "140" and "full_name" not in row.values
        fix(con, 1, 7, "edad", "41")
        fix(con, 1, 7, "nationality", "SYR")
    result = retry(workspace, 1)
    assert result.rows_stored == 1  # type: ignore[attr-defined]
    stored = persons(workspace, "SELECT age, nationality FROM persons WHERE batch_id = 2")
    assert stored == [{"age": 41, "nationality": "SYR"}]
    with workspace.connect(read_only=True) as con:
        assert list_rows(con) == []


def test_dry_run_validates_without_storing(workspace: Workspace, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "mixed.csv", GOOD + BAD)
    r = ingest_file(workspace, f, IngestOptions(country="HTI", dry_run=True))
    assert r.issue_count == 8 and not r.committed
    assert persons(workspace, "SELECT count(*) AS n FROM persons") == [{"n": 0}]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1", "cp1252"])
def test_encodings_reach_the_store_intact(workspace: Workspace, tmp_path: Path, encoding: str) -> None:
    rows = [["1", "femme", "30", "Côte d'Ivoire", "HT0111", "fra", "2020", "Zoé Canary", "2024-01-02", "oui", ""]]
    f = write_csv(tmp_path / f"{encoding}.csv", rows, encoding=encoding)
    r = ingest_file(workspace, f, IngestOptions(country="HTI"))
    assert r.rows_stored == 1, r.issues
    assert persons(workspace, "SELECT nationality FROM persons") == [{"nationality": "CIV"}]


def test_repeated_record_id_is_quarantined_after_its_first_row(workspace: Workspace, tmp_path: Path) -> None:
    rows = [GOOD[0], GOOD[1], [GOOD[0][0], *GOOD[2][1:]]]
    r = ingest_file(workspace, write_csv(tmp_path / "dup.csv", rows), IngestOptions(country="HTI"))
    assert (r.rows_stored, r.rows_quarantined) == (2, 1)
    assert [(i.row, i.column, i.code) for i in r.issues] == [(4, "record_id", "duplicate-record-id")]



@pytest.mark.parametrize("ids", [["a", "b", "a", "a", "", "c", "b", " "], ["x", " x ", "y", "x"], ["1", "2", "3"]])
def test_every_later_repeat_of_a_record_id_and_only_those(workspace: Workspace, tmp_path: Path,
                                                         ids: list[str]) -> None:
    """Blank ids are no repeat; surrounding spaces do not make a new id (the pseudonym is of the trimmed id)."""
    rows = [[rid, *GOOD[i % len(GOOD)][1:]] for i, rid in enumerate(ids)]
    r = ingest_file(workspace, write_csv(tmp_path / "ids.csv", rows), IngestOptions(country="HTI"))
    seen: set[str] = set()
    expected = []
    for line, rid in enumerate(ids, start=2):
        if rid.strip() in seen:
            expected.append(line)
        elif rid.strip():
            seen.add(rid.strip())
    assert [i.row for i in r.issues if i.code == "duplicate-record-id"] == expected
    assert r.rows_stored == len(ids) - len(expected)

def test_ingest_is_audited_and_needs_the_ingest_permission(workspace: Workspace, tmp_path: Path) -> None:
    from atlas.errors import PolicyRefused
    from atlas.privacy.access import Actor
    from atlas.privacy.audit import verify_chain

    f = write_csv(tmp_path / "good.csv", GOOD)
    r = ingest_file(workspace, f, IngestOptions(country="HTI"))
    with workspace.connect(read_only=True) as con:
        actions = [a for (a,) in con.execute("SELECT action FROM audit_log ORDER BY seq").fetchall()]
        assert "ingest" in actions and verify_chain(con, workspace.keys).ok
    partner = Actor("ngo-user", frozenset({"partner"}), "NGO")
    with pytest.raises(PolicyRefused):
        ingest_file(workspace, f, IngestOptions(country="HTI", force=True), actor=partner)
    with workspace.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM batches").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'access.refused'").fetchone()[0] >= 1
    assert r.committed


def test_ingest_through_a_parked_parse_stores_and_reports_the_same(workspace: Workspace, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A file too large for DuckDB's memory is parsed into an encrypted throwaway database: same result."""
    from atlas.ingest.readers import parked

    monkeypatch.setattr(parked, "MEMORY_SHARE", 0.0)
    f = write_csv(tmp_path / "mixed.csv", GOOD + BAD)
    r = ingest_file(workspace, f, IngestOptions(country="HTI"))
    assert (r.rows_stored, r.rows_quarantined) == (5, 3)
    assert {(i.row, i.column, i.code) for i in r.issues} >= {(7, "edad", "impossible-age"), (9, "sexe", "unknown-sex")}
    assert not list(workspace.temp_dir.glob("atlas_parse_*"))


def test_record_id_is_a_marker_for_the_pseudonym_and_null_without_an_id(workspace: Workspace, tmp_path: Path) -> None:
    """The stored rows say the same as when the record id was written out: the pseudonym of the trimmed id where
    the source has one, nothing where it is blank."""
    from atlas.privacy.pseudonym import pseudonym
    from atlas.store.fields import RECORD_ID_IS_PSEUDONYM, record_id_sql

    rows = [[rid, *GOOD[i % len(GOOD)][1:]] for i, rid in enumerate([" a ", "", "b"])]
    r = ingest_file(workspace, write_csv(tmp_path / "ids.csv", rows), IngestOptions(country="HTI"))
    assert r.rows_stored == 3, r.issues
    got = persons(workspace, f"SELECT record_id AS stored, {record_id_sql('persons')} AS rid, pseudonym "
                             "FROM persons ORDER BY source_row")
    assert [g["stored"] for g in got] == [RECORD_ID_IS_PSEUDONYM, None, RECORD_ID_IS_PSEUDONYM]
    assert [g["rid"] for g in got] == [pseudonym(workspace.keys, "a"), None, pseudonym(workspace.keys, "b")]
    assert got[0]["rid"] == got[0]["pseudonym"] and got[1]["pseudonym"] is not None
