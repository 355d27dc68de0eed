"""The privacy guarantees end to end through the real ingest pipeline."""

from __future__ import annotations

import csv
from pathlib import Path

from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.privacy.access import Actor
from atlas.privacy.subjects import erase_subject, export_subject

STEWARD = Actor("stew", frozenset({"steward"}))
ROWS = [
    ["1", "F", "34", "Syria", "Wafaa Qarnelian", "+509 5555 7101", "PXA-771001"],
    ["2", "M", "40", "Venezuela", "Jorvik Altamirez", "+509 5555 7102", "PXA-771002"],
    ["3", "F", "5", "Haiti", "Mirelle Fontcastel", "", "PXA-771003"],
]
PLAINTEXT = [v for row in ROWS for v in row[4:] if v]


def _csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "sex", "age", "nationality", "full_name", "phone", "passport"])
        w.writerows(ROWS)
    return path


def _mapping(path: Path) -> Path:
    path.write_text("""kind: person
source: test register
legal_basis: public_task
purposes: [statistics]
columns:
  full_name: {field: name, identifier: true}
  phone: {field: phone, identifier: true}
  passport: {field: document_number, identifier: true}
""", encoding="utf-8")
    return path


def test_after_ingest_no_identifier_is_readable_in_any_file(ws, tmp_path: Path, scan) -> None:
    ingest_file(ws, _csv(tmp_path / "reg.csv"), IngestOptions(mapping=_mapping(tmp_path / "m.yaml")))
    assert scan(ws.home, PLAINTEXT) == {}
    out = export_subject(ws, "2", STEWARD)
    assert out["identifiers"] == {"document_number": "PXA-771002", "name": "Jorvik Altamirez", "phone": "+509 5555 7102"}
    with ws.connect() as con:
        columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'persons'").fetchall()}
        assert not columns & {"name", "phone", "document_number", "full_name", "passport"}


def test_erased_person_does_not_come_back_with_a_reingest(ws, tmp_path: Path, scan) -> None:
    f, m = _csv(tmp_path / "reg.csv"), _mapping(tmp_path / "m.yaml")
    ingest_file(ws, f, IngestOptions(mapping=m))
    erased = erase_subject(ws, "2", STEWARD)
    assert erased.persons == 1 and erased.vault == 3 and erased.problems == []
    assert scan(ws.home, ["Jorvik Altamirez", "PXA-771002"]) == {}
    ingest_file(ws, f, IngestOptions(mapping=m, force=True))
    with ws.connect() as con:
        back = con.execute("SELECT count(*) FROM persons WHERE pseudonym = ?", [erased.pseudonym]).fetchone()[0]
        vault = con.execute("SELECT count(*) FROM vault WHERE pseudonym = ?", [erased.pseudonym]).fetchone()[0]
        kept = con.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert (back, vault, kept) == (0, 0, 4)  # people 1 and 3 twice, person 2 never again


def test_record_id_is_stored_once_and_rights_still_find_it(ws, tmp_path: Path, scan) -> None:
    """Ingest writes the record id (the pseudonym of the source id) only as a marker; access shows it in full,
    and erasure and retention, which must remove it from disk, neither miss it nor look for the marker."""
    from datetime import date

    from atlas.privacy.pseudonym import pseudonym
    from atlas.privacy.retention import run_retention, set_rule
    from atlas.store.fields import RECORD_ID_IS_PSEUDONYM, record_id_sql

    f, m = _csv(tmp_path / "reg.csv"), _mapping(tmp_path / "m.yaml")
    ingest_file(ws, f, IngestOptions(mapping=m))
    with ws.connect() as con:
        stored = con.execute(f"SELECT record_id, {record_id_sql('persons')}, pseudonym FROM persons "
                             "ORDER BY source_row").fetchall()
    assert [r[0] for r in stored] == [RECORD_ID_IS_PSEUDONYM] * 3
    assert [r[1] for r in stored] == [r[2] for r in stored] == [pseudonym(ws.keys, rid) for rid in ("1", "2", "3")]
    out = export_subject(ws, "2", STEWARD)
    assert [r["record_id"] for r in out["records"]] == [out["pseudonym"]]
    erased = erase_subject(ws, "2", STEWARD)
    assert erased.problems == [] and erased.persons == 1
    with ws.connect() as con:
        set_rule(con, STEWARD, "default", "*", 1)
    report = run_retention(ws, date(2100, 1, 1), STEWARD)
    assert report.verified is True and RECORD_ID_IS_PSEUDONYM not in report.erased_values
    assert set(report.erased_values) >= {pseudonym(ws.keys, "1"), pseudonym(ws.keys, "3")}
    assert scan(ws.home, [pseudonym(ws.keys, "1"), pseudonym(ws.keys, "3")]) == {}
