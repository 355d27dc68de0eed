"""Countries (ISO 3166-1 + Kosovo) with names in six languages, and their UN M49 regions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa
import pycountry
from babel import Locale

from atlas.errors import NotFound
from atlas.vocab.data_files import load_data_yaml
from atlas.vocab.iso_names import ISO_LOCALES, translated

LOCALES = ("en", "fr", "es", "ar", "ru", "zh")
BLOCKED = ""  # the code of an entry that makes its key deliberately unresolvable


@dataclass(frozen=True)
class Country:
    """One country or area: ISO codes, M49 placement and whether its code is user-assigned (Kosovo)."""

    iso3: str
    iso2: str
    m49: str | None
    name: str
    region: str | None
    sub_region: str | None
    intermediate_region: str | None
    user_assigned: bool = False


@cache
def curated() -> dict[str, Any]:
    """The curated spellings file (variants, demonyms, blocked keys, user-assigned codes)."""
    return load_data_yaml("countries.yaml")


@cache
def m49_tree() -> dict[str, Any]:
    return load_data_yaml("m49.yaml")


@cache
def _placement() -> dict[str, tuple[str, str, str | None]]:
    """alpha-2 -> (region, sub-region, intermediate region) from the M49 file."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for region, subs in m49_tree()["regions"].items():
        for sub, body in subs.items():
            members = body if isinstance(body, dict) else {"countries": body}
            for key, iso2s in members.items():
                inter = None if key == "countries" else key
                out.update({iso2: (region, sub, inter) for iso2 in iso2s})
    return out


@cache
def _territory_names(locale: str) -> dict[str, str]:
    return dict(Locale(locale).territories)


@cache
def all_countries() -> tuple[Country, ...]:
    """Every ISO 3166-1 country plus the user-assigned ones, in alpha-3 order."""
    place = _placement()
    rows = [
        Country(
            iso3=c.alpha_3,
            iso2=c.alpha_2,
            m49=c.numeric,
            name=getattr(c, "common_name", None) or c.name,
            region=place.get(c.alpha_2, (None, None, None))[0],
            sub_region=place.get(c.alpha_2, (None, None, None))[1],
            intermediate_region=place.get(c.alpha_2, (None, None, None))[2],
        )
        for c in pycountry.countries
    ]
    for iso3, spec in curated()["user_assigned"].items():
        rows.append(
            Country(
                iso3=iso3,
                iso2=spec["alpha_2"],
                m49=spec.get("numeric"),
                name=spec["name"],
                region=spec.get("region"),
                sub_region=spec.get("sub_region"),
                intermediate_region=spec.get("intermediate_region"),
                user_assigned=True,
            )
        )
    return tuple(sorted(rows, key=lambda c: c.iso3))


@cache
def _by_code() -> dict[str, Country]:
    out: dict[str, Country] = {}
    for c in all_countries():
        out.update({c.iso3: c, c.iso2: c})
        if c.m49:
            out[c.m49] = c
    return out


def country(code: str) -> Country:
    """The country for an ISO alpha-2, alpha-3 or numeric code (exact, upper case); NotFound otherwise."""
    found = _by_code().get(code.strip().upper())
    if found is None:
        raise NotFound(f"{code!r} is not an ISO 3166-1 code known to Atlas")
    return found


def region_name(m49: str, locale: str = "en") -> str:
    """Name of an M49 region in one of the six languages (CLDR), English fallback from m49.yaml."""
    return _territory_names(locale).get(m49) or m49_tree()["names"].get(m49) or m49


def countries() -> pa.Table:
    """One row per country: codes, names in six languages, M49 region codes and names, flags."""
    rows = all_countries()
    cols: dict[str, list[Any]] = {
        "iso3": [c.iso3 for c in rows],
        "iso2": [c.iso2 for c in rows],
        "m49": [c.m49 for c in rows],
        "name": [c.name for c in rows],
    }
    for loc in LOCALES:
        names = _territory_names(loc)
        cols[f"name_{loc}"] = [names.get(c.iso2, c.name) for c in rows]
    for level in ("region", "sub_region", "intermediate_region"):
        codes = [getattr(c, level) for c in rows]
        cols[level] = codes
        cols[f"{level}_name"] = [None if m is None else region_name(m) for m in codes]
    cols["user_assigned"] = [c.user_assigned for c in rows]
    return pa.table(cols)


def regions() -> pa.Table:
    """M49 regions, sub-regions and intermediate regions: code, level, parent, names in six languages."""
    rows: list[tuple[str, str, str | None]] = []
    for region, subs in m49_tree()["regions"].items():
        rows.append((region, "region", "001"))
        for sub, body in subs.items():
            rows.append((sub, "sub_region", region))
            if isinstance(body, dict):
                rows.extend((k, "intermediate_region", sub) for k in body if k != "countries")
    cols: dict[str, list[Any]] = {
        "code": [r[0] for r in rows],
        "level": [r[1] for r in rows],
        "parent": [r[2] for r in rows],
    }
    for loc in LOCALES:
        cols[f"name_{loc}"] = [region_name(r[0], loc) for r in rows]
    return pa.table(cols)


def country_entries() -> list[tuple[str, str, str, int]]:
    """(text, iso3, source, tier) rows for the country lookup table; lower tier wins a key conflict."""
    spec = curated()
    rows: list[tuple[str, str, str, int]] = []
    for iso3, texts in spec["variants"].items():
        rows.extend((t, iso3, "curated variant", 0) for t in texts)
    rows.extend((t, BLOCKED, "blocked: ambiguous", 0) for t in spec["blocked"])
    for c in all_countries():
        rows.extend((code, c.iso3, kind, 1) for code, kind in _codes(c))
        rows.append((c.name, c.iso3, "user-assigned code" if c.user_assigned else "ISO 3166-1 name", 2))
        iso = pycountry.countries.get(alpha_3=c.iso3)
        for attr in ("name", "official_name", "common_name"):
            text = getattr(iso, attr, None) if iso else None
            if text:
                rows.append((text, c.iso3, f"ISO 3166-1 {attr}", 2))
                rows.extend(
                    (tr, c.iso3, f"ISO 3166-1 {attr} ({loc})", 2)
                    for loc in ISO_LOCALES
                    if (tr := translated("iso3166-1", text, loc))
                )
        for loc in LOCALES:
            text = _territory_names(loc).get(c.iso2)
            if text:
                rows.append((text, c.iso3, f"CLDR name ({loc})", 2))
    for iso3, texts in spec["un_names"].items():
        rows.extend((t, iso3, "UN name", 2) for t in texts)
    for iso3, texts in spec["demonyms"].items():
        rows.extend((t, iso3, "demonym", 3) for t in texts)
    return rows


def _codes(c: Country) -> list[tuple[str, str]]:
    out = [(c.iso3, "ISO alpha-3"), (c.iso2, "ISO alpha-2")]
    if c.m49:
        out += [(c.m49, "M49 numeric"), (str(int(c.m49)), "M49 numeric")]
    return out


def region_entries() -> list[tuple[str, str, str, int]]:
    """(text, m49 code, source, tier) rows for the region lookup table."""
    table = regions()
    rows: list[tuple[str, str, str, int]] = []
    for i, code in enumerate(table.column("code").to_pylist()):
        rows.append((code, code, "M49 code", 1))
        rows.extend(
            (table.column(f"name_{loc}")[i].as_py(), code, f"CLDR name ({loc})", 2) for loc in LOCALES
        )
    for code, texts in m49_tree()["aliases"].items():
        rows.extend((t, code, "UN M49 name", 2) for t in texts)
    return rows
