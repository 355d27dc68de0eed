"""How wide an attacker's interval for a suppressed primary cell must stay (tau-Argus protection levels).

For a primary cell with true value x, let [lo, hi] be the attacker's LP interval given everything published.
The cell is protected when all three hold:

* width:  hi - lo >= `min_count` (the default; with lo >= 0 always known, an interval holding both 0 and
  k has width >= k, so "width >= k, or contains 0 and k" reduces to this single test);
* upper:  hi >= x + max(upper_abs, upper_rel * x, cell's `upper_pl`);
* lower:  lo <= x - min(x, max(lower_abs, lower_rel * x, cell's `lower_pl`)).

`mode="zero_and_k"` asks for the stricter pair lo <= 0 and hi >= k (the attacker cannot exclude that the
cell is empty, nor that it is safe). Per-cell absolute levels are read from the optional cube columns
`lower_pl` / `upper_pl` (as tau-Argus table input carries them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from atlas.errors import Issue, RejectedInput


@dataclass(frozen=True)
class ProtectionInterval:
    """Required attacker uncertainty around each primary cell; see the module docstring for the rule."""

    min_count: float = 10
    mode: Literal["width", "zero_and_k"] = "width"
    lower_rel: float = 0.0
    upper_rel: float = 0.0
    lower_abs: float = 0.0
    upper_abs: float = 0.0

    def __post_init__(self) -> None:
        if min(self.min_count, self.lower_rel, self.upper_rel, self.lower_abs, self.upper_abs) < 0:
            raise RejectedInput("protection interval must not be negative", issues=[
                Issue("interval-negative", repr(self))])

    @classmethod
    def from_policy(cls, min_count: int, lower_pct: float = 0.0, upper_pct: float = 0.0,
                    absolute: float | None = None) -> ProtectionInterval:
        """From the fields of `DisclosurePolicy` (percentages, one absolute level for both sides)."""
        a = absolute or 0.0
        return cls(min_count, "width", lower_pct / 100, upper_pct / 100, a, a)

    def requirements(self, value: np.ndarray, lower_pl: np.ndarray | None = None,
                     upper_pl: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lower, upper, width) distances each cell's interval must reach, for cells of value `value`."""
        x = np.maximum(np.asarray(value, dtype=float), 0.0)
        lower = np.maximum(self.lower_abs, self.lower_rel * x)
        upper = np.maximum(self.upper_abs, self.upper_rel * x)
        if lower_pl is not None:
            lower = np.maximum(lower, np.nan_to_num(np.asarray(lower_pl, dtype=float)))
        if upper_pl is not None:
            upper = np.maximum(upper, np.nan_to_num(np.asarray(upper_pl, dtype=float)))
        width = np.full_like(x, float(self.min_count))
        if self.mode == "zero_and_k":
            lower = np.maximum(lower, x)
            upper = np.maximum(upper, self.min_count - x)
        return np.minimum(lower, x), upper, width

    @staticmethod
    def holds(lo: np.ndarray, hi: np.ndarray, x: np.ndarray, req: tuple[np.ndarray, np.ndarray, np.ndarray],
              tol: float = 1e-6) -> np.ndarray:
        """Which cells with attacker interval [lo, hi] and true value x meet requirement `req`."""
        lower, upper, width = req
        t = tol * np.maximum(1.0, np.abs(x))
        return (hi - lo > t) & (hi - lo >= width - t) & (hi >= x + upper - t) & (lo <= x - lower + t)
