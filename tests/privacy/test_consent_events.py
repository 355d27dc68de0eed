"""Consent events are ordered by the day they took effect, whatever the order in which they were recorded."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.errors import RejectedInput
from atlas.privacy.consent import CONSENT_CHANNELS, check_channel, eligible_records_filter


@pytest.fixture()
def con(ws):
    """One consent batch for statistics and research; p1 consented at ingest, p2 consented and withdrew in the file."""
    with ws.connect() as con:
        con.execute("""INSERT INTO batches (batch_id, kind, sha256, legal_basis, purposes) VALUES
            (1, 'person', 'a', 'consent', ['statistics', 'research'])""")
        con.execute("""INSERT INTO persons (batch_id, source_row, pseudonym, record_key, consent_purposes, consent_withdrawn)
            VALUES (1, 1, 'p1', 0.1, ['statistics', 'research'], false), (1, 2, 'p2', 0.2, ['statistics'], true),
                   (1, 3, 'p3', 0.3, NULL, NULL)""")
        yield con


def _eligible(con, purpose: str = "statistics") -> list[str]:
    return [r[0] for r in con.execute(
        f"SELECT pseudonym FROM persons WHERE {eligible_records_filter(purpose)} ORDER BY 1").fetchall()]


def _event(con, who: str, *, given: date | None = None, withdrawn: date | None = None,
           purposes: list[str] | None = None, recorded: str = "now()") -> None:
    con.execute(f"INSERT INTO consent_events VALUES (?, ?, ?, 'sms', CAST(? AS TIMESTAMPTZ), {recorded})",
                [who, purposes, given, withdrawn])


def test_withdrawn_flag_of_the_record_is_honoured(con) -> None:
    assert _eligible(con) == ["p1"]


def test_late_file_with_an_earlier_consent_does_not_undo_a_withdrawal(con) -> None:
    _event(con, "p1", withdrawn=date(2024, 6, 1))
    assert _eligible(con) == []
    _event(con, "p1", given=date(2024, 5, 1), purposes=["statistics"])
    assert _eligible(con) == []
    _event(con, "p1", given=date(2024, 7, 1), purposes=["statistics"])
    assert _eligible(con) == ["p1"] and _eligible(con, "research") == []


def test_late_file_with_an_earlier_withdrawal_does_not_undo_a_later_consent(con) -> None:
    _event(con, "p3", given=date(2024, 9, 1), purposes=["statistics"])
    _event(con, "p3", withdrawn=date(2024, 8, 1))
    assert _eligible(con) == ["p1", "p3"]


def test_same_day_later_record_wins_and_a_tie_goes_to_the_withdrawal(con) -> None:
    _event(con, "p3", given=date(2024, 9, 1), purposes=["statistics"], recorded="TIMESTAMPTZ '2024-09-02 10:00:00+00'")
    _event(con, "p3", withdrawn=date(2024, 9, 1), recorded="TIMESTAMPTZ '2024-09-02 10:00:00+00'")
    assert _eligible(con) == ["p1"]
    _event(con, "p3", given=date(2024, 9, 1), purposes=["statistics"], recorded="TIMESTAMPTZ '2024-09-02 11:00:00+00'")
    assert _eligible(con) == ["p1", "p3"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 30), st.integers(0, 3)), min_size=1, max_size=6))
def test_latest_event_by_day_then_record_decides(ws, events: list[tuple[bool, int, int]]) -> None:
    """Property: eligible iff the last event (by day, then record time; on a full tie the withdrawal) is a consent.
    The tables are emptied for every example, so the shared workspace fixture is safe here."""
    with ws.connect() as con:
        con.execute("DELETE FROM consent_events")
        con.execute("DELETE FROM persons")
        con.execute("DELETE FROM batches")
        con.execute("INSERT INTO batches (batch_id, kind, sha256, legal_basis, purposes) "
                    "VALUES (1, 'person', 'a', 'consent', ['statistics'])")
        con.execute("INSERT INTO persons (batch_id, source_row, pseudonym, record_key) VALUES (1, 1, 'p', 0.5)")
        for is_given, day, hour in events:
            d = date(2024, 1, day)
            recorded = f"TIMESTAMPTZ '2025-01-01 0{hour}:00:00+00'"
            _event(con, "p", given=d if is_given else None, withdrawn=None if is_given else d,
                   purposes=["statistics"] if is_given else None, recorded=recorded)
        last = max(events, key=lambda e: (e[1], e[2], not e[0]))
        assert (_eligible(con) == ["p"]) == last[0]


def test_channels_are_a_controlled_list() -> None:
    assert check_channel("paper_form") == "paper_form" and check_channel(None) is None
    assert set(CONSENT_CHANNELS) >= {"paper_form", "verbal_witnessed", "online", "sms"}
    with pytest.raises(RejectedInput, match="channel"):
        check_channel("pigeon")
