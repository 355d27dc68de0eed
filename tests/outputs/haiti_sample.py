"""Protected tables over Haiti's real admin areas with a generated population, for output tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.compute import gazetteer
from atlas.tables.hierarchy import area_dimension, band_codes, banded_dimension, flat_dimension
from atlas.tables.margins import compute_margins

BANDS = [0, 5, 12, 18, 25, 35, 45, 60, 75]
NATIONS = ["VEN", "COL", "DOM", "CUB", "USA"]


def haiti_finest(con, seed: int = 3, small_every: int = 9, tiny_adm1: str = "HT09") -> pd.DataFrame:
    """Counts per commune x sex x age band x nationality; every `small_every`-th commune and the
    communes of `tiny_adm1` are tiny (so both levels have suppressed areas)."""
    g = gazetteer(con)
    communes = g.loc[g["level"] == "adm2", "code"].astype(str).to_numpy()
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product(
        [communes, ["female", "male"], band_codes(BANDS), NATIONS], names=["area", "sex", "age", "nationality"]
    ).to_frame(index=False)
    size = rng.integers(0, 9, len(grid)) * np.where(grid["nationality"] == "VEN", 3, 1)
    tiny = np.isin(grid["area"], communes[::small_every])
    grid["n"] = np.where(tiny, (rng.random(len(grid)) < 0.01).astype(int), size)
    few = grid["area"].str.startswith(tiny_adm1)
    grid.loc[few, "n"] = (rng.random(int(few.sum())) < 0.03).astype(int)
    return grid


def haiti_table(con, dims: tuple[str, ...] = ("area", "sex"), level: str = "adm2",
                policy: DisclosurePolicy | None = None, name: str = "haiti") -> ProtectedTable:
    """A protected table of the generated population over Haiti's gazetteer."""
    fin = haiti_finest(con).groupby(list(dims), as_index=False)["n"].sum()
    if level == "adm1":
        g = gazetteer(con)
        up = dict(zip(g["code"], g["parent"]))
        fin = fin.assign(area=fin["area"].map(up)).groupby(list(dims), as_index=False)["n"].sum()
    make = {
        "area": lambda: area_dimension(gazetteer(con), level, "area"),
        "sex": lambda: flat_dimension("sex", ["female", "male"], {"female": "Female", "male": "Male"}),
        "age": lambda: banded_dimension("age", BANDS, with_unknown=False),
        "nationality": lambda: flat_dimension("nationality", NATIONS, {"VEN": "Venezuela", "COL": "Colombia",
                                              "DOM": "Dominican Republic", "CUB": "Cuba", "USA": "United States"}),
    }
    cube = compute_margins(fin, [make[d]() for d in dims])
    return protect(cube, policy or DisclosurePolicy(min_count=10, group=None, secondary="fast"), names=name,
                   title="Migrants by commune (generated figures)")
