"""Rounding to a base (3, 5, 10): conventional, or unbiased random rounding repeatable through the cell key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atlas.protection.cube import Cube
from atlas.protection.policy import RoundingPolicy

CKEY_MODULUS = 2**32


@dataclass(frozen=True)
class Additivity:
    """How many additive relations (parent = sum of children, per dimension) the published values break."""

    relations: int
    non_additive: int
    max_gap: float

    def to_dict(self) -> dict[str, float]:
        return {"relations": self.relations, "non_additive": self.non_additive, "max_gap": self.max_gap}


def round_to_base(
    values: np.ndarray, base: int, mode: str = "conventional", uniforms: np.ndarray | None = None
) -> np.ndarray:
    """Every value to a multiple of `base`; random mode rounds up with probability remainder/base."""
    x = np.asarray(values, dtype=float)
    low = np.floor(x / base) * base
    rem = x - low
    if mode == "conventional":
        up = rem >= base / 2
    else:
        if uniforms is None:
            raise ValueError("random rounding needs one uniform per value")
        up = np.asarray(uniforms, dtype=float) < rem / base
    out = low + np.where(up, base, 0)
    return out.astype(np.int64) if np.all(np.isfinite(out)) else out


def cell_uniforms(cube: Cube) -> np.ndarray:
    """A uniform per cell: the (secret, repeatable) cell key, else fresh OS randomness.

    A public hash of the coordinates would let anyone recompute the draw and narrow the true value.
    """
    cells = cube.cells
    if "ckey" in cells:
        return (cells["ckey"].to_numpy(dtype=np.int64) % CKEY_MODULUS) / CKEY_MODULUS
    return np.random.default_rng(secrets.randbits(128)).random(len(cells))


def round_cube(cube: Cube, rule: RoundingPolicy) -> np.ndarray:
    """Rounded `value` of every cell under `rule`."""
    u = cell_uniforms(cube) if rule.mode == "random" else None
    return round_to_base(cube.cells["value"].to_numpy(), rule.base, rule.mode, u)


def additivity(cube: Cube, published: np.ndarray) -> Additivity:
    """Check parent = sum of children along every dimension for the published values (absent rows are 0)."""
    cells = cube.cells
    relations = broken = 0
    max_gap = 0.0
    for dim in cube.dimensions:
        others = [d for d in cube.dim_names if d != dim.name]
        par = cells[dim.name].map(dim.parent)
        child = par.notna().to_numpy()
        frame = cells.loc[child, others].assign(
            _code=par[child].to_numpy(), _v=np.asarray(published, float)[child]
        )
        sums = frame.groupby([*others, "_code"], sort=False, dropna=False)["_v"].sum()
        parents = cells[others].assign(_code=cells[dim.name].to_numpy(), _p=np.asarray(published, float))
        parents = parents.set_index([*others, "_code"])["_p"]
        joined = pd.concat([sums.rename("s"), parents.reindex(sums.index).rename("p")], axis=1).fillna(0.0)
        gap = (joined["s"] - joined["p"]).abs()
        relations += len(gap)
        broken += int((gap > 1e-9).sum())
        max_gap = max(max_gap, float(gap.max()) if len(gap) else 0.0)
    return Additivity(relations, broken, max_gap)
