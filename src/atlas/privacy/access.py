"""Who may do what: roles with least-privilege permissions, checked in one place for CLI and API.

`authorize` is the single gate. Refusals raise `PolicyRefused` naming the missing permission and, when
given a connection, are written to the audit trail so oversight sees every attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from atlas.errors import PolicyRefused
from atlas.privacy.audit import log_event

PERMISSIONS: dict[str, str] = {
    "ingest": "load source files into the store",
    "read_microdata": "query person-level records (pseudonymised)",
    "read_vault": "decrypt identifiers in the vault",
    "define_tables": "define and compute table specs",
    "approve_sharing": "approve releases and special data runs",
    "manage_agreements": "create, suspend or revoke data-sharing agreements",
    "read_audit": "read and verify the audit trail and oversight reports",
    "manage_users": "add users, grant and revoke roles, manage API keys",
    "publish": "publish public releases",
    "read_releases": "download releases addressed to one's organisation",
    "request_runs": "request special data runs",
    "manage_directory": "maintain the directory of networks and focal points",
    "subject_rights": "export, rectify or erase a data subject's data",
    "run_retention": "apply retention rules and compact the store",
    "manage_incidents": "record and update incidents",
    "read_compliance": "read the record of processing activities and incidents",
}

ROLES: dict[str, frozenset[str]] = {
    "steward": frozenset(PERMISSIONS),
    "analyst": frozenset({"read_microdata", "define_tables", "read_releases", "request_runs"}),
    "partner": frozenset({"read_releases", "request_runs"}),
    "liaison": frozenset({"manage_directory", "read_releases"}),
    "auditor": frozenset({"read_audit", "read_compliance", "read_releases"}),
    "public": frozenset(),
}

ORG_SCOPED = frozenset({"read_releases", "request_runs"})


@dataclass(frozen=True)
class Actor:
    """An authenticated user with the roles granted to them (bootstrap: the master-key holder, no users yet)."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation: str | None = None
    bootstrap: bool = False

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset().union(*(ROLES.get(r, frozenset()) for r in self.roles))


def authorize(actor: Actor, permission: str, resource: Any = None, *,
              con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Allow or refuse one action; `resource` may carry an `organisation` (dict key or attribute)."""
    if permission not in PERMISSIONS:
        raise PolicyRefused(f"Unknown permission {permission!r}.", clause="access:unknown-permission")
    reason = None
    if permission not in actor.permissions:
        reason = f"{actor.name} (roles: {', '.join(sorted(actor.roles)) or 'none'}) lacks the permission {permission!r}"
    elif permission in ORG_SCOPED and "steward" not in actor.roles:
        owner = resource.get("organisation") if isinstance(resource, dict) else getattr(resource, "organisation", None)
        if owner is not None and owner != actor.organisation:
            reason = f"{actor.name} of {actor.organisation!r} may not act on a resource of {owner!r}"
    if reason is None:
        return
    if con is not None:
        log_event(con, actor.name, "access.refused", _describe(resource), None,
                  {"permission": permission, "roles": sorted(actor.roles), "reason": reason})
    raise PolicyRefused(f"Refused: {reason}.", clause=f"access:{permission}")


def _describe(resource: Any) -> str | None:
    if resource is None:
        return None
    if isinstance(resource, dict):
        return str(resource.get("id") or resource.get("name") or resource)
    return str(resource)
