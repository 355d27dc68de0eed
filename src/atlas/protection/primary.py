"""Primary disclosure rules over every cell of a cube (margins included): boolean masks, one per rule."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from atlas.errors import Issue, PolicyRefused
from atlas.protection.cube import Cube
from atlas.protection.policy import DisclosurePolicy, Dominance, GroupDisclosure, PPercent

EXEMPT_CATEGORIES = ("unknown",)


@dataclass
class PrimaryResult:
    """Which cells are unsafe and why; `mask` is the union, aligned with `cube.cells` rows."""

    mask: np.ndarray
    reasons: dict[str, np.ndarray] = field(default_factory=dict)
    lower_pl: np.ndarray | None = None
    upper_pl: np.ndarray | None = None

    def with_levels(self, cube: Cube) -> Cube:
        """`cube` with `lower_pl`/`upper_pl` columns (rule-derived protection levels) for suppression and audit."""
        extra = {}
        for col, arr in (("lower_pl", self.lower_pl), ("upper_pl", self.upper_pl)):
            if arr is not None and arr.any():
                old = cube.cells[col].to_numpy(dtype=float) if col in cube.cells else np.zeros(len(arr))
                extra[col] = np.maximum(np.nan_to_num(old), arr)
        if not extra:
            return cube
        cells = cube.cells.assign(**extra)
        cells.attrs = dict(cube.cells.attrs)
        return Cube(cube.dimensions, cells)

    def counts(self) -> dict[str, int]:
        return {rule: int(m.sum()) for rule, m in self.reasons.items()} | {"total": int(self.mask.sum())}


def primary_masks(cube: Cube, policy: DisclosurePolicy) -> PrimaryResult:
    """Apply every rule the policy enables; magnitude rules need `top1`/`top2` columns."""
    cells = cube.cells
    reasons = {
        "frequency": frequency_mask(cells, policy.min_count, protect_zeros=policy.zeros == "protected")
    }
    lower = np.zeros(len(cells))
    upper = np.zeros(len(cells))
    if policy.group is not None and any(d.sensitive for d in cube.dimensions):
        reasons["group"], lower = group_levels(cube, policy.group)
    if policy.dominance is not None:
        reasons["dominance"] = dominance_mask(cells, policy.dominance)
        upper = np.maximum(
            upper, np.where(reasons["dominance"], dominance_level(cells, policy.dominance), 0.0)
        )
    if policy.p_percent is not None:
        reasons["p_percent"] = p_percent_mask(cells, policy.p_percent)
        upper = np.maximum(
            upper, np.where(reasons["p_percent"], p_percent_level(cells, policy.p_percent), 0.0)
        )
    mask = np.zeros(len(cells), dtype=bool)
    for m in reasons.values():
        mask |= m
    return PrimaryResult(mask, reasons, lower, upper)


def frequency_mask(cells: pd.DataFrame, k: int, *, protect_zeros: bool = False) -> np.ndarray:
    """Cells with 0 < n < k contributors (and empty cells when zeros are protected)."""
    n = cells["n"].to_numpy()
    m = (n > 0) & (n < k)
    return m | (n == 0) if protect_zeros else m


def group_mask(cube: Cube, rule: GroupDisclosure) -> np.ndarray:
    """Cells holding >= threshold of their group along a sensitive dimension (the group: its parent code)."""
    return group_levels(cube, rule)[0]


def group_levels(cube: Cube, rule: GroupDisclosure) -> tuple[np.ndarray, np.ndarray]:
    """Group-disclosure mask and the lower protection level that keeps the share provably below threshold.

    A flagged cell x of a group of value N must have an attacker's lower bound under threshold * N, so
    nobody can conclude that (nearly) all of the group share the category: lower level x - (ceil(tN) - 1).
    """
    cells = cube.cells
    out = np.zeros(len(cells), dtype=bool)
    level = np.zeros(len(cells))
    value = cells["value"].to_numpy(dtype=float)
    n = cells["n"].to_numpy()
    for dim in (d for d in cube.dimensions if d.sensitive):
        others = [x for x in cube.dim_names if x != dim.name]
        par = cells[dim.name].map(dim.parent)
        has_parent = par.notna().to_numpy()
        exempt = (
            cells[dim.name].isin(EXEMPT_CATEGORIES).to_numpy()
            | cells[dim.name].astype(str).str.endswith("_NS").to_numpy()
        )
        keys = [cells[o] for o in others] + [par]
        frame = pd.DataFrame({f"k{i}": k.to_numpy() for i, k in enumerate(keys)})
        frame["v"] = np.where(has_parent, value, 0.0)
        frame["n"] = np.where(has_parent, n, 0)
        grouped = frame[has_parent].groupby([f"k{i}" for i in range(len(keys))], sort=False, dropna=False)
        total_v = np.zeros(len(cells))
        total_n = np.zeros(len(cells))
        total_v[has_parent] = grouped["v"].transform("sum").to_numpy()
        total_n[has_parent] = grouped["n"].transform("sum").to_numpy()
        share = np.divide(value, total_v, out=np.zeros(len(cells)), where=total_v > 0)
        small = (
            total_n <= rule.max_group_n if rule.max_group_n is not None else np.ones(len(cells), dtype=bool)
        )
        hit = has_parent & ~exempt & (value > 0) & (share >= rule.threshold) & small
        target = rule.threshold * total_v
        integral = np.all(np.mod(value, 1) == 0)
        target = np.ceil(target) - 1 if integral else target * (1 - 1e-9)
        level = np.maximum(level, np.where(hit, np.maximum(value - target, 0.0), 0.0))
        out |= hit
    return out, level


def dominance_mask(cells: pd.DataFrame, rule: Dominance) -> np.ndarray:
    """(n, k) rule: sum of the n largest contributions > k% of the cell value."""
    top = _tops(cells, rule.n, "dominance")
    x = cells["value"].to_numpy(dtype=float)
    return (x > 0) & (top.sum(axis=0) > rule.k / 100.0 * x)


def p_percent_mask(cells: pd.DataFrame, rule: PPercent) -> np.ndarray:
    """p% / pq rule: the remainder after the two largest is below (p/q) of the largest."""
    t = _tops(cells, 2, "p_percent")
    x = cells["value"].to_numpy(dtype=float)
    return (x > 0) & (x - t[0] - t[1] < (rule.p / rule.q) * t[0])


def dominance_level(cells: pd.DataFrame, rule: Dominance) -> np.ndarray:
    """Upper protection level so the n largest no longer exceed k%: (100/k) * sum(top n) - X."""
    top = _tops(cells, rule.n, "dominance").sum(axis=0)
    return np.maximum(100.0 / rule.k * top - cells["value"].to_numpy(dtype=float), 0.0)


def p_percent_level(cells: pd.DataFrame, rule: PPercent) -> np.ndarray:
    """Upper protection level so the runner-up cannot estimate the largest within p%: (p/q) x1 - (X - x1 - x2)."""
    t = _tops(cells, 2, "p_percent")
    rest = cells["value"].to_numpy(dtype=float) - t[0] - t[1]
    return np.maximum(rule.p / rule.q * t[0] - rest, 0.0)


def _tops(cells: pd.DataFrame, n: int, rule: str) -> np.ndarray:
    cols = [f"top{i}" for i in range(1, n + 1)]
    missing = [c for c in cols if c not in cells]
    if missing:
        raise PolicyRefused(
            f"the {rule} rule needs the largest contributions per cell",
            clause=rule,
            issues=[
                Issue(
                    "magnitude-needs-top",
                    f"cube has no column {c}",
                    column=c,
                    hint="compute the table with top contributions (sum or weighted measure)",
                )
                for c in missing
            ],
        )
    return np.vstack([np.nan_to_num(cells[c].to_numpy(dtype=float)) for c in cols])
