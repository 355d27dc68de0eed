"""What a caller may see through the API or portal: agreements, release packages and on-demand tables.

The rules are the agreements': the public sees public agreements only; a partner sees the agreements
naming its organisation and the packages addressed to it; stewards see everything. A suspended,
revoked, expired or not-yet-started agreement cuts every recipient's access at once (releases too).
On-demand tables are protected exactly as a release would protect them for that recipient: the
agreement's floor, every table of the same population protected together, and what the recipient
already holds tied in (`published_before`) or checked for differencing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from atlas.errors import Issue, NotFound, PolicyRefused
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.privacy.usage import record_usage_for_purpose
from atlas.protection.protected import ProtectedTable
from atlas.sharing.agreement import PUBLIC, Agreement, check_in_force, check_request, with_floor
from atlas.sharing.catalog import get_agreement, list_agreements
from atlas.sharing.consistency import protect_with_history
from atlas.sharing.history import data_state, population
from atlas.sharing.package import MANIFEST, SIGNATURE, sha256_file
from atlas.sharing.release import _held_by_any
from atlas.tables.service import cube_for

OVERSEERS = frozenset({"steward", "auditor"})


def _overseer(actor: Actor | None) -> bool:
    return actor is not None and bool(actor.roles & OVERSEERS)


def _party(agreement: Agreement, actor: Actor | None) -> bool:
    """Public agreements are everyone's; others belong to recipients' members who may read releases."""
    return agreement.is_public or (actor is not None and actor.organisation in agreement.parties.recipients
                                   and "read_releases" in actor.permissions)


def visible_agreements(con: duckdb.DuckDBPyConnection, actor: Actor | None) -> list[Agreement]:
    """Every agreement for stewards and auditors; public ones plus one's own organisation's for others."""
    found = list_agreements(con)
    if _overseer(actor):
        return found
    return [a for a in found if _party(a, actor) and (a.status == "active" or not a.is_public)]


def agreement_for(con: duckdb.DuckDBPyConnection, actor: Actor | None, name: str) -> Agreement:
    """One agreement the caller may see; others are refused (clause `parties`), and audited."""
    agreement = get_agreement(con, name)
    if _overseer(actor) or (_party(agreement, actor) and (agreement.status == "active" or not agreement.is_public)):
        return agreement
    who = actor.name if actor else "anonymous"
    log_event(con, who, "access.refused", name, None, {"reason": "not a party to the agreement"})
    raise PolicyRefused(f"{who} is not a party to agreement {name}.", clause="parties")


def may_ask_tables(agreement: Agreement, actor: Actor | None) -> bool:
    """Whether the caller may ask for the agreement's tables: the public's, a party's, or a steward's."""
    return _party(agreement, actor) or (actor is not None and "steward" in actor.roles)


def recipient_of(agreement: Agreement, actor: Actor | None) -> list[str]:
    """Whose holdings an on-demand table is protected with: the public, the caller's organisation, or all."""
    if agreement.is_public:
        return [PUBLIC]
    if _party(agreement, actor):
        return [str(actor.organisation)]  # type: ignore[union-attr]
    if actor is not None and "steward" in actor.roles:
        return list(agreement.parties.recipients)
    raise PolicyRefused(f"{actor.name if actor else 'anonymous'} is not a recipient of {agreement.name}.",
                        clause="parties")


def serving_key(con: duckdb.DuckDBPyConnection, agreement: Agreement, now: datetime | None = None) -> str:
    """Changes whenever an on-demand table of the agreement could change (version, crisis, data, holdings)."""
    now = now or datetime.now(UTC)
    row = con.execute("SELECT count(*) FROM release_tables").fetchone()
    return f"{agreement.name}:{agreement.version}:{int(agreement.crisis_on(now))}:{data_state(con)}:{row[0] if row else 0}"


