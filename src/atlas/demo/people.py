"""Vectorised synthetic households and people: one numpy draw per attribute per block, never per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from atlas.demo.profiles import Profiles, subset_bits

WG_DOMAINS = ("seeing", "hearing", "walking", "cognition", "self_care", "communication")
WG_BASE = np.array([0.08, 0.04, 0.05, 0.04, 0.02, 0.02])
WG_LEVELS = ("no difficulty", "some difficulty", "a lot of difficulty", "cannot do at all")
LANGUAGE_LEVELS = ("none", "basic", "intermediate", "advanced", "native")
SECTORS = ("A", "C", "F", "G", "H", "I", "N", "P", "Q", "S", "T")
SECTOR_P = {
    "female": (0.10, 0.10, 0.02, 0.16, 0.02, 0.17, 0.08, 0.05, 0.08, 0.04, 0.18),
    "male": (0.16, 0.14, 0.22, 0.12, 0.10, 0.10, 0.08, 0.01, 0.02, 0.03, 0.02),
}
ISCO_BY_EDU = np.array([
    [0.00, 0.00, 0.01, 0.02, 0.14, 0.14, 0.18, 0.11, 0.40],
    [0.02, 0.04, 0.08, 0.10, 0.22, 0.06, 0.16, 0.12, 0.20],
    [0.12, 0.42, 0.20, 0.08, 0.08, 0.01, 0.03, 0.02, 0.04],
])
CONSENT_PURPOSES = ("statistics", "preparedness", "assistance", "research")
CONSENT_P = np.array([0.96, 0.7, 0.6, 0.35])
WINDOW_START = np.datetime64("2025-07-01")
WINDOW_DAYS = 365


@dataclass
class Households:
    """Household-level draws and the row → household expansion of one block."""

    nat: np.ndarray
    sizes: np.ndarray
    of_row: np.ndarray
    pos: np.ndarray


def draw_rows(rng: np.random.Generator, cum: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One categorical draw per element, each from the cumulative distribution `cum[row]`."""
    k = cum.shape[1]
    flat = (cum + np.arange(cum.shape[0])[:, None]).ravel()
    idx = np.searchsorted(flat, rng.random(len(row)) + row, side="right") - row * k
    return np.minimum(idx, k - 1)


def households(rng: np.random.Generator, n: int, prof: Profiles) -> Households:
    """Households of 1–7 whose sizes depend on nationality, cut to exactly n people."""
    num = prof.numbers
    lam = np.maximum(num["mean_hh"] - 2.0, 0.1)
    expected = num["single_share"] + (1 - num["single_share"]) * (2 + lam)
    per_household = prof.share / expected
    nat = rng.choice(len(prof.codes), size=n, p=per_household / per_household.sum())
    single = rng.random(n) < num["single_share"][nat]
    extra = np.minimum(rng.poisson(lam[nat]), 5)
    sizes = np.where(single, 1, 2 + extra)
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, n)) + 1
    sizes, nat = sizes[:k].copy(), nat[:k]
    sizes[-1] -= ends[k - 1] - n
    of_row = np.repeat(np.arange(k), sizes)
    starts = np.cumsum(sizes) - sizes
    return Households(nat=nat, sizes=sizes, of_row=of_row, pos=np.arange(n) - starts[of_row])


