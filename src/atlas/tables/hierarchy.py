"""Hierarchies of table dimensions (areas, world regions, bands, custom groups) as `Dimension`s rooted at `_T`."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from atlas.errors import Issue, RejectedInput
from atlas.protection.cube import TOTAL, Dimension

NOT_STATED = "_NS"
AREA_LEVELS = ("adm0", "adm1", "adm2", "adm3")
REGION_PREFIX = "M49_"


def preorder(parent: Mapping[str, str | None], order: Sequence[str] | None = None) -> dict[str, str | None]:
    """Same map, codes listed depth first from the root so tables read top-down."""
    rank: dict[str, int] = {}
    for c in [*(order or []), *parent]:
        rank.setdefault(c, len(rank))
    kids: dict[str | None, list[str]] = {}
    for code, par in parent.items():
        kids.setdefault(par, []).append(code)
    out: dict[str, str | None] = {}
    stack = sorted(kids.get(None, []), key=lambda c: rank.get(c, 0), reverse=True)
    while stack:
        code = stack.pop()
        out[code] = parent[code]
        stack.extend(sorted(kids.get(code, []), key=lambda c: rank.get(c, 0), reverse=True))
    if len(out) != len(parent):
        raise RejectedInput(
            "hierarchy has a cycle or a code whose parent is missing",
            issues=[
                Issue(
                    "hierarchy-cycle",
                    "not reachable from the root",
                    value=", ".join(sorted(set(parent) - set(out))[:10]),
                )
            ],
        )
    return out


def flat_dimension(
    name: str, codes: Iterable[str], labels: Mapping[str, str] | None = None, sensitive: bool = False
) -> Dimension:
    """Categories directly under the total."""
    parent: dict[str, str | None] = {TOTAL: None}
    parent.update({str(c): TOTAL for c in codes if str(c) != TOTAL})
    return Dimension(name, parent, _labels(labels), sensitive)


def grouped_dimension(
    name: str,
    leaves: Iterable[str],
    groups: Mapping[str, Sequence[str]],
    labels: Mapping[str, str] | None = None,
    sensitive: bool = False,
) -> Dimension:
    """Custom groups of codes (groups may contain groups); ungrouped leaves sit directly under the total."""
    parent: dict[str, str | None] = {TOTAL: None}
    leaves = list(leaves)
    member_of = {m: g for g, ms in groups.items() for m in ms}
    order = [TOTAL]
    for leaf in leaves:
        chain = []
        g = member_of.get(leaf)
        while g is not None and g not in order and g not in chain:
            chain.append(g)
            g = member_of.get(g)
        order.extend(reversed(chain))
        order.append(leaf)
    order.extend(groups)
    for g in groups:
        parent[g] = TOTAL
    for g, members in groups.items():
        for m in members:
            if parent.get(m) not in (None, TOTAL) or m == g:
                raise RejectedInput(
                    f"code {m!r} is in more than one group of {name}",
                    issues=[
                        Issue("grouping-overlap", "a code may belong to one group only", column=name, value=m)
                    ],
                )
            parent[m] = g
    for leaf in leaves:
        if leaf not in parent:
            parent[leaf] = TOTAL
    return Dimension(name, preorder(parent, order), _labels(labels), sensitive)


def band_codes(bands: Sequence[int]) -> list[str]:
    """Codes of numeric bands from their lower bounds: [0, 15, 65] -> 00-14, 15-64, 65+ (as vocab/ages.py)."""
    return [f"{lo:02d}-{hi - 1:02d}" for lo, hi in itertools.pairwise(bands)] + [f"{bands[-1]}+"]


def band_of(values: pd.Series | np.ndarray, bands: Sequence[int]) -> np.ndarray:
    """Band code of every value (vectorised); missing or below the first bound -> 'unknown'."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    idx = np.searchsorted(np.asarray(bands, dtype=float), v, side="right") - 1
    codes = np.array([*band_codes(bands), "unknown"], dtype=object)
    idx = np.where(np.isnan(v) | (idx < 0), len(codes) - 1, idx)
    return codes[idx]


