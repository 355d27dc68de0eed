"""A protected table of people by period (and sex), with small periods so some are suppressed."""

from __future__ import annotations

import pandas as pd

from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import compute_margins

PERIODS = [f"2025-{m:02d}" for m in range(1, 13)]


def trend_table(name: str = "arrivals") -> ProtectedTable:
    """Arrivals per month and sex; 2025-04 and 2025-09 are tiny for women."""
    counts = {"female": [40, 52, 47, 3, 60, 66, 58, 71, 2, 80, 77, 90],
              "male": [55, 61, 70, 65, 72, 75, 81, 79, 88, 91, 95, 99]}
    rows = [(p, s, counts[s][i]) for s in counts for i, p in enumerate(PERIODS)]
    fin = pd.DataFrame(rows, columns=["period", "sex", "n"])
    dims = [flat_dimension("period", PERIODS), flat_dimension("sex", ["female", "male"], {"female": "Female", "male": "Male"})]
    return protect(compute_margins(fin, dims), DisclosurePolicy(min_count=10, group=None, secondary="fast"), names=name,
                   title="Arrivals by month (generated figures)")