def table_for(con: duckdb.DuckDBPyConnection, actor: Actor | None, agreement: Agreement, table: str, *,
              purpose: str | None = None, now: datetime | None = None) -> ProtectedTable:
    """One of the agreement's tables, protected now for the caller as a release would protect it."""
    now = now or datetime.now(UTC)
    specs = agreement.tables_for(now)
    if table not in {s.name for s in specs}:
        raise NotFound(f"Agreement {agreement.name} has no table {table!r} now.",
                       issues=[Issue("table-missing", "see GET /api/v1/tables", value=table)])
    purpose = purpose or agreement.allowed_purposes(now)[0]
    recipients = recipient_of(agreement, actor)
    for s in specs:
        check_request(agreement, s, purpose, now)
    specs = [with_floor(agreement, s) for s in specs]
    state = data_state(con)
    pops = [population(s, state, purpose) for s in specs]
    wanted = pops[[s.name for s in specs].index(table)]
    group = [i for i, p in enumerate(pops) if p == wanted]
    cubes = [cube_for(con, specs[i], purpose) for i in group]
    tables = protect_with_history([specs[i] for i in group], cubes, [pops[i] for i in group],
                                  _held_by_any(con, recipients))
    result = next(t for t in tables if t.name == table)
    if not agreement.is_public:
        who = actor.name if actor else "anonymous"
        log_event(con, who, "table.serve", f"{agreement.name}/{table}", purpose,
                  {"recipients": recipients, "cells": len(result)})
        for r in recipients:
            record_usage_for_purpose(con, "table", f"{agreement.name}/{table}", purpose, recipient=r)
    return result


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


_RELEASE_COLS = ("SELECT release_id, agreement, version, kind, recipient, purpose, created_at, request_id, path "
                 "FROM releases")


def _may_read(con: duckdb.DuckDBPyConnection, actor: Actor | None, row: dict[str, Any],
              agreements: dict[str, Agreement], now: datetime) -> bool:
    a = agreements.get(row["agreement"])
    if a is None:
        a = agreements[row["agreement"]] = get_agreement(con, row["agreement"])
    if actor is not None and "steward" in actor.roles:
        return True
    try:
        check_in_force(a, now)
    except PolicyRefused:
        return False
    if row["recipient"] == PUBLIC:
        return True
    return actor is not None and "read_releases" in actor.permissions and actor.organisation == row["recipient"]


def visible_releases(con: duckdb.DuckDBPyConnection, actor: Actor | None, *, agreement: str | None = None,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Packages the caller may download now, newest first."""
    now = now or datetime.now(UTC)
    sql = _RELEASE_COLS + (" WHERE agreement = ?" if agreement else "") + " ORDER BY created_at DESC, release_id"
    rows = _rows(con, sql, [agreement] if agreement else [])
    cache: dict[str, Agreement] = {}
    return [r for r in rows if _may_read(con, actor, r, cache, now)]


def release_for(con: duckdb.DuckDBPyConnection, actor: Actor | None, agreement: str, version: int, *,
                recipient: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """One package: the caller's own (or the public one); refusals name the clause and are audited."""
    now = now or datetime.now(UTC)
    rows = _rows(con, _RELEASE_COLS + " WHERE agreement = ? AND version = ? ORDER BY recipient", [agreement, version])
    if not rows:
        raise NotFound(f"No release {agreement}/{version}.")
    if recipient is not None:
        rows = [r for r in rows if r["recipient"] == recipient]
    elif len(rows) > 1 and actor is not None and actor.organisation:
        rows = [r for r in rows if r["recipient"] == actor.organisation] or rows
    if not rows:
        raise NotFound(f"Release {agreement}/{version} has no package for {recipient}.")
    row = rows[0]
    a = get_agreement(con, agreement)
    if not (actor is not None and "steward" in actor.roles):
        try:
            check_in_force(a, now)
        except PolicyRefused:
            log_event(con, actor.name if actor else "anonymous", "access.refused", row["release_id"], None,
                      {"reason": f"agreement {a.status} or out of term"})
            raise
    if row["recipient"] != PUBLIC:
        if actor is None:
            raise PolicyRefused("This release is not public; sign in.", clause="access:authentication")
        authorize(actor, "read_releases", {"id": row["release_id"], "organisation": row["recipient"]}, con=con)
    return row


def release_file_digest(row: dict[str, Any], name: str) -> str | None:
    """The SHA-256 of one file of the package (from the signed manifest), or None when it has no such file."""
    folder = Path(row["path"])
    if name in (MANIFEST, SIGNATURE):
        return sha256_file(folder / name) if (folder / name).is_file() else None
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return next((f["sha256"] for f in manifest["files"] if f["path"] == name), None)


def release_files(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """File name -> {sha256, bytes} from the package's signed manifest, plus the manifest and signature."""
    folder = Path(row["path"])
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    files = {f["path"]: {"sha256": f["sha256"], "bytes": f["bytes"]} for f in manifest["files"]}
    for extra in (MANIFEST, SIGNATURE):
        if (folder / extra).is_file():
            files[extra] = {"sha256": sha256_file(folder / extra), "bytes": (folder / extra).stat().st_size}
    return files
