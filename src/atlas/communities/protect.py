"""Protect a profile's sections: the size and structure first, then every other section linked to it.

Sections share their grand total. Protected in one go, secondary suppression would hide that total (one
cell mends every one-cell problem of every section), and the profile would lose its size. So the first
section (sex by age) is protected on its own; the others are protected together with it counted as
already published: its published cells are fixed and known to the attacker, its suppressed cells stay
protected by the audit of the rest. Both steps also see what the public already holds, as every table
of the service does (`sharing.consistency`).
"""

from __future__ import annotations

from atlas.privacy.access import Actor, authorize
from atlas.privacy.purposes import check_purpose
from atlas.privacy.users import actor_for
from atlas.protection.cube import Cube
from atlas.protection.protected import ProtectedTable
from atlas.store.workspace import Workspace
from atlas.tables.service import cube_for, log_tables
from atlas.tables.spec import TableSpec


def _held(name: str, pop: str, cube: Cube, table: ProtectedTable):
    from atlas.sharing.history import Held

    cells = cube.cells[[*cube.dim_names, "value"]].copy()
    cells["flag"] = table.cells["flag"].to_numpy()
    return Held("profile", name, pop, list(cube.dimensions), cells)


def protect_sections(ws: Workspace, specs: list[TableSpec], *, purpose: str,
                     actor: Actor | None = None) -> list[ProtectedTable]:
    """Suppression of linked sections with the first one fixed; logged and signed like any table."""
    from atlas.sharing.agreement import PUBLIC
    from atlas.sharing.consistency import protect_with_history
    from atlas.sharing.history import data_state, held_by, population

    check_purpose(purpose)
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        authorize(who, "define_tables", {"tables": [s.name for s in specs], "purpose": purpose}, con=con)
        state = data_state(con)
        cubes = [cube_for(con, s, purpose) for s in specs]
        pops = [population(s, state, purpose) for s in specs]
        public = held_by(con, PUBLIC)
        first = protect_with_history(specs[:1], cubes[:1], pops[:1], public)
        rest = protect_with_history(specs[1:], cubes[1:], pops[1:],
                                    [*public, _held(specs[0].name, pops[0], cubes[0], first[0])]) if specs[1:] else []
        tables = [*first, *rest]
        log_tables(con, ws, who, specs, tables, purpose, profile=True)
    return tables
