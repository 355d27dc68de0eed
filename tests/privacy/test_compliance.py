from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.errors import PolicyRefused
from atlas.privacy.access import Actor
from atlas.privacy.compliance import (
    add_incident,
    close_incident,
    list_incidents,
    processing_record,
    record_fingerprint,
    trace_leak,
)
from atlas.privacy.fingerprint import (
    fingerprint_rows,
    manifest_mark,
    recipient_secret,
    trace_file,
    trace_rows,
)
from atlas.privacy.retention import set_rule
from atlas.privacy.usage import record_usage

STEWARD = Actor("stew", frozenset({"steward"}))
AUDITOR = Actor("aud", frozenset({"auditor"}))
CELLS = [[area, nat, sex, str(v), ""] for area, nat, sex, v in
         ((f"KEN{a:03d}", n, s, (a * 7 + len(n)) % 90 + 10) for a in range(12) for n in ("SOM", "ETH", "_T")
          for s in ("female", "male"))]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["area", "nationality", "sex", "value", "flag"])
        w.writerows(rows)


def test_fingerprint_changes_order_not_values_and_traces_the_leaker(ws, tmp_path: Path) -> None:
    secrets = {r: recipient_secret(ws.keys, r) for r in ("unhcr", "iom", "city-hall")}
    copies = {r: [CELLS[i] for i in fingerprint_rows(CELLS, s)] for r, s in secrets.items()}
    assert all(sorted(c) == sorted(CELLS) for c in copies.values())
    assert copies["unhcr"] != copies["iom"]
    leak = tmp_path / "leak.csv"
    _write(leak, copies["iom"])
    assert trace_file(leak, secrets).recipient == "iom"
    subset = [row for row in copies["city-hall"] if row[1] == "SOM"]  # the leaker kept only some rows
    assert trace_rows(subset, secrets).recipient == "city-hall"
    shuffled = copies["iom"][:]
    random.Random(1).shuffle(shuffled)
    assert trace_rows(shuffled, secrets).recipient is None  # a re-sorted file is inconclusive, never a false accusation
    assert manifest_mark(secrets["iom"], "f" * 64) != manifest_mark(secrets["unhcr"], "f" * 64)


@given(st.lists(st.lists(st.text(max_size=5), min_size=1, max_size=3), min_size=0, max_size=40), st.binary(min_size=32, max_size=32))
@settings(max_examples=50, deadline=None)
def test_fingerprint_is_a_permutation(rows: list[list[str]], secret: bytes) -> None:
    assert sorted(fingerprint_rows(rows, secret)) == list(range(len(rows)))


def test_trace_leak_uses_recorded_recipients_and_is_audited(ws, tmp_path: Path) -> None:
    leak = tmp_path / "leak.csv"
    _write(leak, [CELLS[i] for i in fingerprint_rows(CELLS, recipient_secret(ws.keys, "ngo-b"))])
    with ws.connect() as con:
        for r in ("ngo-a", "ngo-b"):
            record_fingerprint(con, "rel-1", "table.csv", r, len(CELLS), "m")
        assert trace_leak(con, ws.keys, STEWARD, leak).recipient == "ngo-b"
        assert con.execute("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()[0] == "incident.trace"


def test_processing_record_reflects_the_workspace(ws) -> None:
    with ws.connect() as con:
        con.execute("""INSERT INTO batches (batch_id, kind, source, sha256, legal_basis, purposes, rows_stored) VALUES
            (1, 'person', 'register', 'a', 'public_task', ['statistics'], 10),
            (2, 'person', 'register', 'b', 'public_task', ['preparedness'], 5)""")
        set_rule(con, STEWARD, "source", "register", 3650)
        record_usage(con, "release", "r1", [1], "statistics", "unhcr")
        rec = processing_record(con, AUDITOR)
        assert rec["sources"][0]["purposes"] == ["preparedness", "statistics"] and rec["sources"][0]["rows_stored"] == 15
        assert "public_task" in rec["legal_bases"] and rec["recipients"][0]["recipient"] == "unhcr"
        assert rec["retention"][0]["days"] == 3650
        with pytest.raises(PolicyRefused):
            processing_record(con, Actor("ana", frozenset({"analyst"})))


def test_incident_register(ws) -> None:
    with ws.connect() as con:
        n = add_incident(con, STEWARD, "Table sent to wrong partner", severity="high", recipient="ngo-b")
        close_incident(con, STEWARD, n, "Agreement suspended; recipient confirmed deletion")
        assert list_incidents(con, AUDITOR)[0]["status"] == "closed"
        with pytest.raises(PolicyRefused):
            add_incident(con, AUDITOR, "x")
