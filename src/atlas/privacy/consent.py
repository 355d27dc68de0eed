"""Consent and purpose limitation: which records may enter a table computed for a given purpose.

A record is eligible when its batch has a recognised legal basis and was collected for the purpose,
and, when the basis is consent, the person consented to that purpose (at ingest or by a consent
event) and has not withdrawn since. Withdrawal is an appended event, so it also holds for every later
table and release without touching the stored record.

Events are ordered by the day they took effect (`given_at`, `withdrawn_at`), then by when they were
recorded, so a consent-events file ingested late still says what happened when: a withdrawal dated
after a consent wins over it, and a consent dated before a withdrawal does not undo it, whatever the
order of ingestion. On the same day the later record wins; recorded together, the withdrawal wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

import duckdb

from atlas.errors import RejectedInput
from atlas.privacy.audit import log_event
from atlas.privacy.purposes import LEGAL_BASES, check_purpose, check_purposes

CONSENT_CHANNELS: dict[str, str] = {
    "paper_form": "Signed paper form",
    "verbal_witnessed": "Verbal consent before a witness",
    "online": "Online form or portal",
    "sms": "Text message (SMS)",
    "phone": "Telephone call, recorded by the caller",
}
CONSENT_EVENTS = ("given", "withdrawn")


def check_channel(channel: str | None) -> str | None:
    """A channel from the controlled list (sources name how consent was collected or withdrawn)."""
    if channel is None or channel in CONSENT_CHANNELS:
        return channel
    raise RejectedInput(f"Unknown consent channel {channel!r}; use one of: {', '.join(CONSENT_CHANNELS)}.")


def _alias(alias: str) -> str:
    if not alias.isidentifier():
        raise RejectedInput(f"Invalid table alias {alias!r}.")
    return alias


def eligible_records_filter(purpose: str, alias: str = "persons") -> str:
    """A SQL condition on `alias` (a persons row) to put in the WHERE clause of any table query.

    The purpose is checked against the controlled list before it is written as a literal, so the
    condition contains no user-supplied text.
    """
    p, a = "'" + check_purpose(purpose) + "'", _alias(alias)
    bases = ", ".join(f"'{b}'" for b in LEGAL_BASES)
    given = (f"SELECT 1 FROM consent_events g WHERE g.pseudonym = {a}.pseudonym AND g.withdrawn_at IS NULL "
             f"AND list_contains(g.purposes, {p})")
    later = ("(g.given_at > CAST(w.withdrawn_at AS DATE) OR (g.given_at = CAST(w.withdrawn_at AS DATE) "
             "AND g.recorded_at > w.recorded_at))")
    return f"""EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = {a}.batch_id
      AND b.legal_basis IN ({bases}) AND list_contains(b.purposes, {p})
      AND (b.legal_basis <> 'consent' OR (
        ((list_contains(coalesce({a}.consent_purposes, []::VARCHAR[]), {p}) AND NOT coalesce({a}.consent_withdrawn, false))
          OR EXISTS ({given}))
        AND NOT EXISTS (SELECT 1 FROM consent_events w WHERE w.pseudonym = {a}.pseudonym
          AND w.withdrawn_at IS NOT NULL AND (w.purposes IS NULL OR list_contains(w.purposes, {p}))
          AND NOT EXISTS ({given} AND {later})))))"""


def record_consent(con: duckdb.DuckDBPyConnection, pseudonym: str, purposes: Iterable[str], *,
                   given_at: date | None = None, channel: str | None = None, actor: str = "system") -> None:
    """Append a consent given (for example at registration, or renewed after a withdrawal)."""
    found = check_purposes(purposes)
    con.execute("INSERT INTO consent_events VALUES (?, ?, ?, ?, NULL, now())",
                [pseudonym, found, given_at or date.today(), channel])
    log_event(con, actor, "consent.given", pseudonym, None, {"purposes": found, "channel": channel})


def withdraw(con: duckdb.DuckDBPyConnection, pseudonym: str, purposes: Iterable[str] | Literal["all"] = "all", *,
             channel: str | None = None, actor: str = "system") -> None:
    """Record a withdrawal (all purposes, or some); every later table query honours it."""
    found = None if purposes == "all" else check_purposes(purposes)
    con.execute("INSERT INTO consent_events VALUES (?, ?, NULL, ?, now(), now())", [pseudonym, found, channel])
    log_event(con, actor, "consent.withdrawn", pseudonym, None, {"purposes": found or "all", "channel": channel})


def consent_history(con: duckdb.DuckDBPyConnection, pseudonym: str) -> list[dict]:
    cur = con.execute("""SELECT purposes, given_at, channel, withdrawn_at, recorded_at FROM consent_events
        WHERE pseudonym = ? ORDER BY recorded_at""", [pseudonym])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
