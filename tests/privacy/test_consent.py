from __future__ import annotations

import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.consent import eligible_records_filter, record_consent, withdraw


@pytest.fixture()
def con(ws):
    """Batch 1: public task for statistics; batch 2: consent for statistics and research; batch 3: no basis."""
    with ws.connect() as con:
        con.execute("""INSERT INTO batches (batch_id, kind, sha256, legal_basis, purposes) VALUES
            (1, 'person', 'a', 'public_task', ['statistics', 'preparedness']),
            (2, 'person', 'b', 'consent', ['statistics', 'research']),
            (3, 'person', 'c', NULL, ['statistics'])""")
        con.execute("""INSERT INTO persons (batch_id, source_row, pseudonym, record_key, consent_purposes) VALUES
            (1, 1, 'p1', 0.1, NULL), (2, 1, 'p2', 0.2, ['statistics', 'research']),
            (2, 2, 'p3', 0.3, ['statistics']), (2, 3, 'p4', 0.4, NULL), (3, 1, 'p5', 0.5, NULL)""")
        yield con


def _eligible(con, purpose: str) -> list[str]:
    sql = f"SELECT pseudonym FROM persons WHERE {eligible_records_filter(purpose)} ORDER BY 1"
    return [r[0] for r in con.execute(sql).fetchall()]


def test_batch_purposes_and_person_consent_are_both_required(con) -> None:
    assert _eligible(con, "statistics") == ["p1", "p2", "p3"]
    assert _eligible(con, "research") == ["p2"]
    assert _eligible(con, "preparedness") == ["p1"]
    assert _eligible(con, "emergency_response") == []


def test_withdrawal_applies_to_every_later_query_and_renewal_restores(con) -> None:
    withdraw(con, "p2", ["research"])
    assert _eligible(con, "research") == [] and "p2" in _eligible(con, "statistics")
    withdraw(con, "p3")
    assert _eligible(con, "statistics") == ["p1", "p2"]
    record_consent(con, "p3", ["statistics"], channel="phone")
    assert _eligible(con, "statistics") == ["p1", "p2", "p3"]
    record_consent(con, "p4", ["statistics"], channel="form")
    assert "p4" in _eligible(con, "statistics")
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY seq").fetchall()]
    assert actions == ["consent.withdrawn", "consent.withdrawn", "consent.given", "consent.given"]


def test_filter_refuses_unknown_purposes_and_bad_aliases(con) -> None:
    with pytest.raises(PolicyRefused):
        eligible_records_filter("statistics'; DROP TABLE persons; --")
    with pytest.raises(Exception, match="alias"):
        eligible_records_filter("statistics", alias="p; DROP")


def test_filter_works_with_an_alias_in_a_join(con) -> None:
    sql = f"SELECT count(*) FROM persons AS x JOIN batches USING (batch_id) WHERE {eligible_records_filter('statistics', 'x')}"
    assert con.execute(sql).fetchone()[0] == 3
