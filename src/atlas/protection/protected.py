"""The only object renderers accept: cells after protection, built only by `atlas.protection.protect`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from atlas.protection.cube import Dimension, DimensionLookup
from atlas.protection.policy import DisclosurePolicy

_BUILD_TOKEN = object()


@dataclass(frozen=True, eq=False)
class ProtectedTable(DimensionLookup):
    """Protected cells (`value` is missing where suppressed, `flag` per the output contract) with metadata.

    Holds no true value of a suppressed cell: the audit keeps only the attacker's bounds. `info_loss` is
    for the steward's disclosure report and is never rendered into public files: sums of hidden or changed
    values would give an attacker one more equation.
    """

    name: str
    dimensions: tuple[Dimension, ...]
    _cells: pd.DataFrame = field(repr=False)
    policy: DisclosurePolicy
    method_details: dict[str, Any]
    info_loss: dict[str, Any]
    audit: dict[str, Any] | None = None
    audit_intervals: pd.DataFrame | None = field(default=None, repr=False)
    title: str | None = None
    measure: str = "count"
    zeros_omitted: bool = False
    notes: tuple[str, ...] = ()
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._token is not _BUILD_TOKEN:
            raise TypeError("ProtectedTable is built only by atlas.protection.protect.protect()")

    @property
    def cells(self) -> pd.DataFrame:
        """A copy of the published cells: one column per dimension, `value`, `flag`."""
        return self._cells.copy()

    def __len__(self) -> int:
        return len(self._cells)


def _build(**kw: Any) -> ProtectedTable:
    """Private constructor used by `protect()`; cells are copied so later edits cannot leak in."""
    kw["_cells"] = kw["_cells"].reset_index(drop=True).copy()
    return ProtectedTable(_token=_BUILD_TOKEN, **kw)
