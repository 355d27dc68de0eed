"""Render benchmark: a 1,000-area choropleth (SVG and PNG) and a full briefing pack (HTML + PDF).

usage: python bench/render.py [--areas 1000] [--out DIR]

The areas are a synthetic grid of square polygons (P-codes XB0001...) grouped in 20 regions, with
generated counts (some small enough to be suppressed); the pack holds an area x sex table with both
map levels, and an area x age x sex table with a pyramid. Prints seconds per step and output sizes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from atlas.outputs.brief import BriefOptions, write_brief
from atlas.outputs.maps import write_map
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.tables.hierarchy import banded_dimension, flat_dimension, grouped_dimension
from atlas.tables.margins import compute_margins


def grid(n: int, regions: int = 20) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, list[str]]]:
    side = int(np.ceil(np.sqrt(n)))
    codes = [f"XB{i:04d}" for i in range(n)]
    polys = [box(i % side, i // side, i % side + 0.95, i // side + 0.95) for i in range(n)]
    parent = [f"XB{int(i * regions / n):02d}R" for i in range(n)]
    leaf = gpd.GeoDataFrame({"pcode": codes, "name": codes, "parent": parent}, geometry=polys, crs=4326)
    top = leaf[["parent", "geometry"]].dissolve("parent").reset_index().rename(columns={"parent": "pcode"})
    top["name"] = top["pcode"]
    groups = leaf.groupby("parent")["pcode"].apply(list).to_dict()
    return leaf, top[["pcode", "name", "geometry"]], groups


def tables(leaf: gpd.GeoDataFrame, groups: dict[str, list[str]], seed: int = 1):
    rng = np.random.default_rng(seed)
    area = grouped_dimension("area", list(leaf["pcode"]), groups)
    sex = flat_dimension("sex", ["female", "male"])
    age = banded_dimension("age", [0, 18, 60], with_unknown=False)
    fin = pd.MultiIndex.from_product([leaf["pcode"], ["female", "male"], ["00-17", "18-59", "60+"]],
                                     names=["area", "sex", "age"]).to_frame(index=False)
    fin["n"] = rng.poisson(rng.choice([2, 40, 120], len(fin), p=[0.1, 0.6, 0.3]))
    policy = DisclosurePolicy(min_count=10, group=None, secondary="fast")
    by_sex = protect(compute_margins(fin.groupby(["area", "sex"], as_index=False)["n"].sum(), [area, sex]),
                     policy, names="by_area_sex", title="Synthetic migrants by area and sex")
    small = fin[fin["area"].isin([c for cs in list(groups.values())[:2] for c in cs])]
    by_age = protect(compute_margins(small, [area, age, sex]), policy, names="by_age_sex",
                     title="Synthetic migrants by age and sex")
    return by_sex, by_age


def _bare_plot(table, leaf: gpd.GeoDataFrame, path: Path) -> float:  # type: ignore[no-untyped-def]
    """Baseline in the same run: GeoPandas' own choropleth of the same values (no classes named, no
    hatching, no notes), saved the same way."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = table.cells
    values = cells[(cells["sex"] == "_T") & cells["area"].isin(leaf["pcode"])][["area", "value"]]
    frame = leaf.merge(values, left_on="pcode", right_on="area", how="left")
    frame["value"] = frame["value"].astype(float)
    t0 = time.perf_counter()
    ax = frame.plot(column="value", legend=True, missing_kwds={"color": "lightgrey"})
    ax.figure.savefig(path)
    plt.close(ax.figure)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="atlas-render-"))
    out.mkdir(parents=True, exist_ok=True)
    leaf, top, groups = grid(a.areas)
    t0 = time.perf_counter()
    by_sex, by_age = tables(leaf, groups)
    print(f"protect two tables over {a.areas:,} areas: {time.perf_counter() - t0:.1f} s")
    _bare_plot(by_sex, leaf, out / "warm-up.png")  # Matplotlib's first figure pays for fonts and caches
    write_map(by_sex, leaf, out / "warm-up-atlas.png")
    for fmt in ("svg", "png"):
        base = _bare_plot(by_sex, leaf, out / f"bare{a.areas}.{fmt}")
        t0 = time.perf_counter()
        p = write_map(by_sex, leaf, out / f"map{a.areas}.{fmt}")
        took = time.perf_counter() - t0
        print(f"map of {a.areas:,} areas ({fmt}): {took:.2f} s, {p.stat().st_size / 1e6:.1f} MB; "
              f"bare GeoPandas plot {base:.2f} s; ratio {took / base:.1f}x")
    geoms = {1: top, 2: leaf}
    t0 = time.perf_counter()
    paths = write_brief([by_sex, by_age], out, lambda _t, lvl: geoms[lvl], BriefOptions(max_rows=200))
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in paths)
    print(f"briefing pack (HTML + PDF): {time.perf_counter() - t0:.1f} s ({sizes}) in {out}")


if __name__ == "__main__":
    main()
