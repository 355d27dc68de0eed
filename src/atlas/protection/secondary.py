"""Secondary suppression of linked cubes: fast hypercubes or optimal MILP, always closed by the interval audit.

`protect_secondary` merges tied cells of the cubes (and of earlier releases) into one system, suppresses
further cells until no primary cell can be recovered within its protection interval, and returns the
flags together with the audit that proves it. Flow: pattern (fast or optimal) -> audit -> repair each
cell the audit found too narrow by a MILP on a growing neighbourhood -> audit again, until it passes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from atlas.protection.audit import AuditResult, SpaceAudit, audit_space, requirement_arrays, to_result
from atlas.protection.cube import PRIMARY, PUBLISHED, SECONDARY, STRUCTURAL_ZERO, Cube
from atlas.protection.interval import ProtectionInterval
from atlas.protection.milp import milp_size, neighbourhood, solve_pattern
from atlas.protection.singletons import mend_singletons
from atlas.protection.status import CellStatus, base_status

AUTO_MILP_LIMIT = 200_000
REPAIR_RADII = (1, 2, 3, 10**6)
MAX_REPAIR_ROUNDS = 20
CERTIFY_ONLY_ABOVE = 5_000

__all__ = ["ProtectionInterval", "SuppressionResult", "protect_secondary", "audit_intervals"]


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
    """Suppress more cells of the linked `cubes` until the audit proves every primary cell protected."""
    start = time.perf_counter()
    st = base_status(cubes, primary, published_before)
    space = st.space
    need = st.primary
    req = requirement_arrays(space, cubes, protection, need)
    req = (req[0], req[1], np.where(need, np.maximum(req[2], 1e-3 * np.maximum(1.0, space.value)), 0.0))
    costs = _costs(space.value, cost)
    supp = (need & ~st.forced) | st.fixed_unknown
    used = "fast"
    candidates = st.current | st.fixed_unknown
    if method == "optimal" or (method == "auto" and milp_size(int(candidates.sum()), int(need.sum())) <= AUTO_MILP_LIMIT):
        targets = np.flatnonzero(need & ~st.forced)
        found = solve_pattern(space.relations, space.value, np.flatnonzero(candidates), targets, req, costs,
                              supp, st.forced | ~candidates, time_limit)
        if found is not None:
            supp[found] = True
            used = "optimal"
    if used == "fast":
        allowed = ~st.forced & candidates
        supp = mend_singletons(space.relations, supp, costs, allowed)
    supp, audit, repaired = _audit_and_repair(st, req, costs, supp, time_limit, start + 10 * time_limit)
    flags = _flags(cubes, st, supp)
    n_sec = int((supp & ~need & st.current).sum())
    result = to_result(space, cubes, [np.isin(f, [PRIMARY, SECONDARY]) for f in flags], need, req, audit)
    return SuppressionResult(flags, used, result, time.perf_counter() - start, int(need.sum()), n_sec, repaired)


def _costs(value: np.ndarray, cost: str) -> np.ndarray:
    v = np.maximum(value, 0.0)
    if cost == "value":
        return v + 1e-3 * (v.mean() if len(v) else 0.0) + 1e-9
    return 1.0 + 0.5 * v / (v.sum() + 1.0)


def _audit_and_repair(st: CellStatus, req: tuple[np.ndarray, ...], costs: np.ndarray, supp: np.ndarray,
                      time_limit: float, deadline: float) -> tuple[np.ndarray, SpaceAudit, int]:
    """Audit, repair every failing cell, repeat; stops at `deadline` with the last (failing) audit."""
    space = st.space
    allowed = ~st.forced & (st.current | st.fixed_unknown)
    repaired = 0
    for _ in range(MAX_REPAIR_ROUNDS):
        res = audit_space(space, supp, req, st.primary)
        bad = np.flatnonzero(~res.protected & st.primary & ~st.forced)
        if len(bad) == 0 or time.perf_counter() > deadline:
            return supp, res, repaired
        proven = 0
        for i in bad:
            for radius in REPAIR_RADII:
                cells = neighbourhood(space.relations, np.array([i]), radius, allowed)
                moves: dict[int, tuple[float, float]] = {}
                found = solve_pattern(space.relations, space.value, cells, np.array([i]), req, costs, supp,
                                      ~allowed, time_limit, moves)
                if found is not None:
                    repaired += int((~supp[found]).sum())
                    supp[found] = True
                    down, up = moves[int(i)]
                    res.lower[i] = min(res.lower[i], space.value[i] + down)
                    res.upper[i] = max(res.upper[i], space.value[i] + up)
                    res.exact[i] = False
                    proven += 1
                    break
        # each repaired cell now holds a certificate (its MILP perturbations use suppressed cells only) and
        # further suppressions never narrow any interval, so the cells proven before stay proven
        res.protected = ProtectionInterval.holds(res.lower, res.upper, space.value, req) | ~st.primary
        if proven == len(bad) and supp.sum() > CERTIFY_ONLY_ABOVE:
            res.exact[:] = False
            return supp, res, repaired
    return supp, audit_space(space, supp, req, st.primary), repaired


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
