"""Secondary suppression of linked cubes: fast or optimal MILP, always closed by the interval audit.

`protect_secondary` merges tied cells of the cubes (and of earlier releases) into one system, suppresses
further cells until no primary cell can be recovered within its protection interval, and returns the
flags together with the audit that proves it. Flow: a pattern (fast relation rounds, or the optimal MILP
where it fits) -> audit -> repair of every cell the audit did not prove (`atlas.protection.repair`), all
within `time_limit`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from atlas.protection.audit import AuditResult, requirement_arrays, to_result
from atlas.protection.cube import PRIMARY, PUBLISHED, SECONDARY, STRUCTURAL_ZERO, Cube
from atlas.protection.interval import ProtectionInterval
from atlas.protection.milp import milp_size, solve_pattern
from atlas.protection.repair import audit_and_repair
from atlas.protection.singletons import mend_singletons
from atlas.protection.status import CellStatus, base_status

AUTO_MILP_LIMIT = 40_000
OPTIMAL_MILP_LIMIT = 60_000
ZERO_PARTNER = 0.01  # an empty cell cannot fall, so it protects in one direction only: a partner of last resort

__all__ = ["ProtectionInterval", "SuppressionResult", "audit_intervals", "protect_secondary"]


@dataclass
class SuppressionResult:
    """Flags per cube (`p`, `s`, `z` or empty), the method that made them, and the audit that checked them."""

    flags: list[np.ndarray]
    method: str
    audit: AuditResult
    seconds: float
    n_primary: int
    n_secondary: int
    repaired: int
    fallback: int = 0
    budget_exhausted: bool = False
    timings: dict[str, float] | None = None

    @property
    def suppressed(self) -> list[np.ndarray]:
        return [np.isin(f, [PRIMARY, SECONDARY]) for f in self.flags]

    @property
    def secondary(self) -> list[np.ndarray]:
        return [f == SECONDARY for f in self.flags]

    def information_loss(self, cubes: list[Cube]) -> dict[str, float]:
        """Secondary cells and the share of the total cell value they hide, over all cubes."""
        hidden = sum(float(c.cells["value"].to_numpy()[s].sum()) for c, s in zip(cubes, self.secondary))
        total = sum(float(c.cells["value"].sum()) for c in cubes)
        return {"secondary_cells": self.n_secondary, "secondary_value": hidden,
                "secondary_value_share": hidden / total if total else 0.0}

    def apply(self, cubes: list[Cube]) -> list[Cube]:
        """Copies of `cubes` with a `flag` column (values stay; renderers blank suppressed cells)."""
        return [Cube(c.dimensions, c.cells.assign(flag=f)) for c, f in zip(cubes, self.flags)]


def protect_secondary(cubes: list[Cube], primary: list[np.ndarray], *,
                      method: Literal["fast", "optimal", "auto"] = "auto",
                      protection: ProtectionInterval, cost: Literal["count", "value"] = "count",
                      published_before: list[Cube] | None = None, time_limit: float = 60) -> SuppressionResult:
    """Suppress more cells of the linked `cubes` until the audit proves every primary cell protected.

    `fast`: relation rounds, then repair. `optimal`: one MILP over all primary cells when its model fits
    (at most `OPTIMAL_MILP_LIMIT` variables; best pattern found within half the time), else fast (the
    result's `method` says which ran). `auto`: the optimal MILP when it is small (`AUTO_MILP_LIMIT`),
    else fast. Audit and repair share `time_limit`; past it, cells still failing get the over-protecting
    fallback of `atlas.protection.repair`.
    """
    start = time.perf_counter()
    st = base_status(cubes, primary, published_before)
    space = st.space
    need = st.primary
    req = requirement_arrays(space, cubes, protection, need)
    req = (req[0], req[1], np.where(need, np.maximum(req[2], 1e-3 * np.maximum(1.0, space.value)), 0.0))
    costs = _costs(space.value, cost)
    supp = (need & ~st.forced) | st.fixed_unknown
    candidates = st.current | st.fixed_unknown
    size = milp_size(int(candidates.sum()), int((need & ~st.forced).sum()))
    used = "fast" if method == "fast" or (method == "auto" and size > AUTO_MILP_LIMIT) else "optimal"
    if used == "optimal" and size <= OPTIMAL_MILP_LIMIT:
        targets = np.flatnonzero(need & ~st.forced)
        reach = 4.0 * max((float(r[targets].max()) for r in req if len(targets)), default=0.0) + 1.0
        found = solve_pattern(space.relations, space.value, np.flatnonzero(candidates), targets, req, costs,
                              supp, st.forced | ~candidates, time_limit / 2, reach=reach)
        if found is not None:
            supp[found] = True
        else:
            used = "fast"
    elif used == "optimal":
        used = "fast"
    if used == "fast":
        rise = np.where(need, np.maximum(req[1], req[2] - np.maximum(space.value, 0.0)), 0.0)
        supp = mend_singletons(space.relations, supp, costs, ~st.forced & candidates, space.value, rise,
                               need & ~st.forced)
    patterned = time.perf_counter()
    rep = audit_and_repair(st, req, costs, supp, start + time_limit)
    flags = _flags(cubes, st, rep.supp)
    n_sec = int((rep.supp & ~need & st.current).sum())
    result = to_result(space, cubes, [np.isin(f, [PRIMARY, SECONDARY]) for f in flags], need, req, rep.audit)
    end = time.perf_counter()
    return SuppressionResult(flags, used, result, end - start, int(need.sum()), n_sec, rep.repaired, rep.fallback,
                             rep.exhausted, {"pattern": patterned - start, "audit_repair": end - patterned})


def _costs(value: np.ndarray, cost: str) -> np.ndarray:
    v = np.maximum(value, 0.0)
    if cost == "value":
        return v + 1e-3 * (v.mean() if len(v) else 0.0) + 1e-9
    return 1.0 + 0.5 * v / (v.sum() + 1.0) + ZERO_PARTNER * (v <= 0)


def _flags(cubes: list[Cube], st: CellStatus, supp: np.ndarray) -> list[np.ndarray]:
    out = []
    for ci, cube in enumerate(cubes):
        idx = st.space.cube_cells[ci]
        f = np.full(len(idx), PUBLISHED, dtype=object)
        f[supp[idx]] = SECONDARY
        f[supp[idx] & st.primary[idx]] = PRIMARY
        if "flag" in cube.cells:
            z = cube.cells["flag"].fillna("").to_numpy() == STRUCTURAL_ZERO
            f[z] = STRUCTURAL_ZERO
        out.append(f)
    return out


def audit_intervals(cubes: list[Cube], suppressed: list[np.ndarray], protection: ProtectionInterval, *,
                    primary: list[np.ndarray] | None = None,
                    published_before: list[Cube] | None = None) -> AuditResult:
    """LP min/max of every suppressed cell of `cubes`; see `atlas.protection.audit`."""
    from atlas.protection import audit

    return audit.audit_intervals(cubes, suppressed, protection, primary=primary, published_before=published_before)


def flags_frame(cubes: list[Cube], result: SuppressionResult) -> pd.DataFrame:
    """All cells of all cubes with their flag, one frame (for reports and tests)."""
    return pd.concat([c.cells.assign(cube=i, flag=f) for i, (c, f) in enumerate(zip(cubes, result.flags))],
                     ignore_index=True)
