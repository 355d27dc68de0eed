"""Per-nationality demographic profiles, as numpy tables the generator can index by row."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pycountry
from babel.languages import get_official_languages

STATUSES = ("regular", "irregular", "asylum_seeker", "refugee", "stateless", "unknown")
PURPOSES = ("work", "family", "study", "transit", "other", "unknown")
ZIPF_EXPONENT = 1.1
MAX_OPTIONAL = 4
HOST_LANGUAGE_OVERRIDES = {"XAT": "eng", "HTI": "hat"}


@dataclass(frozen=True)
class NationalityRow:
    """One line of data/nationalities.csv, parsed."""

    code: str
    numbers: dict[str, float]
    status: dict[str, float]
    purpose: dict[str, float]
    languages: list[tuple[str, float]]
    ethnicities: list[tuple[str, float]]
    alt_origins: list[tuple[str, float]]
    transit: list[tuple[str, float]]


def _pairs(text: str) -> list[tuple[str, float]]:
    out = []
    for item in filter(None, text.split("|")):
        key, _, value = item.rpartition(":")
        out.append((key, float(value)))
    return out


@lru_cache(maxsize=1)
def nationality_rows() -> tuple[NationalityRow, ...]:
    """The shipped profiles in Zipf rank order (row 1 is the largest group); last row is `_default`."""
    text = resources.files("atlas.demo").joinpath("data/nationalities.csv").read_text(encoding="utf-8")
    rows = []
    for rec in csv.DictReader(text.splitlines()):
        nums = {k: float(rec[k]) for k in ("female_share", "mean_hh", "single_share", "older_share",
                                            "uam_rate", "edu_shift", "arrival_start")}
        rows.append(NationalityRow(
            code=rec["code"], numbers=nums, status=dict(_pairs(rec["status"])),
            purpose=dict(_pairs(rec["purpose"])), languages=_pairs(rec["languages"]),
            ethnicities=_pairs(rec["ethnicities"]), alt_origins=_pairs(rec["alt_origins"]),
            transit=_pairs(rec["transit"]),
        ))
    return tuple(rows)


def host_language(host_country: str) -> str:
    """Main official language of the host country as ISO 639-3 (English when unknown)."""
    if host_country in HOST_LANGUAGE_OVERRIDES:
        return HOST_LANGUAGE_OVERRIDES[host_country]
    country = pycountry.countries.get(alpha_3=host_country)
    if country is None:
        return "eng"
    for code in get_official_languages(country.alpha_2, de_facto=True):
        lang = pycountry.languages.get(alpha_2=code.split("_")[0])
        if lang is not None and hasattr(lang, "alpha_3"):
            return str(lang.alpha_3)
    return "eng"


def _cumulative(weights: np.ndarray) -> np.ndarray:
    """Row-normalised cumulative sums; rows of zeros become a point mass on the last column."""
    w = np.asarray(weights, dtype=float)
    totals = w.sum(axis=1, keepdims=True)
    w = np.where(totals > 0, w / np.where(totals > 0, totals, 1.0), 0.0)
    w[totals[:, 0] == 0, -1] = 1.0
    cum = np.cumsum(w, axis=1)
    cum[:, -1] = 1.0
    return cum


def _subset_strings(items: list[tuple[str, float]], first: str | None, extra: str | None) -> list[str]:
    """All 2**MAX_OPTIONAL (x2 with `extra`) ';'-joined subsets of optional items, in bit order."""
    codes = [c for c, _ in items][:MAX_OPTIONAL] + [""] * (MAX_OPTIONAL - min(len(items), MAX_OPTIONAL))
    out = []
    for flag in (False, True) if extra is not None else (False,):
        for bits in range(2**MAX_OPTIONAL):
            chosen = [codes[i] for i in range(MAX_OPTIONAL) if bits >> i & 1 and codes[i]]
            parts = ([first] if first else []) + chosen
            if flag and extra is not None and extra not in parts:
                parts.append(extra)
            out.append(";".join(parts))
    return out


@dataclass(frozen=True)
class Profiles:
    """Profiles for the nationalities present in one host country, as arrays indexed by nationality."""

    codes: np.ndarray
    share: np.ndarray
    numbers: dict[str, np.ndarray]
    status_cum: np.ndarray
    purpose_cum: np.ndarray
    ethnicity_cum: np.ndarray
    ethnicity_labels: np.ndarray
    language_p: np.ndarray
    language_sets: np.ndarray
    speaks_host_natively: np.ndarray
    alt_origin_cum: np.ndarray
    alt_origin_codes: np.ndarray
    alt_origin_rate: np.ndarray
    transit_p: np.ndarray
    transit_sets: np.ndarray
    host: str
    host_language: str


def _table(rows: list[NationalityRow], attr: str, width: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.full((len(rows), width), "", dtype=object)
    weights = np.zeros((len(rows), width))
    for i, row in enumerate(rows):
        for j, (label, w) in enumerate(getattr(row, attr)[:width]):
            labels[i, j], weights[i, j] = label, w
    return labels, weights


def build_profiles(host_country: str, only: str | None = None) -> Profiles:
    """Profiles of migrants in `host_country` (its own nationals dropped); `only` keeps one origin."""
    all_rows = nationality_rows()
    default = all_rows[-1]
    known = [r for r in all_rows[:-1] if r.code != host_country]
    if only is not None:
        match = [r for r in all_rows[:-1] if r.code == only]
        known = match or [NationalityRow(only, *[getattr(default, f) for f in (
            "numbers", "status", "purpose", "languages", "ethnicities", "alt_origins", "transit")])]
    ranks = np.arange(1, len(known) + 1, dtype=float)
    share = ranks**-ZIPF_EXPONENT
    share /= share.sum()
    hl = host_language(host_country)
    numbers = {k: np.array([r.numbers[k] for r in known]) for k in known[0].numbers}
    status = np.array([[r.status.get(s, 0.0) for s in STATUSES] for r in known])
    purpose = np.array([[r.purpose.get(p, 0.0) for p in PURPOSES] for r in known])
    eth_labels, eth_w = _table(known, "ethnicities", 8)
    alt_codes, alt_w = _table([_drop(r, "alt_origins", host_country) for r in known], "alt_origins", 4)
    lang_p = np.zeros((len(known), MAX_OPTIONAL))
    lang_sets, transit_sets = [], []
    transit_p = np.zeros((len(known), MAX_OPTIONAL))
    for i, row in enumerate(known):
        optional = row.languages[1:]
        lang_p[i, : len(optional[:MAX_OPTIONAL])] = [p for _, p in optional[:MAX_OPTIONAL]]
        lang_sets.append(_subset_strings(optional, row.languages[0][0], hl))
        transit = [t for t in row.transit if t[0] != host_country]
        transit_p[i, : len(transit[:MAX_OPTIONAL])] = [p for _, p in transit[:MAX_OPTIONAL]]
        transit_sets.append(_subset_strings(transit, None, None))
    return Profiles(
        codes=np.array([r.code for r in known], dtype=object), share=share, numbers=numbers,
        status_cum=_cumulative(status), purpose_cum=_cumulative(purpose),
        ethnicity_cum=_cumulative(eth_w), ethnicity_labels=eth_labels,
        language_p=lang_p, language_sets=np.array(lang_sets, dtype=object),
        speaks_host_natively=np.array([r.languages[0][0] == hl for r in known]),
        alt_origin_cum=_cumulative(alt_w), alt_origin_codes=alt_codes,
        alt_origin_rate=np.where(alt_w.sum(axis=1) > 0, 0.12, 0.0),
        transit_p=transit_p, transit_sets=np.array(transit_sets, dtype=object),
        host=host_country, host_language=hl,
    )


def _drop(row: NationalityRow, attr: str, code: str) -> NationalityRow:
    kept = [p for p in getattr(row, attr) if p[0] != code]
    return NationalityRow(**{**row.__dict__, attr: kept})


def all_language_codes() -> set[str]:
    """Every ISO 639-3 code the profiles can emit (for tests and docs)."""
    codes = {c for r in nationality_rows() for c, _ in r.languages}
    return codes | set(HOST_LANGUAGE_OVERRIDES.values())


def subset_bits(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Independent inclusion draws per optional item, packed as an integer bit mask per row."""
    draws = rng.random(p.shape) < p
    return (draws * (1 << np.arange(p.shape[1]))).sum(axis=1)