def demography(rng: np.random.Generator, hh: Households, prof: Profiles) -> dict[str, np.ndarray]:
    """Roles, sex and age: heads are adults, partners near the head's age, children younger."""
    n, k = len(hh.of_row), len(hh.sizes)
    nat = hh.nat[hh.of_row]
    num = prof.numbers
    head = hh.pos == 0
    skew = np.abs(num["female_share"] - 0.5)[nat]
    partner = (hh.pos == 1) & (rng.random(n) < 0.8 * (1 - 1.8 * skew))
    older = ~head & ~partner & (rng.random(n) < num["older_share"][nat] * 1.5)
    child = ~head & ~partner & ~older
    uam_hh = (hh.sizes == 1) & (rng.random(k) < num["uam_rate"][hh.nat])
    uam = uam_hh[hh.of_row]
    fs = num["female_share"][hh.nat]
    head_female = rng.random(k) < np.where(hh.sizes == 1, np.clip(0.5 + 1.8 * (fs - 0.5), 0.05, 0.95), fs)
    head_age = np.minimum(18 + rng.gamma(2.2, 7.5 + 10 * num["older_share"][hh.nat]), 88).astype(int)
    head_age = np.where(uam_hh, rng.integers(10, 18, k), head_age)
    hf, ha = head_female[hh.of_row], head_age[hh.of_row]
    female = np.where(head, hf, np.where(partner, ~hf ^ (rng.random(n) < 0.04),
                                         rng.random(n) < np.where(older, 0.58, 0.49 + 0.5 * (fs[hh.of_row] - 0.5))))
    female = np.where(uam & head, rng.random(n) < 0.25, female)
    age = np.where(head, ha, 0)
    age = np.where(partner, np.clip(ha + rng.normal(np.where(hf, 2.5, -2.5), 4.0), 18, 90), age)
    age = np.where(child, rng.integers(0, np.clip(ha - 17, 1, 18)), age)
    age = np.where(older, np.minimum(55 + rng.gamma(2.0, 6.0, n), 99), age)
    sex = np.where(female, 0, 1).astype(np.int8)
    sex = np.where(rng.random(n) < 0.002, 2, np.where(rng.random(n) < 0.004, 3, sex)).astype(np.int8)
    return {"nat": nat, "head": head, "partner": partner, "child": child, "older": older,
            "uam": uam & head, "sex": sex, "age": age.astype(np.int16)}


def timeline(rng: np.random.Generator, hh: Households, prof: Profiles, age: np.ndarray) -> dict[str, np.ndarray]:
    """Interview dates, arrival years skewed to recent years, and children born after arrival."""
    k = len(hh.sizes)
    day = rng.integers(0, WINDOW_DAYS, k)
    date = WINDOW_START + day
    year = date.astype("datetime64[Y]").astype(int) + 1970
    start = np.minimum(prof.numbers["arrival_start"][hh.nat], year)
    arrival = (start + np.floor((year - start + 1) * rng.beta(2.0, 1.2, k))).astype(int)
    arrival = np.minimum(arrival, year)
    since = (year - arrival)[hh.of_row]
    born_here = (hh.pos > 0) & (age < since) & (rng.random(len(age)) < 0.9)
    return {"interview": date[hh.of_row], "year": year[hh.of_row], "arrival": arrival[hh.of_row],
            "since": since, "born_here": born_here}


def status_route(rng: np.random.Generator, hh: Households, prof: Profiles, roles: dict[str, np.ndarray],
                 entry_cum: np.ndarray) -> dict[str, np.ndarray]:
    """Status, purpose and route legs, shared by a household with a few individual exceptions."""
    k, n = len(hh.sizes), len(hh.of_row)
    zeros = np.zeros(k, dtype=int)
    status = draw_rows(rng, prof.status_cum, hh.nat)
    protection = np.isin(status, (2, 3)) & (rng.random(k) < 0.9)
    head_purpose = np.where(protection, 6, draw_rows(rng, prof.purpose_cum, hh.nat))
    hp = head_purpose[hh.of_row]
    follows = roles["partner"] & (rng.random(n) < 0.5)
    purpose = np.where(roles["head"] | follows | (hp == 6), hp, 1)
    purpose = np.where(rng.random(n) < 0.02, 5, purpose)
    alt = rng.random(k) < prof.alt_origin_rate[hh.nat]
    alt_idx = draw_rows(rng, prof.alt_origin_cum, hh.nat)
    transit = hh.nat * prof.transit_sets.shape[1] + subset_bits(rng, prof.transit_p[hh.nat])
    return {"status": status[hh.of_row], "purpose": purpose, "alt_origin": alt[hh.of_row],
            "alt_idx": (hh.nat * prof.alt_origin_codes.shape[1] + alt_idx)[hh.of_row],
            "transit": transit[hh.of_row], "entry": draw_rows(rng, entry_cum, zeros)[hh.of_row],
            "ethnicity": (hh.nat * prof.ethnicity_labels.shape[1] + draw_rows(rng, prof.ethnicity_cum, hh.nat))[
                hh.of_row]}


