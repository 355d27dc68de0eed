"""Canonical vocabulary shipped offline: countries, languages, regions, subdivisions and code lists.

Ingest normalises values with DuckDB joins on folded keys: `register_macros(con)` (or
`register_lookups(con)`) then `JOIN lookup_table("country") lk ON lk.key = atlas_fold(raw)`.
"""

from __future__ import annotations

from atlas.vocab.ages import AGE_SCHEMES, age_band_table, band_ages, band_labels
from atlas.vocab.categories import (
    WG_DOMAINS,
    WG_LEVELS,
    Category,
    Code,
    category,
    category_names,
    missing_variants,
    wg_disability,
)
from atlas.vocab.countries import Country, countries, country, region_name, regions
from atlas.vocab.languages import Language, language, languages, macrolanguage, to_639_3
from atlas.vocab.lookup import (
    Match,
    Suggestion,
    collisions,
    lookup_table,
    match,
    register_lookups,
    suggest,
    suggest_many,
    suggestions,
    vocab_names,
    vocab_version,
)
from atlas.vocab.normalize import FOLD_MACRO, fold, fold_many, register_macros
from atlas.vocab.subdivisions import subdivisions

__all__ = [
    "AGE_SCHEMES", "FOLD_MACRO", "WG_DOMAINS", "WG_LEVELS", "Category", "Code", "Country", "Language", "Match",
    "Suggestion", "age_band_table", "band_ages", "band_labels", "category", "category_names", "collisions",
    "countries", "country", "fold", "fold_many", "language", "languages", "lookup_table", "macrolanguage", "match",
    "missing_variants", "region_name", "regions", "register_lookups", "register_macros", "subdivisions", "suggest",
    "suggest_many", "suggestions", "to_639_3", "vocab_names", "vocab_version", "wg_disability",
]
