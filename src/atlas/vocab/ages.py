"""Age bands: the standard 5-year bands and the humanitarian partners' bands, applied to whole columns."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pyarrow as pa

from atlas.errors import NotFound

# Lower bounds of each band; the last band is open ("80+").
AGE_SCHEMES: dict[str, tuple[int, ...]] = {
    "5y": tuple(range(0, 85, 5)),
    "humanitarian": (0, 5, 12, 18, 25, 35, 45, 60, 75),
}
MAX_AGE = 130


def band_labels(scheme: str = "5y") -> list[str]:
    """Band labels in order, e.g. "00-04", "05-09", ..., "80+" (zero-padded so they sort)."""
    bounds = _bounds(scheme)
    labels = [f"{lo:02d}-{hi - 1:02d}" for lo, hi in pairwise(bounds)]
    return [*labels, f"{bounds[-1]}+"]


def band_ages(ages: Sequence[float | int | None] | np.ndarray | pa.Array, scheme: str = "5y") -> pa.Array:
    """Band a column of ages at once (completed years: 3.9 is 3); negative, > MAX_AGE or null give null."""
    bounds = np.asarray(_bounds(scheme))
    arr = ages if isinstance(ages, pa.Array | pa.ChunkedArray) else pa.array(ages, from_pandas=True)
    values = np.asarray(arr.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    valid = ~np.isnan(values) & (values >= 0) & (values < MAX_AGE + 1)
    idx = np.searchsorted(bounds, np.floor(np.where(valid, values, 0)), side="right") - 1
    labels = np.asarray(band_labels(scheme), dtype=object)
    return pa.array(labels[idx], type=pa.string(), mask=~valid)


def age_band_table(scheme: str = "5y") -> pa.Table:
    """(age, band) for every whole age 0..MAX_AGE: join on it to band ages inside DuckDB."""
    ages = np.arange(MAX_AGE + 1)
    return pa.table({"age": pa.array(ages, pa.int32()), "band": band_ages(ages, scheme)})


def _bounds(scheme: str) -> tuple[int, ...]:
    try:
        return AGE_SCHEMES[scheme]
    except KeyError:
        raise NotFound(f"no age band scheme {scheme!r}", detail={"known": list(AGE_SCHEMES)}) from None


def age_band_variants(lo: int, hi: int | None) -> list[str]:
    """Ways sources write one band, e.g. "0-4", "0 à 4 ans", "80+", "80 y más"."""
    if hi is None:
        return [f"{lo}+", f"{lo} +", f"{lo} and over", f"{lo} or more", f"{lo} years and over", f"{lo} plus",
                f"{lo} ans et plus", f"{lo} et plus", f"{lo} y más", f"{lo} años y más", f"{lo} o más"]
    out = [f"{lo}-{hi}", f"{lo:02d}-{hi:02d}", f"{lo} to {hi}", f"{lo}-{hi} years", f"{lo} à {hi} ans",
           f"{lo}-{hi} ans", f"{lo} a {hi} años", f"{lo}-{hi} años", f"de {lo} a {hi} años", f"de {lo} à {hi} ans"]
    return out


def age_band_codes(scheme: str) -> list[tuple[str, list[str]]]:
    """(band label, variants) for each band of a scheme."""
    bounds = _bounds(scheme)
    highs: list[int | None] = [b - 1 for b in bounds[1:]] + [None]
    return list(zip(band_labels(scheme), [age_band_variants(lo, hi) for lo, hi in zip(bounds, highs, strict=True)],
                    strict=True))
