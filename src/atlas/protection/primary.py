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

    def counts(self) -> dict[str, int]:
        return {rule: int(m.sum()) for rule, m in self.reasons.items()} | {"total": int(self.mask.sum())}


def primary_masks(cube: Cube, policy: DisclosurePolicy) -> PrimaryResult:
    """Apply every rule the policy enables; magnitude rules need `top1`/`top2` columns."""
    cells = cube.cells
    reasons = {
        "frequency": frequency_mask(cells, policy.min_count, protect_zeros=policy.zeros == "protected")
    }
    if policy.group is not None and any(d.sensitive for d in cube.dimensions):
        reasons["group"] = group_mask(cube, policy.group)
    if policy.dominance is not None:
        reasons["dominance"] = dominance_mask(cells, policy.dominance)
    if policy.p_percent is not None:
        reasons["p_percent"] = p_percent_mask(cells, policy.p_percent)
    mask = np.zeros(len(cells), dtype=bool)
    for m in reasons.values():
        mask |= m
    return PrimaryResult(mask, reasons)


def frequency_mask(cells: pd.DataFrame, k: int, *, protect_zeros: bool = False) -> np.ndarray:
    """Cells with 0 < n < k contributors (and empty cells when zeros are protected)."""
    n = cells["n"].to_numpy()
    m = (n > 0) & (n < k)
    return m | (n == 0) if protect_zeros else m


def group_mask(cube: Cube, rule: GroupDisclosure) -> np.ndarray:
    """Cells holding >= threshold of their group along a sensitive dimension (the group: its parent code)."""
    cells = cube.cells
    out = np.zeros(len(cells), dtype=bool)
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
        out |= has_parent & ~exempt & (value > 0) & (share >= rule.threshold) & small
    return out


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
