"""An origin State's consular registry of its citizens abroad: same people model, hosts instead of districts."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from atlas.demo import people
from atlas.demo.columns import DICT, YES_NO, Column, Identity, cat, fake_identifiers, identity_pools, numbered
from atlas.demo.population import SEED_BLOCK, Format, GenerationSummary, Progress, _blocks
from atlas.demo.profiles import Profiles, build_profiles, nationality_rows
from atlas.demo.writer import TableSink
from atlas.errors import RejectedInput

CITIES: dict[str, tuple[str, ...]] = {
    "USA": ("New York", "Houston", "Miami", "Los Angeles"), "ESP": ("Madrid", "Barcelona", "Valencia"),
    "DEU": ("Berlin", "Hamburg", "Munich"), "FRA": ("Paris", "Lyon", "Marseille"), "GBR": ("London", "Birmingham"),
    "CAN": ("Toronto", "Montreal"), "ITA": ("Rome", "Milan"), "ARE": ("Dubai", "Abu Dhabi"),
    "SAU": ("Riyadh", "Jeddah"), "QAT": ("Doha",), "TUR": ("Istanbul", "Ankara", "Gaziantep"),
    "COL": ("Bogotá", "Medellín", "Cúcuta"), "PER": ("Lima", "Arequipa"), "CHL": ("Santiago", "Antofagasta"),
    "ECU": ("Quito", "Guayaquil"), "BRA": ("São Paulo", "Boa Vista", "Manaus"), "MEX": ("Mexico City", "Tijuana"),
    "PAN": ("Panama City",), "CRI": ("San José",), "DOM": ("Santo Domingo", "Santiago de los Caballeros"),
    "LBN": ("Beirut", "Tripoli"), "JOR": ("Amman", "Irbid"), "IRN": ("Tehran", "Mashhad"),
    "PAK": ("Peshawar", "Karachi", "Quetta"), "UGA": ("Kampala",), "KEN": ("Nairobi", "Kakuma"),
    "ETH": ("Addis Ababa", "Gambella"), "TCD": ("N'Djamena", "Abéché"), "EGY": ("Cairo", "Alexandria"),
    "POL": ("Warsaw", "Kraków"), "MDA": ("Chișinău",), "ROU": ("Bucharest",), "BGD": ("Cox's Bazar", "Dhaka"),
    "MYS": ("Kuala Lumpur",), "THA": ("Bangkok", "Mae Sot"), "RWA": ("Kigali",), "TZA": ("Dar es Salaam",),
    "SDN": ("Khartoum", "Kassala"), "GRC": ("Athens", "Thessaloniki"), "NLD": ("Amsterdam", "Rotterdam"),
    "SWE": ("Stockholm", "Malmö"), "BEL": ("Brussels",), "AUS": ("Sydney", "Melbourne"), "GEO": ("Tbilisi",),
    "KAZ": ("Almaty",), "ARM": ("Yerevan",), "IND": ("Delhi", "Mumbai"), "ZAF": ("Johannesburg", "Cape Town"),
}
GLOBAL_HOSTS = ("USA", "ESP", "DEU", "FRA", "GBR", "CAN", "ITA", "ARE", "SAU", "TUR", "BRA", "ZAF", "AUS", "NLD")
RESIDENCE = ("regular", "irregular", "protection", "protection", "unknown", "unknown")

CONSULAR_COLUMNS: tuple[Column, ...] = (
    Column("record_id", pa.string(), "unique id, ORIGIN-C + 9 digits"),
    Column("registration_date", pa.date32(), "ISO date the consulate registered the person"),
    Column("consulate", DICT, "consulate city"),
    Column("sex", DICT, "female|male|other|unknown"),
    Column("age", pa.int16(), "completed years"),
    Column("nationality", DICT, "the origin State, ISO alpha-3"),
    Column("country_of_birth", DICT, "ISO alpha-3 (host for children born abroad)"),
    Column("host_country", DICT, "ISO alpha-3 of residence"),
    Column("host_city", DICT, "city of residence"),
    Column("migration_status", DICT, "always citizen_abroad"),
    Column("residence_status", DICT, "regular|irregular|protection|unknown in the host country"),
    Column("purpose", DICT, "work|family|study|transit|other|unknown|protection"),
    Column("arrival_year", pa.int16(), "year of arrival in the host country; empty if born there"),
    Column("languages", DICT, "ISO 639-3 codes separated by ';'"),
    Column("sector_isic", DICT, "ISIC Rev.4 section; empty if not working"),
    Column("isco_major", pa.int8(), "ISCO-08 major group; empty if not working"),
    Column("isced_level", pa.int8(), "ISCED 2011 level; empty under age 3"),
    Column("diaspora", DICT, "yes|no (settled 10+ years or born abroad)"),
    Column("household_id", pa.string(), "ORIGIN-CH + 8 digits"),
    Column("consent_purposes", DICT, "subset of statistics;preparedness;assistance;research"),
    Column("consent_date", pa.date32(), "ISO date; empty when no consent"),
    Column("full_name", pa.string(), "FAKE"),
    Column("phone", pa.string(), "FAKE, +999 + 9 digits"),
    Column("document_number", pa.string(), "FAKE passport number"),
)


def destinations(origin: str, seed: int) -> tuple[list[str], np.ndarray]:
    """Host countries of an origin's citizens: neighbours and route countries first, then global hubs."""
    row = next((r for r in nationality_rows() if r.code == origin), nationality_rows()[-1])
    weights: dict[str, float] = {}
    for code, w in row.alt_origins:
        weights[code] = weights.get(code, 0.0) + 5.0 * w / 100
    for code, w in row.transit:
        weights[code] = weights.get(code, 0.0) + 1.5 * w
    rng = np.random.default_rng([seed, 0, 9])
    for code, w in zip(GLOBAL_HOSTS, rng.gamma(0.5, 0.4, len(GLOBAL_HOSTS))):
        weights[code] = weights.get(code, 0.0) + float(w)
    codes = sorted(c for c in weights if c != origin and c in CITIES)
    p = np.array([weights[c] for c in codes])
    return codes, p / p.sum()


