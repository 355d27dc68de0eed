"""Agreements kept in the workspace: every change is a new version or a new state row, never an edit."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from atlas.errors import Issue, NotFound, PolicyRefused, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.sharing.agreement import ActiveCrisis, Agreement, agreement_from_json
from atlas.store.tx import atomic, lock

STATUSES = ("active", "suspended", "revoked")


def add_agreement(con: duckdb.DuckDBPyConnection, actor: Actor, agreement: Agreement) -> Agreement:
    """Store a new agreement, or a new version of an existing one (which keeps the current status)."""
    authorize(actor, "manage_agreements", {"name": agreement.name}, con=con)
    current = _status(con, agreement.name)
    if current == "revoked":
        raise PolicyRefused(f"Agreement {agreement.name} was revoked; choose a new name.", clause="status")
    body = json.dumps(agreement.model_dump(mode="json", exclude={"crisis_state", "version", "status"}),
                      sort_keys=True)
    digest = hashlib.sha256(body.encode()).hexdigest()
    with atomic(con):
        lock(con, "agreements")  # two stewards adding versions at once on PostgreSQL get 2 and 3, not 2 twice
        row = con.execute("SELECT max(version) FROM agreements WHERE name = ?", [agreement.name]).fetchone()
        version = int(row[0] or 0) + 1 if row else 1
        con.execute("INSERT INTO agreements VALUES (?, ?, ?, ?, now(), ?)",
                    [agreement.name, version, body, digest, actor.name])
        if current is None:
            con.execute("INSERT INTO agreement_states VALUES (?, ?, ?, now(), ?)",
                        [agreement.name, agreement.status, f"version {version} added", actor.name])
        log_event(con, actor.name, "agreement.add", agreement.name, None,
                  {"version": version, "sha256": digest, "recipients": agreement.parties.recipients})
    return get_agreement(con, agreement.name)


def _status(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    row = con.execute("SELECT status FROM agreement_states WHERE name = ? ORDER BY changed_at DESC, rowid DESC "
                      "LIMIT 1", [name]).fetchone()
    return str(row[0]) if row else None


def get_agreement(con: duckdb.DuckDBPyConnection, name: str, version: int | None = None) -> Agreement:
    """The latest (or a given) version with its current status and running crisis activation."""
    sql = "SELECT body, version FROM agreements WHERE name = ? " + (
        "AND version = ?" if version is not None else "ORDER BY version DESC LIMIT 1")
    row = con.execute(sql, [name, version] if version is not None else [name]).fetchone()
    if row is None:
        raise NotFound(f"No agreement {name!r}" + (f" version {version}" if version else "") + ".",
                       issues=[Issue("agreement-missing", "run `atlas agreement list`", value=name)])
    crisis = con.execute("SELECT activated_by, trigger, starts_at, ends_at FROM crisis_activations WHERE name = ? "
                         "AND ended_at IS NULL ORDER BY starts_at DESC LIMIT 1", [name]).fetchone()
    state: dict[str, Any] = {"version": int(row[1]), "status": _status(con, name) or "active"}
    if crisis is not None:
        state["crisis_state"] = ActiveCrisis(activated_by=crisis[0], trigger=crisis[1], starts_at=crisis[2],
                                             ends_at=crisis[3])
    return agreement_from_json(row[0], **state)


def list_agreements(con: duckdb.DuckDBPyConnection) -> list[Agreement]:
    names = [r[0] for r in con.execute("SELECT DISTINCT name FROM agreements ORDER BY name").fetchall()]
    return [get_agreement(con, n) for n in names]


def set_status(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, status: str, reason: str) -> Agreement:
    """Suspend, resume or revoke; revocation is final."""
    authorize(actor, "manage_agreements", {"name": name}, con=con)
    if status not in STATUSES:
        raise RejectedInput(f"Unknown status {status!r}; choose one of {', '.join(STATUSES)}.")
    current = get_agreement(con, name).status
    if current == "revoked":
        raise PolicyRefused(f"Agreement {name} is revoked; it cannot change status again.", clause="status")
    con.execute("INSERT INTO agreement_states VALUES (?, ?, ?, now(), ?)", [name, status, reason, actor.name])
    log_event(con, actor.name, f"agreement.{status}", name, None, {"reason": reason, "from": current})
    return get_agreement(con, name)


def activate_crisis(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, trigger: str, *,
                    days: int | None = None, now: datetime | None = None) -> Agreement:
    """Start a crisis activation; it ends by itself after at most the agreement's `max_days`."""
    a = get_agreement(con, name)
    crisis = a.circumstances.crisis
    if crisis is None:
        raise PolicyRefused(f"Agreement {name} has no crisis clause.", clause="circumstances.crisis")
    if not (actor.roles & set(crisis.may_activate) or actor.name in crisis.may_activate or actor.bootstrap):
        log_event(con, actor.name, "access.refused", name, None, {"reason": "may not activate the crisis clause"})
        raise PolicyRefused(f"{actor.name} may not activate the crisis clause of {name} "
                            f"(only {', '.join(crisis.may_activate)}).", clause="circumstances.crisis.may_activate")
    if a.status != "active":
        raise PolicyRefused(f"Agreement {name} is {a.status}.", clause="status")
    now = now or datetime.now(UTC)
    span = min(days or crisis.max_days, crisis.max_days)
    con.execute("UPDATE crisis_activations SET ended_at = ?, ended_by = ? WHERE name = ? AND ended_at IS NULL",
                [now, actor.name, name])
    con.execute("INSERT INTO crisis_activations VALUES (?, ?, ?, ?, ?, NULL, NULL)",
                [name, actor.name, trigger, now, now + timedelta(days=span)])
    log_event(con, actor.name, "agreement.crisis-activate", name, None, {"trigger": trigger, "days": span})
    return get_agreement(con, name)


def end_crisis(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, *, now: datetime | None = None) -> Agreement:
    """End a crisis activation before its automatic end date."""
    authorize(actor, "manage_agreements", {"name": name}, con=con)
    get_agreement(con, name)
    con.execute("UPDATE crisis_activations SET ended_at = ?, ended_by = ? WHERE name = ? AND ended_at IS NULL",
                [now or datetime.now(UTC), actor.name, name])
    log_event(con, actor.name, "agreement.crisis-end", name, None, {})
    return get_agreement(con, name)
