"""Small, clearly fictional partner files: flow counts, organisations, focal points, evidence, indicators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from atlas.demo.names import family_names, given_names, place_names
from atlas.demo.population import build_geography
from atlas.demo.profiles import build_profiles

ORG_TYPES = ("diaspora_association", "informal_network", "consulate", "faith_group", "community_group",
             "women_group", "youth_group")
ACTIVITIES = ("legal_aid", "language_classes", "food", "shelter", "remittances", "culture", "job_search",
              "health_referral")
THEMES = ("access_to_services", "labour_exploitation", "housing", "discrimination", "documentation",
          "onward_movement", "family_separation", "gender_based_violence", "education", "health")
SOURCE_TYPES = ("focus_group", "key_informant", "partner_report", "media_monitoring", "hotline")
TRAFFICKING = ("recruitment_deception", "debt_bondage", "document_confiscation", "forced_labour",
               "sexual_exploitation", "restricted_movement")
SMUGGLING = ("smuggling_route_active", "price_increase", "safe_house_reported", "boat_departures",
             "border_crossing_guides")
CONFIDENCE = ("low", "medium", "high")
ONWARD_HUBS = ("USA", "ESP", "BRA", "ZAF", "CAN", "ARG")
PERIODS = pd.period_range("2025-07", "2026-06", freq="M")


def _setup(areas: pd.DataFrame, host: str, seed: int, salt: int) -> tuple:
    prof = build_profiles(host)
    geo = build_geography(areas, prof, seed)
    return np.random.default_rng([seed, salt]), prof, geo


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    return str(getattr(country, "common_name", None) or country.name) if country else code


def _join(values: np.ndarray, mask: np.ndarray) -> list[str]:
    return [";".join(values[m]) for m in mask]


def flow_monitoring(areas: pd.DataFrame, host_country: str, seed: int) -> pd.DataFrame:
    """Monthly counts by entry point, origin, destination and sex, as a flow-monitoring partner reports them."""
    rng, prof, geo = _setup(areas, host_country, seed, 11)
    top = min(15, len(prof.codes))
    grid = pd.MultiIndex.from_product(
        [PERIODS.astype(str), geo.entry_codes, prof.codes[:top], (host_country, "onward"), ("female", "male")],
        names=["period", "entry_point", "origin", "destination", "sex"]).to_frame(index=False)
    share = prof.share[:top] / prof.share[:top].sum()
    origin_idx = grid["origin"].map({c: i for i, c in enumerate(prof.codes[:top])}).to_numpy()
    fem = prof.numbers["female_share"][origin_idx]
    mean = 900 * share[origin_idx] * np.where(grid["sex"] == "female", fem, 1 - fem)
    mean *= np.where(grid["destination"] == "onward", 0.35, 1.0) * rng.gamma(2.0, 0.5, len(grid))
    grid["count"] = rng.poisson(mean)
    onward = grid["destination"] == "onward"
    hubs = np.array([h for h in ONWARD_HUBS if h != host_country])
    grid.loc[onward, "destination"] = hubs[rng.integers(0, len(hubs), top)][origin_idx[onward.to_numpy()]]
    grid["source"] = "Demo flow monitoring partner (FAKE)"
    grid["method"] = "entry point headcount"
    return grid[grid["count"] > 0].reset_index(drop=True)


def organisations(areas: pd.DataFrame, host_country: str, seed: int, n: int = 40) -> pd.DataFrame:
    """Migrant and diaspora groups, informal networks and consulates, with invented names."""
    rng, prof, geo = _setup(areas, host_country, seed, 12)
    nat = rng.choice(len(prof.codes), size=n, p=prof.share)
    kind = rng.choice(len(ORG_TYPES), size=n, p=(0.3, 0.2, 0.08, 0.14, 0.14, 0.08, 0.06))
    words = place_names(n, seed + 7)
    area = geo.codes[np.array([int(np.argmax(rng.random(len(geo.codes)) < geo.nat_cum[i])) for i in nat])]
    label = np.array([t.replace("_", " ").title() for t in ORG_TYPES])[kind]
    return pd.DataFrame({
        "org_id": [f"ORG{i:04d}" for i in range(1, n + 1)],
        "name": [f"{w} {lab} ({_country_name(c)})" for w, lab, c in zip(words, label, prof.codes[nat])],
        "type": np.array(ORG_TYPES)[kind],
        "nationalities": prof.codes[nat],
        "area": area,
        "founded_year": rng.integers(1995, 2026, n),
        "languages": [prof.language_sets[i][0] for i in nat],
        "activities": _join(np.array(ACTIVITIES), rng.random((n, len(ACTIVITIES))) < 0.3),
        "contact_email": [f"contact{i:04d}@example.org" for i in range(1, n + 1)],
    })


def focal_points(orgs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One or two fake contact people per organisation, with consent recorded."""
    rng = np.random.default_rng([seed, 13])
    per = rng.integers(1, 3, len(orgs))
    org = np.repeat(orgs["org_id"].to_numpy(), per)
    n = len(org)
    female = rng.random(n) < 0.5
    given = np.where(female, np.array(given_names("female", 400, seed))[rng.integers(0, 400, n)],
                     np.array(given_names("male", 400, seed))[rng.integers(0, 400, n)])
    family = np.array(family_names(400, seed))[rng.integers(0, 400, n)]
    consent = rng.random(n) < 0.85
    dates = pd.Timestamp("2025-07-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    return pd.DataFrame({
        "focal_id": [f"FP{i:04d}" for i in range(1, n + 1)],
        "org_id": org,
        "full_name": [f"{g} {f}" for g, f in zip(given, family)],
        "role": rng.choice(["president", "coordinator", "community leader", "volunteer"], n),
        "phone": [f"+999{700_000_000 + int(x)}" for x in rng.integers(0, 100_000_000, n)],
        "email": [f"focal{i:04d}@example.org" for i in range(1, n + 1)],
        "consent_given": np.where(consent, "yes", "no"),
        "consent_date": np.where(consent, dates.strftime("%Y-%m-%d"), ""),
        "consent_purposes": np.where(consent, "preparedness;assistance", ""),
        "share_with": np.where(consent, "authorised_responders", "nobody"),
    })