def _block(seed: int, block: int, start: int, n: int, prof: Profiles, hosts: list[str], host_p: np.ndarray,
           ids: Identity) -> tuple[pa.Table, int]:
    rng = np.random.default_rng([seed, block, 2])
    hh = people.households(rng, n, prof)
    p = people.demography(rng, hh, prof)
    p |= people.timeline(rng, hh, prof, p["age"])
    p |= people.status_route(rng, hh, prof, p, np.ones((1, 1)))
    p |= people.skills(rng, prof, p)
    p |= people.consent(rng, hh)
    host_hh = rng.choice(len(hosts), size=len(hh.sizes), p=host_p)
    city_labels = [f"{h}:{c}" for h in hosts for c in CITIES[h]]
    offsets = np.cumsum([0] + [len(CITIES[h]) for h in hosts])
    counts = np.diff(offsets)
    city_hh = offsets[host_hh] + np.floor(rng.random(len(hh.sizes)) ** 1.6 * counts[host_hh]).astype(int)
    host, city = host_hh[hh.of_row], city_hh[hh.of_row]
    p["row"], p["household"] = start + np.arange(n), block * SEED_BLOCK + hh.of_row
    p["family"] = rng.integers(0, len(ids.family), len(hh.sizes))[hh.of_row]
    origin = str(prof.codes[0])
    countries = [origin, *hosts]
    working, no_consent = ~p["employed"], p["consent_bits"] == 0
    settled = (p["since"] >= 10) | p["born_here"]
    lang_no_host = p["languages"] - (p["host_level"] >= 2) * 16
    ident = fake_identifiers(rng, p, ids, origin)
    cols: dict[str, pa.Array] = {
        "record_id": numbered(f"{origin}-C", p["row"], 9),
        "registration_date": pa.array(p["interview"], pa.date32()),
        "consulate": cat([c.split(":")[1] for c in city_labels], offsets[host]),
        "sex": cat(("female", "male", "other", "unknown"), p["sex"]),
        "age": pa.array(p["age"], pa.int16()),
        "nationality": cat(countries, np.zeros(n, dtype=int)),
        "country_of_birth": cat(countries, np.where(p["born_here"], host + 1, 0)),
        "host_country": cat(countries, host + 1),
        "host_city": cat([c.split(":")[1] for c in city_labels], city),
        "migration_status": cat(("citizen_abroad",), np.zeros(n, dtype=int)),
        "residence_status": cat(RESIDENCE, p["status"]),
        "purpose": cat(("work", "family", "study", "transit", "other", "unknown", "protection"), p["purpose"]),
        "arrival_year": pa.array(p["arrival"], pa.int16(), mask=p["born_here"]),
        "languages": cat(prof.language_sets.ravel(), lang_no_host),
        "sector_isic": cat(people.SECTORS, p["sector"], working),
        "isco_major": pa.array(p["isco"], pa.int8(), mask=working),
        "isced_level": pa.array(p["isced"], pa.int8(), mask=p["isced"] < 0),
        "diaspora": cat(YES_NO, rng.random(n) < np.where(settled, 0.8, 0.1)),
        "household_id": numbered(f"{origin}-CH", p["household"], 8),
        "consent_purposes": cat(people.consent_labels(), p["consent_bits"], no_consent),
        "consent_date": pa.array(p["interview"], pa.date32(), mask=no_consent),
        "full_name": ident["full_name"], "phone": ident["phone"], "document_number": ident["document_number"],
    }
    return pa.table({c.name: cols[c.name] for c in CONSULAR_COLUMNS}), len(hh.sizes)


def generate_citizens_abroad(n_rows: int, *, country: str, seed: int, out: Path, fmt: Format = "csv",
                             chunk_rows: int = 1_000_000, progress: Progress | None = None) -> GenerationSummary:
    """Write the consular registry of `country`'s citizens living abroad; same arguments, same bytes."""
    if n_rows < 0:
        raise RejectedInput(f"n_rows must be >= 0, not {n_rows}")
    started = time.perf_counter()
    prof = build_profiles("", only=country)
    hosts, host_p = destinations(country, seed)
    ids = identity_pools(seed)
    households, done = 0, 0
    with TableSink(Path(out), fmt, CONSULAR_COLUMNS) as sink:
        for block, start, n in _blocks(n_rows):
            table, k = _block(seed, block, start, n, prof, hosts, host_p, ids)
            sink.write(table)
            households, done = households + k, done + n
            if progress is not None and (done % max(chunk_rows, 1) < n or done == n_rows):
                progress(done, n_rows)
    return GenerationSummary(
        path=Path(out), rows=n_rows, households=households, fmt=fmt, host_country=country, seed=seed,
        registry="citizens-abroad", seconds=time.perf_counter() - started,
        columns=[c.name for c in CONSULAR_COLUMNS],
    )

