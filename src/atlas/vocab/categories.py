"""Small code lists (sex, migration status, purpose, Washington Group, ...) read from categories.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb
import pyarrow as pa

from atlas.errors import NotFound
from atlas.vocab.data_files import load_data_yaml

LANGS = ("en", "fr", "es", "ar")
WG_DOMAINS = ("seeing", "hearing", "walking", "cognition", "self_care", "communication")
WG_LEVELS = ("no_difficulty", "some_difficulty", "a_lot_of_difficulty", "cannot_do_at_all")
WG_DISABLED_LEVELS = ("a_lot_of_difficulty", "cannot_do_at_all")
WG_MACRO = "atlas_wg_disability"
AGE_BAND_LISTS = {"age_band": "5y", "age_band_humanitarian": "humanitarian"}


@dataclass(frozen=True)
class Code:
    """One code of a list, its labels by language and the raw spellings that mean it."""

    code: str
    labels: dict[str, str]
    variants: tuple[str, ...]

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.code


@dataclass(frozen=True)
class Category:
    """A closed code list; `unknown` (when present) also absorbs the shared missing-value spellings."""

    name: str
    title: dict[str, str]
    codes: tuple[Code, ...]

    def code_list(self) -> list[str]:
        return [c.code for c in self.codes]

    def get(self, code: str) -> Code:
        for c in self.codes:
            if c.code == code:
                return c
        raise NotFound(f"{code!r} is not a code of {self.name}")


@cache
def _raw() -> dict[str, Any]:
    return load_data_yaml("categories.yaml")


def categories_revision() -> int:
    """Revision of categories.yaml, part of `vocab_version()`."""
    return int(_raw()["revision"])


def missing_variants() -> tuple[str, ...]:
    """Spellings of "no answer" shared by every list (and the `missing` lookup table)."""
    return tuple(str(v) for v in _raw()["missing"])


@cache
def category_names() -> tuple[str, ...]:
    """Names of the code lists: those of categories.yaml and the age band schemes."""
    return (*(k for k, v in _raw().items() if isinstance(v, dict) and "codes" in v), *AGE_BAND_LISTS)


@cache
def category(name: str) -> Category:
    """The code list `name` (e.g. "sex", "wg_level"); NotFound for an unknown name."""
    if name in AGE_BAND_LISTS:
        return _age_band_category(name)
    spec = _raw().get(name)
    if not isinstance(spec, dict) or "codes" not in spec:
        raise NotFound(f"no category list named {name!r}", detail={"known": list(category_names())})
    codes = tuple(
        Code(
            code=str(code),
            labels={k: str(v) for k, v in (body or {}).get("labels", {}).items()},
            variants=tuple(str(v) for v in (body or {}).get("variants", [])),
        )
        for code, body in spec["codes"].items()
    )
    return Category(name=name, title=dict(spec.get("title", {})), codes=codes)


def _age_band_category(name: str) -> Category:
    from atlas.vocab.ages import age_band_codes

    unknown = category("sex").get("unknown")
    codes = tuple(Code(label, {}, tuple(variants)) for label, variants in age_band_codes(AGE_BAND_LISTS[name]))
    title = {"en": "Age band", "fr": "Tranche d'âge", "es": "Grupo de edad", "ar": "الفئة العمرية"}
    return Category(name=name, title=title, codes=(*codes, unknown))


def category_entries(name: str) -> list[tuple[str, str, str, int]]:
    """(text, code, source, tier) rows for the lookup table; lower tier wins a key conflict."""
    cat = category(name)
    rows: list[tuple[str, str, str, int]] = []
    for c in cat.codes:
        rows.append((c.code, c.code, "code", 1))
        rows.extend((text, c.code, f"label:{lang}", 2) for lang, text in c.labels.items())
        rows.extend((text, c.code, "variant", 2) for text in c.variants)
    if "unknown" in cat.code_list():
        rows.extend((text, "unknown", "missing", 3) for text in missing_variants())
    return rows


def wg_macro_sql() -> dict[str, tuple[str, str]]:
    """SQL macro: disabled if any WG-SS domain is at "a lot" or "cannot"; NULL if it cannot be told."""
    hit = ", ".join(f"'{lvl}'" for lvl in WG_DISABLED_LEVELS)
    known = ", ".join(f"'{lvl}'" for lvl in WG_LEVELS)
    params = ", ".join(WG_DOMAINS)
    any_hit = " OR ".join(f"coalesce({d} IN ({hit}), false)" for d in WG_DOMAINS)
    all_known = " AND ".join(f"coalesce({d} IN ({known}), false)" for d in WG_DOMAINS)
    body = f"CASE WHEN {any_hit} THEN true WHEN {all_known} THEN false ELSE NULL END"
    return {WG_MACRO: (params, body)}


def wg_disability(domains: pa.Table) -> pa.Array:
    """Disability flag per row from a table with the six WG domain columns (canonical level codes)."""
    missing = [d for d in WG_DOMAINS if d not in domains.column_names]
    if missing:
        raise NotFound(f"Washington Group columns missing: {', '.join(missing)}")
    params, body = wg_macro_sql()[WG_MACRO]
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"CREATE MACRO {WG_MACRO}({params}) AS {body}")
        con.register("wg_input", domains.select(list(WG_DOMAINS)))
        cols = ", ".join(f"CAST({d} AS VARCHAR)" for d in WG_DOMAINS)
        out = con.execute(f"SELECT {WG_MACRO}({cols}) AS disability FROM wg_input").to_arrow_table()
    finally:
        con.close()
    return out.column("disability").combine_chunks()
