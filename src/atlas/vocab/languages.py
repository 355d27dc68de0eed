"""Languages: ISO 639-3 codes (pycountry), names in six languages (CLDR via Babel), macrolanguages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa
import pycountry
from babel import Locale
from langcodes.data_dicts import LANGUAGE_REPLACEMENTS, MACROLANGUAGES

from atlas.errors import NotFound
from atlas.vocab.countries import BLOCKED, LOCALES
from atlas.vocab.data_files import load_data_yaml


@dataclass(frozen=True)
class Language:
    """One ISO 639-3 language: scope I(ndividual), M(acrolanguage) or S(pecial); its macrolanguage."""

    code: str
    name: str
    scope: str
    type: str | None
    alpha_2: str | None
    bibliographic: str | None
    macrolanguage: str | None


@cache
def curated() -> dict[str, Any]:
    """The curated spellings file (variants and blocked keys)."""
    return load_data_yaml("languages.yaml")


def to_639_3(tag: str) -> str | None:
    """ISO 639-3 code for a 639-1, 639-2/B, 639-3 code or a CLDR tag like "zh_Hant" / "ar-001"."""
    base = tag.replace("-", "_").split("_")[0].strip().lower()
    found = _by_code(base)
    if found is None and base in LANGUAGE_REPLACEMENTS:  # deprecated codes: iw -> he, mo -> ro
        found = _by_code(LANGUAGE_REPLACEMENTS[base].replace("-", "_").split("_")[0])
    return found


def _by_code(code: str) -> str | None:
    if len(code) == 2:
        found = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        found = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
    else:
        found = None
    return found.alpha_3 if found is not None else None


@cache
def _macro_of() -> dict[str, str]:
    out: dict[str, str] = {}
    for member, macro in MACROLANGUAGES.items():
        member3, macro3 = to_639_3(member), to_639_3(macro)
        if member3 and macro3 and member3 != macro3:
            out[member3] = macro3
    out.update(curated().get("macrolanguages", {}))
    return out


def macrolanguage(code: str) -> str | None:
    """The macrolanguage an individual language belongs to (apc -> ara, cmn -> zho, prs -> fas), if any."""
    return _macro_of().get(code)


@cache
def all_languages() -> tuple[Language, ...]:
    """Every ISO 639-3 language known to pycountry, in code order."""
    macro = _macro_of()
    return tuple(
        Language(
            code=lang.alpha_3,
            name=lang.name,
            scope=lang.scope,
            type=getattr(lang, "type", None),
            alpha_2=getattr(lang, "alpha_2", None),
            bibliographic=getattr(lang, "bibliographic", None),
            macrolanguage=macro.get(lang.alpha_3),
        )
        for lang in sorted(pycountry.languages, key=lambda item: item.alpha_3)
    )


def language(code: str) -> Language:
    """The language for an ISO 639-1/2/3 code; NotFound otherwise."""
    code3 = to_639_3(code)
    for lang in all_languages():
        if lang.code == code3:
            return lang
    raise NotFound(f"{code!r} is not an ISO 639 code known to Atlas")


@cache
def _cldr_names(locale: str) -> dict[str, str]:
    """639-3 code -> CLDR name in `locale` (plain language tags only, not regional variants)."""
    out: dict[str, str] = {}
    for tag, name in Locale(locale).languages.items():
        code = to_639_3(tag)
        if code and "_" not in tag:
            out.setdefault(code, name)
    return out


def languages() -> pa.Table:
    """One row per ISO 639-3 language: code, scope, 639-1, macrolanguage and names in six languages."""
    rows = all_languages()
    cols: dict[str, list[Any]] = {
        "code": [x.code for x in rows],
        "name": [x.name for x in rows],
        "scope": [x.scope for x in rows],
        "type": [x.type for x in rows],
        "alpha_2": [x.alpha_2 for x in rows],
        "macrolanguage": [x.macrolanguage for x in rows],
    }
    for loc in LOCALES:
        names = _cldr_names(loc)
        cols[f"name_{loc}"] = [names.get(x.code, x.name if loc == "en" else None) for x in rows]
    return pa.table(cols)


def language_entries() -> list[tuple[str, str, str, int]]:
    """(text, 639-3 code, source, tier) rows for the language lookup table."""
    spec = curated()
    rows: list[tuple[str, str, str, int]] = []
    for code, texts in spec["variants"].items():
        rows.extend((t, code, "curated variant", 0) for t in texts)
    rows.extend((t, BLOCKED, "blocked: ambiguous", 0) for t in spec["blocked"])
    widely_named = set(_cldr_names("en"))  # CLDR's names beat the reference names of rarer languages
    for lang in all_languages():
        rows.append((lang.code, lang.code, "ISO 639-3 code", 1))
        if lang.alpha_2:
            rows.append((lang.alpha_2, lang.code, "ISO 639-1 code", 1))
        if lang.bibliographic:
            rows.append((lang.bibliographic, lang.code, "ISO 639-2/B code", 1))
        tier = 2 if lang.code in widely_named else 3
        rows.append((lang.name, lang.code, "ISO 639-3 name", tier))
    for old, new in LANGUAGE_REPLACEMENTS.items():
        if len(old) == 2 and (code := to_639_3(new)) and not _by_code(old):
            rows.append((old, code, "deprecated ISO 639-1 code", 1))
    for loc in LOCALES:
        for tag, name in Locale(loc).languages.items():
            code = to_639_3(tag)
            if code:
                tier = 2 if "_" not in tag else 3
                rows.append((name, code, f"CLDR name ({loc})", tier))
    return rows
