"""Paging through the audit trail (what the API's GET /audit serves)."""

from __future__ import annotations

from atlas.privacy.audit import entries, log_event


def test_pages_filters_and_total(ws) -> None:
    with ws.connect() as con:
        for i in range(7):
            log_event(con, "ann" if i % 2 else "bo", "request.submit" if i < 4 else "release.run", str(i), None, {"i": i})
        total, page = entries(con, limit=3, offset=2)
        assert total == 7 and [e["seq"] for e in page] == [3, 4, 5] and page[0]["detail"] == {"i": 2}
        assert entries(con, action="request")[0] == 4
        assert entries(con, action="request.submit", actor="ann")[0] == 2
        assert entries(con, action="req")[0] == 0  # a prefix matches whole dotted parts only
        assert entries(con, actor="nobody") == (0, [])
