"""Consent from source files: person-file consent columns and consent-events files feed the consent register."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from atlas.errors import RejectedInput
from atlas.ingest.consent import CHANNEL_INDEX, PURPOSE_INDEX, resolve_list, resolve_one
from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.privacy.consent import eligible_records_filter
from atlas.privacy.pseudonym import pseudonym
from atlas.store.workspace import Workspace


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _consent_mapping(path: Path) -> Path:
    path.write_text(yaml.safe_dump({"kind": "person", "legal_basis": "consent",
                                    "purposes": ["statistics", "research", "service_provision"]}))
    return path


PEOPLE = (["record_id", "sex", "age", "consent purposes", "date du consentement", "canal", "withdrawal date"], [
    ["A1", "F", "30", "statistics; recherche", "2024-01-10", "formulaire papier", ""],
    ["A2", "M", "41", "Statistiques", "2024-01-11", "verbal with witness", "2024-06-01"],
    ["A3", "F", "25", "assistance", "2024-01-12", "SMS", ""],
    ["A4", "M", "33", "statistics, marketing", "2024-01-13", "online", ""],
    ["A5", "F", "52", "statistics", "2024-01-14", "carrier pigeon", ""],
    ["A6", "M", "19", "", "", "", ""],
])


@pytest.fixture()
def people(workspace: Workspace, tmp_path: Path) -> Workspace:
    f = _csv(tmp_path / "people.csv", *PEOPLE)
    r = ingest_file(workspace, f, IngestOptions(country="HTI", mapping=_consent_mapping(tmp_path / "map.yaml")))
    assert (r.rows_stored, r.rows_quarantined) == (4, 2)
    return workspace


def _eligible(ws: Workspace, purpose: str) -> list[str]:
    with ws.connect(read_only=True) as con:
        ids = {pseudonym(ws.keys, f"A{i}"): f"A{i}" for i in range(1, 10)}
        rows = con.execute(f"SELECT pseudonym FROM persons WHERE {eligible_records_filter(purpose)}").fetchall()
        return sorted(ids[r[0]] for r in rows)


@pytest.mark.parametrize(("raw", "codes", "ok"), [
    ("statistics; recherche", ["statistics", "research"], True),
    ("Estadísticas | investigación", ["statistics", "research"], True),
    ("assistance", ["service_provision"], True),
    ("statistics, marketing", None, False),
    ("", None, True),
])
def test_purposes_resolve_against_the_controlled_list(raw: str, codes: list[str] | None, ok: bool) -> None:
    got, good, hint = resolve_list(raw, PURPOSE_INDEX)
    assert (got, good) == (codes, ok) and (hint is None) == ok


@pytest.mark.parametrize(("raw", "code"), [("formulaire papier", "paper_form"), ("Verbal con testigo", "verbal_witnessed"),
                                           ("SMS", "sms"), ("en ligne", "online"), ("carrier pigeon", None)])
def test_channels_resolve(raw: str, code: str | None) -> None:
    assert resolve_one(raw, CHANNEL_INDEX)[0] == code


def test_person_file_consent_columns_are_validated_and_recorded(people: Workspace) -> None:
    with people.connect(read_only=True) as con:
        issues = con.execute("SELECT row_number, column_name, value, code, hint FROM issues ORDER BY 1").fetchall()
        events = con.execute("""SELECT pseudonym, purposes, given_at, channel, withdrawn_at IS NOT NULL
                                FROM consent_events ORDER BY recorded_at, given_at NULLS LAST""").fetchall()
        mapped = con.execute("SELECT mapping FROM batches").fetchone()[0]
    assert [(r, c, v, code) for r, c, v, code, _ in issues] == [
        (5, "consent purposes", "statistics, marketing", "unknown-consent_purpose"),
        (6, "canal", "carrier pigeon", "unknown-consent_channel")]
    names = {pseudonym(people.keys, f"A{i}"): f"A{i}" for i in range(1, 7)}
    given = {names[p]: (purposes, str(day), channel) for p, purposes, day, channel, w in events if not w}
    assert given == {"A1": (["statistics", "research"], "2024-01-10", "paper_form"),
                     "A2": (["statistics"], "2024-01-11", "verbal_witnessed"),
                     "A3": (["service_provision"], "2024-01-12", "sms")}
    assert [names[p] for p, *_, w in events if w] == ["A2"]
    assert '"consent_channel"' in mapped and '"consent_withdrawn_date"' in mapped


def test_person_file_withdrawal_is_honoured(people: Workspace) -> None:
    assert _eligible(people, "statistics") == ["A1"]
    assert _eligible(people, "research") == ["A1"]
    assert _eligible(people, "service_provision") == ["A3"]


def test_events_file_withdraws_renews_and_keeps_dates_in_order(people: Workspace, tmp_path: Path) -> None:
    a1 = pseudonym(people.keys, "A1")
    events = _csv(tmp_path / "events.csv", ["person id", "event", "purposes", "date", "channel"], [
        [a1, "withdrawn", "research", "2024-03-01", "SMS"],
        ["A2", "given", "statistics", "2024-07-01", "phone"],
        ["A3", "retrait", "", "2024-02-01", "online"],
        ["A3", "given", "assistance", "2024-01-20", "online"],
        ["A6", "given", "", "2024-01-01", "online"],
        ["", "given", "statistics", "2024-01-01", "online"],
        ["A9", "maybe", "statistics", "2024-01-01", "online"],
        ["A4", "given", "statistics", "2999-01-01", "online"],
    ])
    r = ingest_file(people, events, IngestOptions(kind="consent"))
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (8, 4, 4)
    assert sorted((i.row, i.code) for i in r.issues) == [
        (6, "missing-purposes"), (7, "missing-person"), (8, "unknown-consent_event"), (9, "future-date")]
    assert _eligible(people, "research") == []
    assert _eligible(people, "statistics") == ["A1", "A2"]
    assert _eligible(people, "service_provision") == []
    with people.connect(read_only=True) as con:
        kind, stored = con.execute("SELECT kind, rows_stored FROM batches ORDER BY batch_id DESC LIMIT 1").fetchone()
        audit = con.execute("SELECT detail FROM audit_log WHERE action = 'consent.ingest' ORDER BY seq").fetchall()
    assert (kind, stored) == ("consent", 4)
    assert '"withdrawn": 2' in audit[-1][0] and '"given": 2' in audit[-1][0]


def test_events_file_needs_person_and_event_columns_and_reject_policy_stores_nothing(
        people: Workspace, tmp_path: Path) -> None:
    with pytest.raises(RejectedInput, match="event"):
        ingest_file(people, _csv(tmp_path / "e1.csv", ["person", "purposes"], [["A1", "statistics"]]),
                    IngestOptions(kind="consent"))
    bad = _csv(tmp_path / "e2.csv", ["person", "event", "purposes"], [["A1", "withdrawn", ""], ["A2", "nope", ""]])
    with pytest.raises(RejectedInput, match="refused whole"):
        ingest_file(people, bad, IngestOptions(kind="consent", policy="reject"))
    assert _eligible(people, "research") == ["A1"]


def test_the_cli_ingests_a_consent_events_file(people: Workspace, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from atlas.cli import app

    events = _csv(tmp_path / "withdrawals.csv", ["person id", "event", "purposes", "date", "channel"],
                  [["A1", "withdrawn", "statistics", "2024-03-01", "SMS"]])
    result = CliRunner().invoke(app, ["ingest", str(events), "--kind", "consent", "--home", str(people.home)],
                                env={"ATLAS_HOME": str(people.home)})
    assert result.exit_code == 0, result.output
    assert "A1" not in _eligible(people, "statistics")
