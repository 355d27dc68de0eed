"""Turn a block of numeric draws into the raw, human-headed columns a register export would have."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from atlas.demo import people
from atlas.demo.names import family_names, given_names
from atlas.demo.profiles import PURPOSES, STATUSES, Profiles

if TYPE_CHECKING:
    from atlas.demo.population import Geography

SEXES = ("female", "male", "other", "unknown")
PURPOSE_LABELS = (*PURPOSES, "protection")
YES_NO = ("no", "yes")
PHONE_PREFIX = "+999"
DICT = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True)
class Column:
    """One raw column: header, Arrow type, and what it holds (for docs and the ingest mapping)."""

    name: str
    type: pa.DataType
    doc: str


PERSON_COLUMNS: tuple[Column, ...] = (
    Column("record_id", pa.string(), "unique id, HOST-P + 9 digits"),
    Column("interview_date", pa.date32(), "ISO date, 2025-07-01..2026-06-30"),
    Column("sex", DICT, "female|male|other|unknown"),
    Column("age", pa.int16(), "completed years 0..99"),
    Column("nationality", DICT, "ISO 3166-1 alpha-3"),
    Column("country_of_birth", DICT, "ISO 3166-1 alpha-3 (host for children born after arrival)"),
    Column("ethnicity", DICT, "source's own labels per nationality"),
    Column("languages", DICT, "ISO 639-3 codes separated by ';', mother tongue first"),
    Column("host_language_level", DICT, "none|basic|intermediate|advanced|native"),
    Column("district", DICT, "finest-level area P-code (or name when area_labels='name')"),
    Column("migration_status", DICT, "regular|irregular|asylum_seeker|refugee|stateless|unknown"),
    Column("purpose", DICT, "work|family|study|transit|other|unknown|protection"),
    Column("origin_country", DICT, "ISO alpha-3 the journey started from"),
    Column("transit_countries", DICT, "ISO alpha-3 separated by ';' in route order; empty = none"),
    Column("entry_point", DICT, "P-code of the area of the entry point; empty if born in host"),
    Column("entry_mode", DICT, "air|sea|land; empty if born in host"),
    Column("arrival_year", pa.int16(), "year; empty if born in host"),
    Column("unaccompanied_minor", DICT, "yes|no for under 18, empty for adults"),
    *(Column(f"wg_{d}", DICT, "Washington Group level; empty under age 5") for d in people.WG_DOMAINS),
    Column("sector_isic", DICT, "ISIC Rev.4 section letter; empty if not working"),
    Column("informal_work", DICT, "yes|no; empty if not working"),
    Column("employer_holds_documents", DICT, "yes|no; empty if not working"),
    Column("unpaid_wages", DICT, "yes|no; empty if not working"),
    Column("isco_major", pa.int8(), "ISCO-08 major group 1..9; empty if not working"),
    Column("isced_level", pa.int8(), "ISCED 2011 level 0..8; empty under age 3"),
    Column("diaspora", DICT, "yes|no"),
    Column("household_id", pa.string(), "HOST-H + 8 digits; shared by members"),
    Column("sampling_weight", pa.float64(), "household design weight"),
    Column("consent_purposes", DICT, "statistics;preparedness;assistance;research subset; empty = none"),
    Column("consent_date", pa.date32(), "ISO date; empty when no consent"),
    Column("consent_withdrawn", DICT, "yes|no; empty when no consent"),
    Column("full_name", pa.string(), "FAKE name from invented syllables"),
    Column("phone", pa.string(), "FAKE number, +999 (unassigned ITU code) + 9 digits"),
    Column("document_number", pa.string(), "FAKE document number, Q + letter + 7 digits"),
)


@dataclass(frozen=True)
class Identity:
    """Pools of invented given and family names (female pool first, then male)."""

    given: pa.Array
    family: pa.Array
    per_sex: int


def identity_pools(seed: int, per_sex: int = 3000, families: int = 6000) -> Identity:
    """Name pools for one run, deterministic for the seed."""
    given = given_names("female", per_sex, seed) + given_names("male", per_sex, seed)
    return Identity(given=pa.array(given), family=pa.array(family_names(families, seed)), per_sex=per_sex)


def cat(labels: Iterable[str], idx: np.ndarray, mask: np.ndarray | None = None) -> pa.DictionaryArray:
    """A dictionary-encoded column: labels[idx], null where mask is True."""
    indices = pa.array(np.asarray(idx, dtype=np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(labels), pa.string()))


def numbered(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded integer, vectorised in Arrow."""
    digits = pc.utf8_lpad(pc.cast(pa.array(values, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def country_index(prof: Profiles, geo_host: str) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """One code list for every country column, with maps from nationality / alt-origin slots into it."""
    codes = sorted({*prof.codes, *[c for c in prof.alt_origin_codes.ravel() if c], geo_host})
    pos = {c: i for i, c in enumerate(codes)}
    nat_map = np.array([pos[c] for c in prof.codes])
    alt_map = np.array([pos.get(c, 0) for c in prof.alt_origin_codes.ravel()])
    return codes, nat_map, alt_map, pos[geo_host]


def fake_identifiers(rng: np.random.Generator, p: dict[str, np.ndarray], ids: Identity, host: str) -> dict[str, pa.Array]:
    n, age = len(p["age"]), p["age"]
    male = p["sex"] == 1
    given = rng.integers(0, ids.per_sex, n) + np.where(male | ((p["sex"] >= 2) & (rng.random(n) < 0.5)),
                                                       ids.per_sex, 0)
    family = np.where(p["partner"] & (rng.random(n) < 0.5), rng.integers(0, len(ids.family), n), p["family"])
    name = pc.binary_join_element_wise(pc.take(ids.given, given), pc.take(ids.family, family), " ")
    has_phone = (age >= 16) & (rng.random(n) < np.where(p["head"], 0.85, 0.5))
    phone = pc.binary_join_element_wise(PHONE_PREFIX, pc.cast(pa.array(700_000_000 + rng.integers(
        0, 100_000_000, n)), pa.string()), "")
    letters = pa.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    has_doc = rng.random(n) < np.where(age >= 18, 0.85, 0.3)
    doc = pc.binary_join_element_wise(
        "Q", pc.take(letters, pa.array(rng.integers(0, len(letters), n))),
        pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 10_000_000, n)), pa.string()), 7, "0"), "")
    return {
        "full_name": name,
        "phone": pc.if_else(pa.array(has_phone), phone, pa.scalar(None, pa.string())),
        "document_number": pc.if_else(pa.array(has_doc), doc, pa.scalar(None, pa.string())),
        "record_id": numbered(f"{host}-P", p["row"], 9),
        "household_id": numbered(f"{host}-H", p["household"], 8),
    }