def banded_dimension(
    name: str,
    bands: Sequence[int],
    groups: Mapping[str, Sequence[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    with_unknown: bool = True,
) -> Dimension:
    """Numeric bands (e.g. age) and optional groups of bands."""
    leaves = band_codes(bands) + (["unknown"] if with_unknown else [])
    return grouped_dimension(name, leaves, groups or {}, labels)


def area_dimension(gazetteer: pd.DataFrame, level: str, name: str = "area") -> Dimension:
    """Admin areas down to `level` from (code, parent, level, name) rows; one country collapses into `_T`."""
    need = {"code", "parent", "level"}
    if not need <= set(gazetteer.columns):
        raise RejectedInput(
            "area hierarchy needs columns code, parent, level",
            issues=[Issue("hierarchy-columns", f"missing {sorted(need - set(gazetteer.columns))}")],
        )
    keep = list(AREA_LEVELS[: AREA_LEVELS.index(level) + 1])
    g = gazetteer[gazetteer["level"].isin(keep)]
    codes = g["code"].astype(str).to_numpy()
    parents = g["parent"].where(g["parent"].notna(), None).to_numpy()
    lvl = g["level"].to_numpy()
    countries = codes[lvl == "adm0"]
    single = len(countries) == 1
    parent: dict[str, str | None] = {TOTAL: None}
    for code, par, lv in zip(codes, parents, lvl):
        if lv == "adm0":
            if not single:
                parent[code] = TOTAL
        else:
            par = str(par) if par is not None else None
            parent[code] = TOTAL if par is None or (single and par == countries[0]) else par
    missing = sorted({p for p in parent.values() if p is not None and p not in parent})
    if missing:
        raise RejectedInput(
            "area hierarchy names parents that are not in it",
            issues=[Issue("hierarchy-parent", "unknown parent code", value=m) for m in missing[:20]],
        )
    labels = dict(zip(codes, g["name"].astype(str))) if "name" in g.columns else {}
    if single:
        labels[TOTAL] = labels.pop(str(countries[0]), TOTAL)
    return Dimension(name, preorder(parent, [TOTAL, *codes]), labels)


@lru_cache(maxsize=1)
def m49_table() -> pd.DataFrame:
    """ISO3 -> UN M49 sub-region and region (shipped table, see tables/data/README.md)."""
    with resources.files("atlas.tables").joinpath("data/m49_regions.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def region_dimension(
    name: str, countries: Iterable[str], depth: str = "un_m49_region", sensitive: bool = False
) -> Dimension:
    """Countries under UN M49 regions (and sub-regions); codes outside M49 (unknown, stateless) sit under `_T`."""
    t = m49_table().set_index("iso3")
    parent: dict[str, str | None] = {TOTAL: None}
    labels: dict[str, str] = {}
    countries = sorted({str(c) for c in countries})
    for c in countries:
        if c not in t.index or not t.at[c, "region_code"]:
            parent[c] = TOTAL
            continue
        row = t.loc[c]
        reg = REGION_PREFIX + row["region_code"]
        parent.setdefault(reg, TOTAL)
        labels[reg] = row["region_name"]
        labels[c] = row["name"]
        if depth == "un_m49_subregion" and row["subregion_code"]:
            sub = REGION_PREFIX + row["subregion_code"]
            parent.setdefault(sub, reg)
            labels[sub] = row["subregion_name"]
            parent[c] = sub
        else:
            parent[c] = reg
    order = [TOTAL, *sorted(k for k in parent if k.startswith(REGION_PREFIX)), *countries]
    return Dimension(name, preorder(parent, order), labels, sensitive)


def with_leaves_for(dim: Dimension, observed: Iterable[str]) -> tuple[Dimension, dict[str, str]]:
    """Give every observed non-leaf code a `<code>_NS` child (finer level not stated) so margins stay additive."""
    kids = dim.children()
    unknown = sorted({str(c) for c in observed} - set(dim.parent))
    if unknown:
        raise RejectedInput(
            f"codes of {dim.name} not in its hierarchy",
            issues=[
                Issue("code-not-in-hierarchy", "code has no place in the hierarchy", column=dim.name, value=c)
                for c in unknown[:50]
            ],
        )
    inner = sorted({str(c) for c in observed if kids.get(str(c))})
    if not inner:
        return dim, {}
    parent = dict(dim.parent)
    labels = dict(dim.labels)
    remap: dict[str, str] = {}
    for c in inner:
        leaf = f"{c}{NOT_STATED}" if c != TOTAL else f"{NOT_STATED}"
        parent[leaf] = c
        labels[leaf] = f"{dim.labels.get(c, c)}: not stated below"
        remap[c] = leaf
    return Dimension(dim.name, preorder(parent), labels, dim.sensitive), remap


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    out = dict(labels or {})
    out.setdefault(TOTAL, "Total")
    return out
