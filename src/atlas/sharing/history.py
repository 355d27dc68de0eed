"""What each recipient already holds, so that a new release cannot be differenced against the earlier ones.

Same population (same filter, measure and data state): earlier cubes go to `protect(published_before=...)`,
which ties their cells to the new ones and keeps every earlier suppressed cell protected. Different
population (another filter, e.g. an area with and without one locality): cells that both publish are
compared, and a difference between 1 and min_count - 1 refuses the run (it would reveal a small group).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from atlas.errors import Issue, PolicyRefused
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL, Cube, Dimension
from atlas.protection.protected import ProtectedTable
from atlas.tables.spec import TableSpec


def data_state(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of which batches exist and how many erasures happened: equal digests, equal records."""
    row = con.execute("SELECT list(batch_id ORDER BY batch_id), (SELECT count(*) FROM erasures) FROM batches").fetchone()
    return hashlib.sha256(json.dumps([row[0] if row else [], row[1] if row else 0]).encode()).hexdigest()[:16]


def population(spec: TableSpec, state: str, purpose: str) -> str:
    """Which records a table counts: its filter, kind and measure on a data state, for a purpose."""
    key = json.dumps({"kind": spec.kind, "filter": [c.model_dump(mode="json") for c in spec.filter],
                      "measure": spec.measure.model_dump(mode="json"), "purpose": purpose}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16] + ":" + state


@dataclass(frozen=True)
class Held:
    """One table a recipient holds: its population key, hierarchy and cells (true value and flag)."""

    release_id: str
    name: str
    population: str
    dimensions: list[Dimension]
    cells: pd.DataFrame

    def cube(self) -> Cube:
        return Cube(self.dimensions, self.cells.copy())

    @property
    def filter_key(self) -> str:
        return self.population.split(":", 1)[0]


def held_by(con: duckdb.DuckDBPyConnection, recipient: str) -> list[Held]:
    # rowid keeps insertion order on the embedded file; PostgreSQL has none, so names break the tie there
    rows = con.execute("SELECT release_id, table_name, population, dimensions, cells FROM release_tables "
                       "WHERE recipient = ? ORDER BY published_at, rowid, release_id, table_name", [recipient]).fetchall()
    out = []
    for rid, name, pop, dims, cells in rows:
        dimensions = [Dimension(d["name"], d["parent"], d.get("labels", {}), d.get("sensitive", False))
                      for d in json.loads(dims)]
        frame = pd.DataFrame(json.loads(cells))
        frame["flag"] = frame["flag"].fillna("")
        out.append(Held(rid, name, pop, dimensions, frame))
    return out


def remember(con: duckdb.DuckDBPyConnection, release_id: str, recipient: str, cube: Cube, table: ProtectedTable,
             pop: str) -> None:
    """Keep the cube as released (true values stay in the encrypted store, flags as published)."""
    cells = cube.cells[[*cube.dim_names, "value"]].copy()
    cells["flag"] = table.cells["flag"].to_numpy()
    dims = [{"name": d.name, "parent": d.parent, "labels": d.labels, "sensitive": d.sensitive} for d in cube.dimensions]
    con.execute("INSERT INTO release_tables VALUES (?, ?, ?, ?, ?, ?, now())",
                [release_id, recipient, table.name, pop, json.dumps(dims), cells.to_json(orient="records")])


def _at_totals(cells: pd.DataFrame, keep: list[str], extra: list[str]) -> pd.DataFrame:
    mask = np.ones(len(cells), dtype=bool)
    for d in extra:
        mask &= (cells[d].astype(str) == TOTAL).to_numpy()
    return cells.loc[mask, [*keep, "value", "flag"]]


def differencing_conflicts(new: pd.DataFrame, new_dims: list[str], old: pd.DataFrame, old_dims: list[str],
                           min_count: int) -> pd.DataFrame:
    """Cells published in both whose difference is a small group (0 < |new - old| < min_count)."""
    common = [d for d in new_dims if d in old_dims]
    a = _at_totals(new, common, [d for d in new_dims if d not in common])
    b = _at_totals(old, common, [d for d in old_dims if d not in common])
    a = a[~a["flag"].isin([PRIMARY, SECONDARY]) & a["value"].notna()]
    b = b[~b["flag"].isin([PRIMARY, SECONDARY]) & b["value"].notna()]
    m = a.merge(b, on=common, suffixes=("", "_before")) if common else a.merge(b, how="cross",
                                                                                 suffixes=("", "_before"))
    diff = (m["value"].astype(float) - m["value_before"].astype(float)).abs()
    return m.loc[(diff > 0) & (diff < min_count), [*common, "value", "value_before"]]


def check_differencing(table: ProtectedTable, pop: str, earlier: list[Held], published: list[tuple[str, str,
                       pd.DataFrame, list[str]]], min_count: int) -> None:
    """Refuse a table whose published cells, subtracted from any other population's, reveal a small group."""
    new = table.cells
    filter_key = pop.split(":", 1)[0]
    others = [(h.name, h.filter_key, _published_cells(h), [d.name for d in h.dimensions]) for h in earlier]
    for name, fkey, cells, dims in [*others, *published]:
        if fkey == filter_key:
            continue
        bad = differencing_conflicts(new, table.dim_names, cells, dims, min_count)
        if len(bad):
            raise PolicyRefused(
                f"{table.name} differs from the earlier {name} by fewer than {min_count} in {len(bad)} cells; "
                "subtracting the two would reveal a small group", clause="differencing",
                issues=[Issue("differencing", f"{len(bad)} cells differ by 1..{min_count - 1} from {name}",
                              hint="widen the filter, or ask for the same population as before")])


def _published_cells(h: Held) -> pd.DataFrame:
    cells = h.cells.copy()
    cells.loc[cells["flag"].isin([PRIMARY, SECONDARY]), "value"] = np.nan
    return cells
