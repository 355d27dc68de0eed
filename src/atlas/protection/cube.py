"""The cube every protection method works on: all cells of a table, margins included, with hierarchies.

A `Cube` is what `tables/` builds from records and what `protection/` flags. Each dimension carries its
full hierarchy (code -> parent, the grand total `_T` has parent None), so every additive relation of the
table is known: for each dimension d and each non-leaf code c of d, with every other coordinate fixed,
cell(c) = sum of cell(child) over the children of c.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

TOTAL = "_T"

# Cell flags of the output contract (empty string = published as is).
PUBLISHED = ""
PRIMARY = "p"
SECONDARY = "s"
STRUCTURAL_ZERO = "z"
PERTURBED = "c"


@dataclass(frozen=True)
class Dimension:
    """One dimension with its hierarchy; `parent[code]` is None only for the root (normally `_T`)."""

    name: str
    parent: dict[str, str | None]
    labels: dict[str, str] = field(default_factory=dict)
    sensitive: bool = False

    @property
    def codes(self) -> list[str]:
        return list(self.parent)

    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {c: [] for c in self.parent}
        for code, par in self.parent.items():
            if par is not None:
                out[par].append(code)
        return out

    def leaves(self) -> list[str]:
        kids = self.children()
        return [c for c in self.parent if not kids[c]]

    def level(self, code: str) -> int:
        depth, cur = 0, self.parent[code]
        while cur is not None:
            depth, cur = depth + 1, self.parent[cur]
        return depth


class DimensionLookup:
    """Dimensions by name, shared by `Cube` and `ProtectedTable`."""

    dimensions: Sequence[Dimension]

    @property
    def dim_names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def dimension(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)


@dataclass
class Cube(DimensionLookup):
    """All cells of a table: one column per dimension (codes), `value`, and `n` (contributing records).

    Optional columns used by magnitude rules: `top1`, `top2` (largest contributions to the cell).
    Every combination of codes of every dimension is present exactly once (zeros included).
    """

    dimensions: list[Dimension]
    cells: pd.DataFrame

    @property
    def zeros_omitted(self) -> bool:
        """True for a sparse cube (see tables/margins.py): combinations not listed are zeros."""
        return bool(self.cells.attrs.get("zeros_omitted", False))
