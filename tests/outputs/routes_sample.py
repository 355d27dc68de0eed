"""A protected origin → transit → destination table with small flows (so some are suppressed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import compute_margins

ORIGINS = {"VEN": "Venezuela", "COL": "Colombia", "HTI": "Haiti", "CUB": "Cuba", "ECU": "Ecuador"}
TRANSIT = {"PAN": "Panama", "GTM": "Guatemala", "MEX": "Mexico", "DOM": "Dominican Republic"}
DESTINATIONS = {"USA": "United States", "CAN": "Canada", "MEX": "Mexico", "CHL": "Chile"}


def route_table(seed: int = 5, method: str = "suppression") -> ProtectedTable:
    """Counts per origin x transit x destination; about a third are under 10."""
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product([list(ORIGINS), list(TRANSIT), list(DESTINATIONS)],
                                      names=["origin_country", "transit_country", "destination_country"]
                                      ).to_frame(index=False)
    big = rng.random(len(grid)) < 0.6
    grid["n"] = np.where(big, rng.integers(20, 400, len(grid)), rng.integers(0, 8, len(grid)))
    dims = [flat_dimension("origin_country", list(ORIGINS), ORIGINS),
            flat_dimension("transit_country", list(TRANSIT), TRANSIT),
            flat_dimension("destination_country", list(DESTINATIONS), DESTINATIONS)]
    policy = DisclosurePolicy(min_count=10, group=None, secondary="fast") if method == "suppression" else \
        DisclosurePolicy(method=method, min_count=10, group=None)
    return protect(compute_margins(grid, dims), policy, names="routes", title="Routes to the north (generated figures)")
