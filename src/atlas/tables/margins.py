"""Every margin of a table from its finest-level counts, vectorised over integer codes (no loop per cell).

Zeros: a cube is *dense* (every combination of codes listed, zeros included) when the full product of
the code lists has at most `dense_limit` cells, or when zeros are protected. Above that limit it is
*sparse*: it lists every cell with at least one contributor plus all their margins, and every absent
combination is an (observed) zero; `Cube.cells.attrs["zeros_omitted"]` says so and renderers carry it
into structure.json. Hierarchies are never cut: a margin is listed even when all its children are zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from atlas.errors import Issue, RejectedInput
from atlas.protection.cube import TOTAL, Cube, Dimension
from atlas.tables import hierarchy as h
from atlas.tables.fields import FIELDS, code_labels
from atlas.tables.spec import DimensionSpec, GroupingSpec, TableSpec

CKEY_MODULUS = 2**32
DENSE_LIMIT = 5_000_000
SUM_COLUMNS = ("value", "n")
TOP_COLUMNS = ("top1", "top2")


def build_cube(
    spec: TableSpec,
    finest: pd.DataFrame,
    hierarchies: Mapping[str, Dimension | pd.DataFrame] | None = None,
    *,
    dense_limit: int = DENSE_LIMIT,
) -> Cube:
    """Cube of `spec` from finest-level rows (one column per dimension field + value, n [, top1, top2, ckey])."""
    hierarchies = hierarchies or {}
    finest = _banded(spec, finest)
    bools = [d.field for d in spec.dimensions if pd.api.types.is_bool_dtype(finest[d.field])]
    if bools:
        finest = finest.assign(**{b: finest[b].map({True: "true", False: "false"}) for b in bools})
    finest = _single_country_is_total(finest, hierarchies)
    dims = [dimension_for(d, finest[d.field], hierarchies.get(d.field)) for d in spec.dimensions]
    dense = spec.protection.zeros == "protected" or _product(dims) <= dense_limit
    if spec.protection.zeros == "protected" and _product(dims) > dense_limit * 4:
        raise RejectedInput(
            "table too large to protect zeros",
            issues=[
                Issue(
                    "cube-too-large",
                    f"{_product(dims)} cells",
                    hint="publish zeros or use coarser dimensions",
                )
            ],
        )
    return compute_margins(finest, dims, dense=dense)


def _single_country_is_total(
    finest: pd.DataFrame, hierarchies: Mapping[str, Dimension | pd.DataFrame]
) -> pd.DataFrame:
    """With one country in a gazetteer, the country is `_T`: records known only at adm0 count there."""
    for name, given in hierarchies.items():
        if isinstance(given, pd.DataFrame) and name in finest and "level" in given:
            countries = given.loc[given["level"] == "adm0", "code"].astype(str).unique()
            if len(countries) == 1:
                finest = finest.assign(**{name: finest[name].replace({countries[0]: TOTAL})})
    return finest


def dimension_for(d: DimensionSpec, observed: pd.Series, given: Dimension | pd.DataFrame | None) -> Dimension:
    """The hierarchy of one spec dimension: given (Dimension or area gazetteer), grouped, banded or flat."""
    f = FIELDS[d.field]
    present = [str(c) for c in pd.unique(observed.dropna())]
    leaves = d.codes or _in_vocab_order(present, f.codes)
    if isinstance(given, Dimension):
        dim = given
    elif isinstance(given, pd.DataFrame):
        dim = h.area_dimension(given, d.level or (d.field if d.field in h.AREA_LEVELS else "adm2"), d.field)
    elif isinstance(d.grouping, str):
        dim = h.region_dimension(d.field, leaves, d.grouping)
    elif isinstance(d.grouping, GroupingSpec) and d.grouping.bands:
        dim = h.banded_dimension(d.field, d.grouping.bands, d.grouping.groups, d.grouping.labels)
    elif isinstance(d.grouping, GroupingSpec):
        dim = h.grouped_dimension(d.field, leaves, d.grouping.groups, d.grouping.labels)
    else:
        dim = h.flat_dimension(d.field, leaves)
    known = code_labels(d.field)
    labels = {**{c: known[c] for c in dim.parent if c in known}, **dim.labels, **d.labels}
    return Dimension(d.field, dim.parent, labels, d.is_sensitive)


def compute_margins(finest: pd.DataFrame, dims: Sequence[Dimension], *, dense: bool = True) -> Cube:
    """All cells incl. margins; sums `value`, `n`, `ckey` (mod 2^32); keeps the two largest `top` values."""
    names = [d.name for d in dims]
    missing = [
        c for c in [*names, "value"] if c not in finest.columns and not (c == "value" and "n" in finest)
    ]
    if missing:
        raise RejectedInput(
            "finest-level counts lack columns",
            issues=[Issue("finest-columns", "column missing", column=c) for c in missing],
        )
    dims = list(dims)
    frame = finest
    for i, d in enumerate(dims):
        dims[i], remap = h.with_leaves_for(d, pd.unique(finest[d.name].dropna()).astype(str))
        if remap:
            frame = frame.assign(**{d.name: frame[d.name].astype(str).replace(remap)})
    keys, vals = _encode(frame, dims)
    radix = np.array([len(d.parent) for d in dims], dtype=np.int64)
    if float(np.prod(radix.astype(float))) >= 2**62:
        raise RejectedInput("table has too many cells", issues=[Issue("cube-too-large", str(np.prod(radix)))])
    mult = np.concatenate([np.cumprod(radix[::-1])[::-1][1:], [1]]).astype(np.int64)
    flat, vals = _reduce(keys.T @ mult if keys.size else np.zeros(0, np.int64), vals)
    for i, d in enumerate(dims):
        anc = _ancestors(d)
        own = (flat // mult[i]) % radix[i]
        parts_k, parts_v = [], []
        for s in range(anc.shape[1]):
            a = anc[own, s]
            m = a >= 0
            parts_k.append(flat[m] + (a[m] - own[m]) * mult[i])
            parts_v.append({c: v[m] for c, v in vals.items()})
        flat, vals = _reduce(
            np.concatenate(parts_k), {c: np.concatenate([p[c] for p in parts_v]) for c in vals}
        )
    if dense:
        flat, vals = _densify(flat, vals, int(np.prod(radix)))
    keys = np.array(np.unravel_index(flat, tuple(radix)), dtype=np.int64).reshape(len(radix), -1)
    cells = pd.DataFrame({d.name: np.asarray(d.codes, dtype=object)[keys[i]] for i, d in enumerate(dims)})
    for c, v in vals.items():
        cells[c] = v
    cells.attrs["zeros_omitted"] = not dense
    return Cube(dims, cells)


def _encode(frame: pd.DataFrame, dims: Sequence[Dimension]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    keys = np.empty((len(dims), len(frame)), dtype=np.int64)
    for i, d in enumerate(dims):
        col = frame[d.name].astype(str).where(frame[d.name].notna(), "unknown")
        codes = pd.Categorical(col, categories=d.codes).codes.astype(np.int64)
        if (codes < 0).any():
            bad = sorted(set(col[codes < 0]))[:20]
            raise RejectedInput(
                f"codes of {d.name} not in its hierarchy",
                issues=[
                    Issue(
                        "code-not-in-hierarchy", "code has no place in the hierarchy", column=d.name, value=b
                    )
                    for b in bad
                ],
            )
        keys[i] = codes
    n = frame["n"].to_numpy() if "n" in frame else frame["value"].to_numpy()
    value = frame["value"].to_numpy() if "value" in frame else n
    vals: dict[str, np.ndarray] = {"value": _num(value), "n": np.asarray(n, dtype=np.int64)}
    for c in TOP_COLUMNS:
        if c in frame:
            vals[c] = np.nan_to_num(np.asarray(frame[c], dtype=float))
    if "ckey" in frame:
        vals["ckey"] = ckey_units(frame["ckey"].to_numpy())
    return keys, vals


def ckey_units(x: np.ndarray) -> np.ndarray:
    """Cell keys as exact integers in units of 2^-32 (floats in [0,1) are scaled; integers kept mod 2^32)."""
    arr = np.asarray(x)
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64) % CKEY_MODULUS
    return np.floor(np.mod(arr.astype(float), 1.0) * CKEY_MODULUS).astype(np.int64)


def _num(v: np.ndarray) -> np.ndarray:
    arr = np.asarray(v)
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    arr = arr.astype(float)
    return (
        arr.astype(np.int64)
        if np.all(np.mod(arr, 1) == 0) and arr.size and np.abs(arr).max() < 2**53
        else arr
    )


def _reduce(flat: np.ndarray, vals: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One row per distinct cell key: sums (ckey mod 2^32) and the two largest contributions."""
    order = np.argsort(flat, kind="stable")
    flat = flat[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]]) if flat.size else np.empty(0, np.int64)
    out: dict[str, np.ndarray] = {}
    for c, v in vals.items():
        if c in TOP_COLUMNS:
            continue
        s = np.add.reduceat(v[order], starts) if flat.size else v[:0]
        out[c] = s % CKEY_MODULUS if c == "ckey" else s
    if "top1" in vals:
        out["top1"], out["top2"] = _top2(
            flat, starts, vals["top1"][order], vals.get("top2", np.zeros(len(flat)))[order]
        )
    return (flat[starts] if flat.size else flat), out


