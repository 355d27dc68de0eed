"""The one gate for authorised responders: an agreement in force, naming the recipient and the purpose.

Focal-point contacts and trafficking aggregates leave the workspace only through this check. Every
refusal is written to the audit trail as `access.refused` with the clause that refused it, so
oversight reports list it with the other refusals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from atlas.errors import Issue, PolicyRefused
from atlas.privacy.access import Actor
from atlas.privacy.audit import log_event
from atlas.sharing.agreement import Agreement, check_in_force
from atlas.sharing.catalog import get_agreement


def refuse(con: duckdb.DuckDBPyConnection, actor: Actor, resource: str, clause: str, message: str,
           purpose: str | None = None, detail: dict[str, Any] | None = None) -> PolicyRefused:
    """Log the refusal (with its clause) and return the error to raise."""
    log_event(con, actor.name, "access.refused", resource, purpose,
              {"clause": clause, "reason": message, "roles": sorted(actor.roles),
               "organisation": actor.organisation, **(detail or {})})
    return PolicyRefused(f"Refused: {message}.", clause=clause,
                         issues=[Issue(f"refused-{clause.split('.')[0]}", message, column=clause)])


def agreement_in_force(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, purpose: str, resource: str,
                       now: datetime | None = None) -> Agreement:
    """The agreement, if it is active today, names the actor's organisation and accepts the purpose now."""
    now = now or datetime.now(UTC)
    a = get_agreement(con, name)
    try:
        check_in_force(a, now)
    except PolicyRefused as exc:
        raise refuse(con, actor, resource, exc.clause or "status", exc.issues[0].message if exc.issues else exc.message, purpose, {"agreement": a.name}) from None
    problems = [
        (not a.circumstances.routine and not a.crisis_on(now), "circumstances",
         f"agreement {a.name} shares data only during a crisis activation"),
        (not a.is_public and actor.organisation not in a.parties.recipients and "steward" not in actor.roles,
         "parties", f"{actor.organisation or actor.name!r} is not a recipient of agreement {a.name}"),
        (purpose not in a.allowed_purposes(now), "purposes",
         (f"agreement {a.name} does not accept the purpose {purpose!r} now "
         f"(accepted: {', '.join(a.allowed_purposes(now))})")),
    ]
    for failed, clause, message in problems:
        if failed:
            raise refuse(con, actor, resource, clause, message, purpose, {"agreement": a.name})
    return a
