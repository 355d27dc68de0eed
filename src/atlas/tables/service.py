"""The table service: spec -> eligible records -> cube -> protected table; shared by CLI, API and releases."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.purposes import check_purpose
from atlas.privacy.usage import record_usage_for_purpose
from atlas.privacy.users import actor_for
from atlas.protection.cube import Cube
from atlas.protection.protected import ProtectedTable
from atlas.store.workspace import Workspace
from atlas.tables.compute import AREA_FIELDS, finest_counts, gazetteer
from atlas.tables.margins import build_cube
from atlas.tables.spec import TableSpec


def cube_for(con, spec: TableSpec, purpose: str = "statistics") -> Cube:
    """The full cube (all margins) of `spec` from the records eligible for `purpose`."""
    finest = finest_counts(con, spec, purpose)
    hierarchies = {d.field: gazetteer(con) for d in spec.dimensions if d.field in AREA_FIELDS}
    return build_cube(spec, finest, hierarchies)


def _consistent_with_public(con, specs: list[TableSpec], cubes: list[Cube], purpose: str) -> list[ProtectedTable]:
    """A table that leaves Atlas outside a release (file, profile, briefing pack) may meet the open data:
    protect it with what the public already holds (call-time import: sharing builds on this module)."""
    from atlas.sharing.agreement import PUBLIC
    from atlas.sharing.consistency import protect_with_history
    from atlas.sharing.history import data_state, held_by, population

    state = data_state(con)
    return protect_with_history(specs, cubes, [population(s, state, purpose) for s in specs], held_by(con, PUBLIC))


def protected_tables(ws: Workspace, specs: Sequence[TableSpec], *, purpose: str = "statistics",
                     actor: Actor | None = None) -> list[ProtectedTable]:
    """Protect several specs together as linked tables (they share suppression and audit)."""
    check_purpose(purpose)
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        authorize(who, "define_tables", {"tables": [s.name for s in specs], "purpose": purpose}, con=con)
        cubes = [cube_for(con, s, purpose) for s in specs]
        tables = _consistent_with_public(con, list(specs), cubes, purpose)
        log_tables(con, ws, who, specs, tables, purpose)
    return tables


def log_tables(con, ws: Workspace, who: Actor, specs: Sequence[TableSpec], tables: Sequence[ProtectedTable],
               purpose: str, **detail: object) -> None:
    """Every protected table enters the audit trail (and each person's usage record), then the head is signed."""
    for s, t in zip(specs, tables, strict=True):
        log_event(con, who.name, "table", s.name, purpose=purpose, keys=ws.keys,
                  detail={"dimensions": [d.field for d in s.dimensions], "method": s.protection.method,
                          "cells": len(t), "info_loss": t.info_loss, **detail})
        if s.kind == "person":
            record_usage_for_purpose(con, "table", s.name, purpose)
    sign_head(con, ws.keys)


def write_table(table: ProtectedTable, fmt: str, out: Path) -> list[Path]:
    """Write a protected table and, always, its structure file next to it."""
    from atlas.outputs.registry import render

    if not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
    written = [render(table, fmt, out)]
    written.append(render(table, "structure", written[0].parent))
    return written
