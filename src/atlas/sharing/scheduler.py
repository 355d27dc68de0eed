"""Scheduled releases: every active agreement with a cadence gets its due slots released, missed ones caught up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from atlas.errors import AtlasError
from atlas.privacy.access import Actor
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.users import actor_for
from atlas.sharing.agreement import Agreement
from atlas.sharing.cadence import parse_cadence, slots
from atlas.sharing.catalog import list_agreements
from atlas.sharing.release import run_release
from atlas.store.workspace import Workspace

MAX_ATTEMPTS = 3


@dataclass
class DueRun:
    agreement: str
    slots: list[datetime]
    status: str  # released | failed (retried max_attempts times; retried again on the next call)
    attempts: int
    release_id: str | None = None
    error: str | None = None


@dataclass
class SchedulerReport:
    runs: list[DueRun] = field(default_factory=list)

    @property
    def failed(self) -> list[DueRun]:
        return [r for r in self.runs if r.status != "released"]


def _last_done(ws: Workspace, a: Agreement) -> datetime:
    with ws.connect(read_only=True) as con:
        row = con.execute("SELECT max(slot) FROM schedule_runs WHERE agreement = ? AND status = 'released'",
                          [a.name]).fetchone()
    if row and row[0] is not None:
        return row[0]
    return datetime.combine(a.start, time(0), UTC) - _epsilon()


def _epsilon():
    from datetime import timedelta

    return timedelta(seconds=1)


def _attempts(ws: Workspace, name: str, slot: datetime) -> int:
    with ws.connect(read_only=True) as con:
        row = con.execute("SELECT coalesce(max(attempt), 0) FROM schedule_runs WHERE agreement = ? AND slot = ?",
                          [name, slot]).fetchone()
    return int(row[0]) if row else 0


def due(ws: Workspace, now: datetime) -> dict[str, list[datetime]]:
    """Slots due and not yet released, per active, unexpired agreement with a cadence."""
    with ws.connect(read_only=True) as con:
        agreements = list_agreements(con)
    out = {}
    for a in agreements:
        if a.cadence is None or a.status != "active" or not (a.start <= now.date() < a.expiry):
            continue
        found = list(slots(parse_cadence(a.cadence), _last_done(ws, a), now))
        if found:
            out[a.name] = found
    return out


def run_due(ws: Workspace, actor: Actor | None = None, *, now: datetime | None = None,
            max_attempts: int = MAX_ATTEMPTS) -> SchedulerReport:
    """One release per agreement covers all its missed slots; failures are retried, then reported."""
    with ws.exclusive("scheduler"):  # two hosts' crons must not release the same slot twice
        return _run_due(ws, actor, now or datetime.now(UTC), max_attempts)


def _run_due(ws: Workspace, actor: Actor | None, now: datetime, max_attempts: int) -> SchedulerReport:
    report = SchedulerReport()
    if actor is None:
        with ws.connect() as con:
            actor = actor_for(con, ws.settings.user)
    for name, missed in due(ws, now).items():
        latest = missed[-1]
        start = _attempts(ws, name, latest)
        run = DueRun(name, missed, "failed", start)
        for attempt in range(start + 1, start + max_attempts + 1):
            run.attempts = attempt
            try:
                release = run_release(ws, name, actor, now=now)
            except AtlasError as exc:
                run.error = f"{type(exc).__name__}: {exc.message}"
                _record(ws, name, [latest], attempt, "failed", None, run.error, actor)
                continue
            run.status, run.release_id, run.error = "released", release.release_id, None
            _record(ws, name, missed, attempt, "released", release.release_id, None, actor)
            break
        report.runs.append(run)
    return report


def _record(ws: Workspace, name: str, covered: list[datetime], attempt: int, status: str, release_id: str | None,
            error: str | None, actor: Actor) -> None:
    with ws.connect() as con:
        for slot in covered:
            con.execute("INSERT INTO schedule_runs VALUES (?, ?, ?, ?, ?, ?, now())",
                        [name, slot, attempt, status, error, release_id])
        log_event(con, actor.name, f"scheduler.{status}", name, None,
                  {"slots": [s.isoformat() for s in covered], "attempt": attempt, "error": error,
                   "release_id": release_id})
        sign_head(con, ws.keys)
