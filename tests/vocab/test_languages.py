"""Languages: ISO 639 codes and names in six languages resolve to ISO 639-3; macrolanguages group them."""

from __future__ import annotations

import pytest

from atlas.errors import NotFound
from atlas.vocab.languages import language, languages, macrolanguage, to_639_3
from atlas.vocab.lookup import collisions, match

VARIANTS = {
    "ara": ["Arabic", "arabe", "árabe", "العربية", "عربي", "арабский", "阿拉伯语", "ar", "ara"],
    "fra": ["French", "français", "francés", "الفرنسية", "французский", "法语", "fr", "fre", "fra"],
    "eng": ["English", "anglais", "inglés", "الإنجليزية", "английский", "英语", "en", "eng"],
    "spa": ["Spanish", "espagnol", "español", "castellano", "الإسبانية", "испанский", "西班牙语", "es"],
    "rus": ["Russian", "russe", "ruso", "русский", "الروسية", "俄语", "ru"],
    "zho": ["Chinese", "chinois", "chino", "中文", "zh", "chi"],
    "fas": ["Farsi", "Persian", "persan", "persa", "fa", "per", "فارسی"],
    "prs": ["Dari", "dari", "Dari Persian"],
    "hat": ["Haitian Creole", "Kreyòl", "Kreyol ayisyen", "créole haïtien", "criollo haitiano", "ht"],
    "tir": ["Tigrigna", "Tigrinya", "tigrigna", "ti"],
    "pus": ["Pashto", "Pashtu", "Pushto", "pachto", "ps"],
    "swa": ["Swahili", "Kiswahili", "sw"],
    "cmn": ["Mandarin", "Putonghua"],
    "apc": ["Levantine Arabic", "apc"],
    "ckb": ["Sorani", "Central Kurdish"],
    "kmr": ["Kurmanji"],
    "ukr": ["Ukrainian", "ukrainien", "ucraniano", "українська", "украинский"],
    "amh": ["Amharic", "amharique", "አማርኛ"],
    "ful": ["Fula", "Peul", "Fulfulde", "ff"],
    "heb": ["Hebrew", "he", "iw"],
}


@pytest.mark.parametrize(("code", "value"), [(k, v) for k, vs in VARIANTS.items() for v in vs])
def test_variant_resolves(code: str, value: str) -> None:
    assert match("language", value).code == code


@pytest.mark.parametrize("value", ["Creole", "Patois", "dialect", "NA", "unknown", "nd"])
def test_ambiguous_or_missing_values_stay_unknown(value: str) -> None:
    assert match("language", value).code is None


@pytest.mark.parametrize(("individual", "macro"), [
    ("apc", "ara"), ("arz", "ara"), ("arb", "ara"), ("cmn", "zho"), ("yue", "zho"), ("pes", "fas"), ("prs", "fas"),
    ("kmr", "kur"), ("ckb", "kur"), ("swc", "swa"), ("fuf", "ful"),
])
def test_macrolanguage_membership(individual: str, macro: str) -> None:
    assert macrolanguage(individual) == macro
    assert language(individual).macrolanguage == macro


def test_macrolanguages_have_none() -> None:
    assert macrolanguage("ara") is None
    assert language("ara").scope == "M"


@pytest.mark.parametrize(("tag", "code"), [
    ("ar", "ara"), ("fre", "fra"), ("fra", "fra"), ("zh_Hant", "zho"), ("ar-001", "ara"), ("iw", "heb"), ("xx", None),
])
def test_to_639_3(tag: str, code: str | None) -> None:
    assert to_639_3(tag) == code


def test_language_table() -> None:
    table = languages()
    assert table.num_rows > 7800
    assert len(set(table.column("code").to_pylist())) == table.num_rows
    row = next(r for r in table.to_pylist() if r["code"] == "ara")
    assert (row["name_en"], row["name_fr"], row["name_ar"]) == ("Arabic", "arabe", "العربية")
    with pytest.raises(NotFound):
        language("qqq")


def test_collisions_are_only_between_rare_languages_of_the_same_name() -> None:
    """Two-code collisions remain only among ISO reference names of small languages; each is left unknown."""
    bad = [r for r in collisions("language").to_pylist() if r["codes"]]
    assert bad, "expected a few documented homonyms"
    assert len(bad) < 15
    for row in bad:
        assert all(language(code).alpha_2 is None for code in row["codes"]), row
