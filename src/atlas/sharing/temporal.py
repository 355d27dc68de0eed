"""Differencing over time: a release made on newer data, minus an earlier one of the same table.

Two releases of one table and filter on different data states publish the same cells twice; their
difference is a table of changes (arrivals, departures) and a change of 1..k-1 people is a small group as
surely as a small cell is. The changes form a cube with the table's hierarchy, so they are protected the
way any table is: small changes are primary, secondary suppression and the interval audit run on the
change cube (with every cell counted as known to the attacker, which over-states what he knows), and the
cells it hides are withheld from the new release where the earlier one had published them. Withholding
only removes equations, so the new release's own audit still holds.

The audit bounds cells below by zero, true for changes when records were only added. When a change is
negative (erasure, retention or rectification between the releases) and small changes exist, the release
is refused with the clause `differencing`: cell-key perturbation is the method for such tables.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from atlas.errors import Issue, PolicyRefused
from atlas.protection.cube import PRIMARY, SECONDARY, Cube
from atlas.protection.interval import ProtectionInterval
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import withhold
from atlas.protection.protected import ProtectedTable
from atlas.sharing.history import Held

REASON = "earlier_releases"


def protect_over_time(cubes: list[Cube], tables: list[ProtectedTable], pop: str, earlier: list[Held],
                      policy: DisclosurePolicy) -> list[ProtectedTable]:
    """Withhold cells of `tables` (one population, protected together) whose change since any earlier
    release of the same tables on other data would reveal a small group."""
    if policy.method != "suppression":
        return tables
    filter_key = pop.split(":", 1)[0]
    states = dict.fromkeys(h.population for h in earlier if h.filter_key == filter_key and h.population != pop)
    for state in states:
        held = _known_cells(h for h in earlier if h.population == state)
        pairs = [(i, held[t.name]) for i, t in enumerate(tables)
                 if t.name in held and held[t.name][0] == cubes[i].dim_names]
        if not pairs:
            continue
        deltas = [_change_cube(cubes[i], cells) for i, (_, cells) in pairs]
        hide = _protect_changes(deltas, policy, [tables[i].name for i, _ in pairs])
        for (i, _), (delta, known_before), h in zip(pairs, deltas, hide, strict=True):
            mask = _on_table(tables[i], delta.cells[delta.dim_names], h & known_before)
            tables[i] = withhold(tables[i], mask, REASON)
    return tables


def _known_cells(helds: Iterable[Held]) -> dict[str, tuple[list[str], pd.DataFrame]]:
    """Per table name: its dimensions and cells with the value and whether any copy published it."""
    out: dict[str, tuple[list[str], pd.DataFrame]] = {}
    for h in helds:
        dims = [d.name for d in h.dimensions]
        cells = h.cells[[*dims, "value"]].copy()
        cells["known"] = ~h.cells["flag"].isin([PRIMARY, SECONDARY]).to_numpy()
        if h.name in out:
            prev = out[h.name][1].merge(cells[[*dims, "known"]], on=dims, how="outer", suffixes=("", "_other"))
            prev["known"] = prev["known"].fillna(False).astype(bool) | prev["known_other"].fillna(False).astype(bool)
            cells = prev.drop(columns="known_other")
        out[h.name] = (dims, cells)
    return out


def _change_cube(cube: Cube, before: pd.DataFrame) -> tuple[Cube, np.ndarray]:
    """The cube of changes (new - earlier) on the new hierarchy, and which of its cells were published before."""
    dims = cube.dim_names
    now = cube.cells[[*dims, "value"]].astype({d: str for d in dims})
    old = before.astype({d: str for d in dims})
    valid = np.ones(len(old), dtype=bool)
    for d in cube.dimensions:
        valid &= old[d.name].isin(d.codes).to_numpy()
    m = now.merge(old[valid], on=dims, how="outer", suffixes=("", "_before"))
    change = m["value"].fillna(0).astype(float) - m["value_before"].fillna(0).astype(float)
    cells = m[dims].copy()
    cells["value"] = change.to_numpy()
    cells["n"] = np.abs(cells["value"].to_numpy())
    cells.attrs["zeros_omitted"] = cube.zeros_omitted
    known = m["known"].fillna(cube.zeros_omitted).astype(bool).to_numpy()
    return Cube(list(cube.dimensions), cells), known


def _protect_changes(deltas: list[tuple[Cube, np.ndarray]], policy: DisclosurePolicy,
                     names: list[str]) -> list[np.ndarray]:
    """Suppression pattern of the change cubes (small changes primary), proven by the interval audit."""
    from atlas.protection.audit import audit_intervals
    from atlas.protection.secondary import protect_secondary

    cubes = [d for d, _ in deltas]
    k = policy.min_count
    primary = [((c.cells["n"] > 0) & (c.cells["n"] < k)).to_numpy() for c in cubes]
    if not any(p.any() for p in primary):
        return [np.zeros(len(c.cells), dtype=bool) for c in cubes]
    if any((c.cells["value"] < 0).any() for c in cubes):
        raise PolicyRefused(
            f"{', '.join(names)}: records were removed since an earlier release and some cells changed by fewer "
            f"than {k}; suppression cannot prove the changes hidden", clause="differencing",
            issues=[Issue("negative-change", "changes since the earlier release include removals",
                          hint="protect tables released repeatedly with method cell_key")])
    interval = ProtectionInterval.from_policy(k, policy.interval.lower_pct, policy.interval.upper_pct,
                                              policy.interval.absolute)
    result = protect_secondary(cubes, primary, method=policy.secondary, protection=interval,
                               time_limit=policy.time_limit)
    hidden = [np.asarray(s, dtype=bool) | p for s, p in zip(result.suppressed, primary, strict=True)]
    audit = audit_intervals(cubes, hidden, interval, primary=primary)
    if not audit.ok:
        raise PolicyRefused("the changes since an earlier release cannot be protected", clause="differencing",
                            issues=[Issue("audit-failed", f"{len(audit.failures)} changes not protected")])
    return hidden


def _on_table(table: ProtectedTable, keys: pd.DataFrame, hide: np.ndarray) -> np.ndarray:
    """Align a mask over change-cube cells with the rows of the protected table."""
    dims = table.dim_names
    marked = keys.astype(str).assign(_hide=hide)
    rows = table.cells[dims].astype(str).merge(marked, on=dims, how="left")
    return rows["_hide"].fillna(False).to_numpy(dtype=bool)
