"""Successive partner rounds of stock counts (baseline assessments), fictional, for trends and revisions.

Four rounds, one file each: the population of each district by nationality at the round's date. They
are built to show what a trend must handle: round 3 covers more districts (a coverage break), round 4
comes from a revised method (a source break) and re-reports the previous period with corrected figures
(a revision: the later batch supersedes the earlier one for that period). Some counts are small, so the
trend needs suppression.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.demo.profiles import build_profiles

SOURCE = "Demo baseline assessment (fictional)"
SOURCE_V2 = "Demo baseline assessment, revised method (fictional)"


@dataclass(frozen=True)
class Round:
    file: Path
    source: str
    periods: tuple[str, ...]


def write_rounds(folder: Path, areas: pd.DataFrame, host_country: str, seed: int = 1,
                 nationalities: int = 8) -> list[Round]:
    """Write `round1.csv` … `round4.csv` (period, district, nationality, indicator, count, source)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 44])
    leaves = areas.loc[areas["level"] == areas["level"].max(), "pcode"].astype(str).to_numpy()
    nats = [str(c) for c in build_profiles(host_country).codes[:nationalities]]
    share = rng.dirichlet(np.full(len(leaves), 0.6), size=len(nats)).T  # districts x nationalities
    size = 4000 * (np.arange(1, len(nats) + 1) ** -0.9)
    early = np.sort(rng.choice(len(leaves), size=int(0.75 * len(leaves)), replace=False))
    plan = [("2024-12", early, 1.00, SOURCE), ("2025-06", early, 1.12, SOURCE),
            ("2025-12", np.arange(len(leaves)), 1.25, SOURCE), ("2026-06", np.arange(len(leaves)), 1.31, SOURCE_V2)]
    rounds = []
    previous: pd.DataFrame | None = None
    for i, (period, idx, growth, source) in enumerate(plan, start=1):
        counts = rng.poisson(share[idx] * size * growth)
        frame = _frame(period, leaves[idx], nats, counts, source)
        files = [frame]
        if i == 4 and previous is not None:
            revised = previous.copy()
            fix = rng.random(len(revised)) < 0.2
            revised.loc[fix, "count"] = (revised.loc[fix, "count"] * rng.uniform(0.85, 1.15, fix.sum())).round()
            revised["source"] = source
            files.insert(0, revised)
        out = pd.concat(files, ignore_index=True)
        out = out[out["count"] > 0]
        path = folder / f"round{i}.csv"
        out.to_csv(path, index=False)
        rounds.append(Round(path, source, tuple(dict.fromkeys(out["period"]))))
        previous = frame
    return rounds


def _frame(period: str, districts: np.ndarray, nats: list[str], counts: np.ndarray, source: str) -> pd.DataFrame:
    d, n = np.meshgrid(np.arange(len(districts)), np.arange(len(nats)), indexing="ij")
    return pd.DataFrame({"period": period, "district": districts[d.ravel()],
                         "nationality": np.asarray(nats, dtype=object)[n.ravel()], "indicator": "stock",
                         "count": counts.ravel().astype(int), "source": source})
