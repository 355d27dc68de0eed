"""ISO 3166-2 subdivisions (pycountry): code, name, type, parent, for admin-1 style joins."""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pycountry

from atlas.vocab.countries import country


@cache
def _rows() -> tuple[tuple[str, str, str, str, str | None], ...]:
    rows = []
    for sub in pycountry.subdivisions:
        parent = getattr(sub, "parent_code", None)
        rows.append((sub.code, country(sub.country_code).iso3, sub.name, sub.type, parent))
    return tuple(sorted(rows))


def subdivisions(country_iso3: str | None = None) -> pa.Table:
    """code, country (ISO3), name, type, parent code (None at the top level); one country or all."""
    rows = [r for r in _rows() if country_iso3 is None or r[1] == country_iso3]
    names = ("code", "country", "name", "type", "parent")
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def subdivision_entries() -> list[tuple[str, str, str, int, str]]:
    """(text, code, source, tier, country) rows; a name shared by an area and its sub-area means the area."""
    parents = {r[0]: r[4] for r in _rows()}
    rows: list[tuple[str, str, str, int, str]] = []
    for code, iso3, name, _kind, parent in _rows():
        depth = 0
        while parent:
            depth, parent = depth + 1, parents.get(parent)
        rows.append((code, code, "ISO 3166-2 code", 1, iso3))
        rows.append((code.split("-", 1)[1], code, "ISO 3166-2 code (no country prefix)", 1, iso3))
        rows.append((name, code, f"ISO 3166-2 name (level {depth + 1})", 2 + depth, iso3))
    return rows