def _top2(
    flat: np.ndarray, starts: np.ndarray, t1: np.ndarray, t2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(flat)]))
    g = np.r_[group, group]
    v = np.r_[t1, t2]
    o = np.lexsort((-v, g))
    g, v = g[o], v[o]
    first = np.searchsorted(g, np.arange(len(starts)))
    second = first + 1
    ok = (second < len(g)) & (g[np.minimum(second, len(g) - 1)] == np.arange(len(starts)))
    return v[first], np.where(ok, v[np.minimum(second, len(g) - 1)], 0.0)


def _densify(
    flat: np.ndarray, vals: dict[str, np.ndarray], total: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    out = {}
    for c, v in vals.items():
        full = np.zeros(total, dtype=v.dtype)
        full[flat] = v
        out[c] = full
    return np.arange(total, dtype=np.int64), out


def _ancestors(d: Dimension) -> np.ndarray:
    """Row c: c itself, its parent, grandparent ... (-1 past the root)."""
    index = {c: i for i, c in enumerate(d.codes)}
    par = np.array([index[p] if p is not None else -1 for p in d.parent.values()], dtype=np.int64)
    cols = [np.arange(len(par), dtype=np.int64)]
    while (cols[-1] >= 0).any():
        prev = cols[-1]
        cols.append(np.where(prev >= 0, par[np.maximum(prev, 0)], -1))
    return np.stack(cols[:-1], axis=1)


def _product(dims: Sequence[Dimension]) -> float:
    return float(np.prod([float(len(d.parent)) for d in dims]))


def _in_vocab_order(present: list[str], vocab: tuple[str, ...]) -> list[str]:
    rank = {c: i for i, c in enumerate(vocab)}
    return sorted(present, key=lambda c: (rank.get(c, len(rank)), c))


def _banded(spec: TableSpec, finest: pd.DataFrame) -> pd.DataFrame:
    """Numeric columns of banded dimensions turned into band codes, then re-aggregated."""
    bands = {
        d.field: d.grouping.bands
        for d in spec.dimensions
        if isinstance(d.grouping, GroupingSpec)
        and d.grouping.bands
        and pd.api.types.is_numeric_dtype(finest[d.field])
    }
    if not bands:
        return finest
    return finest.assign(**{f: h.band_of(finest[f], b) for f, b in bands.items()})