def block_table(rng: np.random.Generator, p: dict[str, np.ndarray], prof: Profiles, geo: Geography,
                ids: Identity) -> pa.Table:
    """Render one block of draws as the raw person columns."""
    n, age = len(p["age"]), p["age"]
    codes, nat_map, alt_map, host_pos = country_index(prof, prof.host)
    nat_c = nat_map[p["nat"]]
    origin = np.where(p["alt_origin"], alt_map[p["alt_idx"]], nat_c)
    born_abroad_transit = p["child"] & p["alt_origin"] & ~p["born_here"] & (age < p["since"] + 3)
    cob = np.where(p["born_here"], host_pos, np.where(born_abroad_transit, origin, nat_c))
    working = ~p["employed"]
    no_consent = p["consent_bits"] == 0
    transit_flat = prof.transit_sets.ravel()
    cols: dict[str, pa.Array] = {
        "interview_date": pa.array(p["interview"], pa.date32()),
        "sex": cat(SEXES, p["sex"]),
        "age": pa.array(age, pa.int16()),
        "nationality": cat(codes, nat_c),
        "country_of_birth": cat(codes, cob),
        "ethnicity": cat(prof.ethnicity_labels.ravel(), p["ethnicity"]),
        "languages": cat(prof.language_sets.ravel(), p["languages"]),
        "host_language_level": cat(people.LANGUAGE_LEVELS, p["host_level"]),
        "district": cat(geo.labels, p["area"]),
        "migration_status": cat(STATUSES, p["status"]),
        "purpose": cat(PURPOSE_LABELS, p["purpose"]),
        "origin_country": cat(codes, origin),
        "transit_countries": cat(transit_flat, p["transit"], (transit_flat == "")[p["transit"]]),
        "entry_point": cat(geo.entry_codes, p["entry"], p["born_here"]),
        "entry_mode": cat(geo.entry_modes, p["entry"], p["born_here"]),
        "arrival_year": pa.array(p["arrival"], pa.int16(), mask=p["born_here"]),
        "unaccompanied_minor": cat(YES_NO, p["uam"], age >= 18),
    }
    for j, domain in enumerate(people.WG_DOMAINS):
        cols[f"wg_{domain}"] = cat(people.WG_LEVELS, p["wg"][:, j], age < 5)
    long_settled = (p["since"] >= 10) | p["born_here"]
    cols |= {
        "sector_isic": cat(people.SECTORS, p["sector"], working),
        "informal_work": cat(YES_NO, p["informal"], working),
        "employer_holds_documents": cat(YES_NO, p["holds_docs"], working),
        "unpaid_wages": cat(YES_NO, p["unpaid"], working),
        "isco_major": pa.array(p["isco"], pa.int8(), mask=working),
        "isced_level": pa.array(p["isced"], pa.int8(), mask=p["isced"] < 0),
        "diaspora": cat(YES_NO, rng.random(n) < np.where(long_settled, 0.7, 0.04)),
        "sampling_weight": pa.array(p["weight"], pa.float64()),
        "consent_purposes": cat(people.consent_labels(), p["consent_bits"], no_consent),
        "consent_date": pa.array(p["interview"], pa.date32(), mask=no_consent),
        "consent_withdrawn": cat(YES_NO, p["withdrawn"], no_consent),
    }
    cols |= fake_identifiers(rng, p, ids, prof.host)
    return pa.table({c.name: cols[c.name] for c in PERSON_COLUMNS})


def person_schema() -> pa.Schema:
    """Arrow schema of the person files."""
    return pa.schema([pa.field(c.name, c.type) for c in PERSON_COLUMNS])