def evidence(areas: pd.DataFrame, host_country: str, seed: int, n: int = 25) -> pd.DataFrame:
    """Qualitative evidence summaries: themes, places, nationalities, period, sensitivity and reliability."""
    rng, prof, geo = _setup(areas, host_country, seed, 14)
    theme = rng.random((n, len(THEMES))) < 0.2
    theme[np.arange(n), rng.integers(0, len(THEMES), n)] = True
    nat = rng.choice(len(prof.codes), size=n, p=prof.share)
    start = PERIODS[rng.integers(0, len(PERIODS) - 2, n)]
    themes = _join(np.array(THEMES), theme)
    return pd.DataFrame({
        "evidence_id": [f"EV{i:04d}" for i in range(1, n + 1)],
        "title": [f"FAKE: {t.split(';')[0].replace('_', ' ')} among {c} nationals" for t, c in
                  zip(themes, prof.codes[nat])],
        "summary": [f"Invented summary for demos. Participants described {t.replace(';', ', ').replace('_', ' ')}."
                    for t in themes],
        "themes": themes,
        "areas": [";".join(rng.choice(geo.codes, size=int(k), replace=False)) for k in rng.integers(1, 4, n)],
        "nationalities": prof.codes[nat],
        "period_start": start.start_time.strftime("%Y-%m-%d"),
        "period_end": (start + 2).end_time.strftime("%Y-%m-%d"),
        "sensitivity": rng.choice(["public", "restricted", "confidential"], n, p=(0.4, 0.4, 0.2)),
        "source_type": rng.choice(SOURCE_TYPES, n),
        "reliability": rng.choice(list("ABCDEF"), n, p=(0.1, 0.3, 0.3, 0.15, 0.1, 0.05)),
        "credibility": rng.integers(1, 7, n),
    })


def indicators(areas: pd.DataFrame, host_country: str, seed: int, n: int = 60) -> pd.DataFrame:
    """Reported trafficking and smuggling indicators by area, route and quarter, with confidence."""
    rng, prof, geo = _setup(areas, host_country, seed, 15)
    trafficking = rng.random(n) < 0.5
    kind_t, kind_s = rng.choice(TRAFFICKING, n), rng.choice(SMUGGLING, n)
    nat = rng.choice(len(prof.codes), size=n, p=prof.share)
    transit = [s for s in prof.transit_sets[nat, rng.integers(0, 16, n)]]
    quarter = pd.PeriodIndex(PERIODS[rng.integers(0, len(PERIODS), n)], freq="Q").astype(str)
    return pd.DataFrame({
        "indicator_id": [f"IND{i:04d}" for i in range(1, n + 1)],
        "kind": np.where(trafficking, "trafficking", "smuggling"),
        "indicator": np.where(trafficking, kind_t, kind_s),
        "area": rng.choice(geo.codes, n),
        "route_origin": prof.codes[nat],
        "route_transit": transit,
        "route_destination": host_country,
        "period": quarter,
        "reported": np.where(rng.random(n) < 0.8, "yes", "no"),
        "source_type": rng.choice(SOURCE_TYPES, n),
        "confidence": rng.choice(CONFIDENCE, n, p=(0.4, 0.4, 0.2)),
    })


def write_partner_files(out_dir: Path, *, areas: pd.DataFrame, host_country: str, seed: int) -> dict[str, Path]:
    """Write every partner demo file as UTF-8 CSV; returns kind → path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    orgs = organisations(areas, host_country, seed)
    frames = {
        "flow_monitoring": flow_monitoring(areas, host_country, seed),
        "organisations": orgs,
        "focal_points": focal_points(orgs, seed),
        "evidence": evidence(areas, host_country, seed),
        "indicators": indicators(areas, host_country, seed),
    }
    paths = {}
    for name, frame in frames.items():
        paths[name] = out_dir / f"{name}.csv"
        frame.to_csv(paths[name], index=False, lineterminator="\n")
    return paths
