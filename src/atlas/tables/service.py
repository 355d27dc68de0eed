"""The table service: spec -> eligible records -> cube -> protected table; shared by CLI, API and releases."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from atlas.protection.cube import Cube
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.store.workspace import Workspace
from atlas.tables.compute import AREA_FIELDS, finest_counts, gazetteer
from atlas.tables.margins import build_cube
from atlas.tables.spec import TableSpec


def cube_for(con, spec: TableSpec, purpose: str = "statistics") -> Cube:  # noqa: ANN001 - duckdb connection
    """The full cube (all margins) of `spec` from the records eligible for `purpose`."""
    finest = finest_counts(con, spec, purpose)
    hierarchies = {d.field: gazetteer(con) for d in spec.dimensions if d.field in AREA_FIELDS}
    return build_cube(spec, finest, hierarchies)


def protected_tables(ws: Workspace, specs: Sequence[TableSpec], *, purpose: str = "statistics",
                     actor: str | None = None) -> list[ProtectedTable]:
    """Protect several specs together as linked tables (they share suppression and audit)."""
    with ws.connect() as con:
        cubes = [cube_for(con, s, purpose) for s in specs]
        policy = specs[0].policy
        tables = protect(cubes, policy, names=[s.name for s in specs], title=specs[0].title,
                         measure=specs[0].measure.kind)
        _log(con, actor or ws.settings.user, specs, purpose)
    return tables


def _log(con, actor: str, specs: Sequence[TableSpec], purpose: str) -> None:  # noqa: ANN001
    from atlas.privacy.audit import log_event

    for s in specs:
        log_event(con, actor, "table", s.name, purpose=purpose,
                  detail={"dimensions": [d.field for d in s.dimensions], "method": s.protection.method})


def write_table(table: ProtectedTable, fmt: str, out: Path) -> list[Path]:
    """Write a protected table and, always, its structure file next to it."""
    from atlas.outputs.registry import render

    if not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
    written = [render(table, fmt, out)]
    written.append(render(table, "structure", written[0].parent))
    return written
