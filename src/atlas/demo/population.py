"""Stream realistic synthetic migrants in a host country to CSV or Parquet, block by block, in bounded memory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from atlas.demo import people
from atlas.demo.columns import PERSON_COLUMNS, Identity, block_table, identity_pools
from atlas.demo.country import DEMO_COUNTRY
from atlas.demo.profiles import Profiles, build_profiles
from atlas.demo.writer import TableSink, needs_quotes
from atlas.errors import Issue, RejectedInput

SEED_BLOCK = 50_000
Format = Literal["csv", "parquet"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Geography:
    """The finest areas people live in, how each nationality clusters over them, and entry points."""

    codes: np.ndarray
    labels: np.ndarray
    nat_cum: np.ndarray
    stratum_weight: np.ndarray
    entry_codes: np.ndarray
    entry_modes: np.ndarray
    entry_cum: np.ndarray


@dataclass
class GenerationSummary:
    """What a generation run wrote, for the CLI to report and tests to check."""

    path: Path
    rows: int
    households: int
    fmt: str
    host_country: str
    seed: int
    registry: str
    seconds: float
    columns: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def check_areas(areas: pd.DataFrame) -> pd.DataFrame:
    """The finest level of an areas table (pcode, parent, level, optional weight/name), or RejectedInput."""
    missing = [c for c in ("pcode", "parent", "level") if c not in areas.columns]
    if missing:
        raise RejectedInput(
            "areas table lacks required columns",
            issues=[Issue("missing-column", f"column {c!r} is required", column=c) for c in missing],
        )
    if areas.empty:
        raise RejectedInput("areas table is empty")
    finest = areas[areas["level"] == areas["level"].max()].sort_values("pcode").reset_index(drop=True)
    if finest["pcode"].duplicated().any():
        dups = finest.loc[finest["pcode"].duplicated(), "pcode"].tolist()[:5]
        raise RejectedInput("duplicate area codes", issues=[Issue("duplicate-code", "duplicate pcode", value=d)
                                                           for d in dups])
    return finest


def build_geography(areas: pd.DataFrame, prof: Profiles, seed: int, area_labels: str = "pcode",
                    island: bool = False) -> Geography:
    """Cluster each nationality in a few areas (Dirichlet mixture) and pick a handful of entry points."""
    finest = check_areas(areas)
    if area_labels == "name" and "name" not in finest.columns:
        raise RejectedInput("area_labels='name' needs a 'name' column in areas")
    rng = np.random.default_rng([seed, 0])
    base = finest["weight"].to_numpy(float) if "weight" in finest.columns else np.ones(len(finest))
    base = np.where(np.isfinite(base) & (base > 0), base, np.nanmean(base) if np.isfinite(base).any() else 1.0)
    base = base / base.sum()
    hubs = rng.gamma(0.15, size=(len(prof.codes), len(finest))) * base[None, :]
    hubs = hubs / hubs.sum(axis=1, keepdims=True)
    mix = 0.85 * hubs + 0.15 * base[None, :]
    n_entry = min(6, len(finest))
    entry = rng.permutation(len(finest))[:n_entry]
    modes = np.array(["air", "sea", "sea", "air", "sea", "sea"] if island
                     else ["air", "land", "land", "sea", "land", "air"])[:n_entry]
    entry_p = np.where(modes == "air", 0.3, 0.7)
    labels = finest["name" if area_labels == "name" else "pcode"].astype(str).to_numpy()
    return Geography(
        codes=finest["pcode"].astype(str).to_numpy(), labels=labels, nat_cum=np.cumsum(mix, axis=1),
        stratum_weight=np.round(rng.lognormal(np.log(40), 0.7, len(finest)), 2),
        entry_codes=finest["pcode"].astype(str).to_numpy()[entry], entry_modes=modes,
        entry_cum=np.cumsum(entry_p / entry_p.sum())[None, :],
    )


def _blocks(n_rows: int) -> Iterator[tuple[int, int, int]]:
    for b, start in enumerate(range(0, n_rows, SEED_BLOCK)):
        yield b, start, min(SEED_BLOCK, n_rows - start)


def person_block(seed: int, block: int, start: int, n: int, prof: Profiles, geo: Geography,
                 ids: Identity) -> tuple[pa.Table, int]:
    """One block of people (randomness keyed by seed and block number) as an Arrow table."""
    rng = np.random.default_rng([seed, block, 1])
    hh = people.households(rng, n, prof)
    p = people.demography(rng, hh, prof)
    p |= people.timeline(rng, hh, prof, p["age"])
    p |= people.status_route(rng, hh, prof, p, geo.entry_cum)
    p |= people.skills(rng, prof, p)
    p["wg"] = people.disability(rng, p["age"])
    p |= people.consent(rng, hh)
    area_hh = people.draw_rows(rng, geo.nat_cum, hh.nat)
    p["area"] = area_hh[hh.of_row]
    p["weight"] = np.round(geo.stratum_weight[area_hh] * rng.lognormal(0, 0.25, len(hh.sizes)), 3)[hh.of_row]
    p["household"] = block * SEED_BLOCK + hh.of_row
    p["row"] = start + np.arange(n)
    p["family"] = rng.integers(0, len(ids.family), len(hh.sizes))[hh.of_row]
    return block_table(rng, p, prof, geo, ids), len(hh.sizes)


def generate_population(
    n_rows: int,
    *,
    areas: pd.DataFrame,
    host_country: str,
    seed: int,
    out: Path,
    fmt: Format = "csv",
    chunk_rows: int = 1_000_000,
    area_labels: Literal["pcode", "name"] = "pcode",
    island: bool | None = None,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Write n_rows synthetic migrants living in `areas` of `host_country`; same arguments, same bytes.

    `island` (no land borders: entry by air and sea only) defaults to True for the demo country.
    """
    if n_rows < 0:
        raise RejectedInput(f"n_rows must be >= 0, not {n_rows}")
    started = time.perf_counter()
    prof = build_profiles(host_country)
    if island is None:
        island = host_country == DEMO_COUNTRY
    geo = build_geography(areas, prof, seed, area_labels, island)
    ids = identity_pools(seed)
    households = 0
    quote = needs_quotes([*geo.labels, *prof.ethnicity_labels.ravel()])
    with TableSink(Path(out), fmt, PERSON_COLUMNS, quote=quote) as sink, ThreadPoolExecutor(1) as pool:
        pending: Future[None] | None = None
        done = 0
        for block, start, n in _blocks(n_rows):
            table, k = person_block(seed, block, start, n, prof, geo, ids)
            if pending is not None:
                pending.result()
            pending = pool.submit(sink.write, table)
            households += k
            done += n
            if progress is not None and (done % max(chunk_rows, 1) < n or done == n_rows):
                progress(done, n_rows)
        if pending is not None:
            pending.result()
    return GenerationSummary(
        path=Path(out), rows=n_rows, households=households, fmt=fmt, host_country=host_country, seed=seed,
        registry="host", seconds=time.perf_counter() - started, columns=[c.name for c in PERSON_COLUMNS],
    )