def skills(rng: np.random.Generator, prof: Profiles, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Education, host-language level, languages spoken and work, correlated with each other."""
    n, age, nat = len(p["age"]), p["age"], p["nat"]
    adult_edu = np.clip(np.round(2.6 + prof.numbers["edu_shift"][nat] + rng.normal(0, 1.6, n)), 0, 8)
    child_edu = np.select([age < 3, age < 6, age < 12, age < 15], [-1, 0, 1, 2], 3)
    isced = np.where(age >= 18, adult_edu, np.minimum(child_edu, np.maximum(adult_edu, 0))).astype(np.int8)
    score = 0.35 * p["since"] + 0.5 * np.maximum(isced, 0) + rng.normal(0, 1.5, n) + 4.0 * p["born_here"]
    level = np.digitize(score, (1.5, 3.5, 5.5)).astype(np.int8)
    level = np.where(prof.speaks_host_natively[nat], 4, level)
    host_flag = (level >= 2).astype(int)
    lang = nat * prof.language_sets.shape[1] + host_flag * 16 + subset_bits(rng, prof.language_p[nat])
    female = p["sex"] == 0
    working_age = (age >= 15) & (age <= 70)
    p_work = np.where(female, 0.45, 0.68) * np.where((age < 18) | (age > 64), 0.3, 1.0)
    p_work = p_work * np.where(p["status"] == 2, 0.5, 1.0)
    employed = working_age & (rng.random(n) < p_work)
    sector_cum = np.cumsum(np.array([SECTOR_P["female"], SECTOR_P["male"]]), axis=1)
    sector = draw_rows(rng, sector_cum, np.where(female, 0, 1))
    irregular = p["status"] == 1
    risky = np.isin(sector, (0, 2, 10))
    informal = rng.random(n) < 0.3 + 0.35 * irregular + 0.1 * risky
    holds_docs = rng.random(n) < 0.02 + 0.07 * irregular + 0.05 * np.isin(sector, (0, 10))
    unpaid = rng.random(n) < 0.04 + 0.08 * irregular + 0.04 * informal
    band = np.select([isced <= 2, isced <= 5], [0, 1], 2)
    isco = draw_rows(rng, np.cumsum(ISCO_BY_EDU, axis=1), band) + 1
    isco = np.where((sector == 10) & (rng.random(n) < 0.7), 9, isco)
    isco = np.where((sector == 0) & (rng.random(n) < 0.6), np.where(rng.random(n) < 0.5, 6, 9), isco)
    return {"isced": isced, "host_level": level, "languages": lang, "employed": employed,
            "sector": sector, "informal": informal, "holds_docs": holds_docs, "unpaid": unpaid,
            "isco": isco.astype(np.int8)}


def disability(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Washington Group short-set levels 0..3 per domain, rising with age and correlated across domains."""
    n = len(age)
    shared = rng.standard_normal((n, 1))
    u = ndtr(0.6 * shared + 0.8 * rng.standard_normal((n, len(WG_DOMAINS))))
    factor = 1.0 + (np.maximum(age - 40, 0) / 15.0) ** 2
    p1 = np.minimum(WG_BASE[None, :] * factor[:, None], 0.9)
    return ((u < p1).astype(np.int8) + (u < p1 * 0.25) + (u < p1 * 0.06)).astype(np.int8)


def consent(rng: np.random.Generator, hh: Households) -> dict[str, np.ndarray]:
    """Purposes a household consented to (bit mask over CONSENT_PURPOSES) and rare withdrawals."""
    k = len(hh.sizes)
    bits = subset_bits(rng, np.broadcast_to(CONSENT_P, (k, len(CONSENT_P))))
    withdrawn = (bits > 0) & (rng.random(k) < 0.01)
    return {"consent_bits": bits[hh.of_row], "withdrawn": withdrawn[hh.of_row]}


def consent_labels() -> list[str]:
    """';'-joined purpose list for every consent bit mask, index = mask."""
    return [";".join(c for i, c in enumerate(CONSENT_PURPOSES) if m >> i & 1) for m in range(16)]
