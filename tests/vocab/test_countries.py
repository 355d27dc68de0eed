"""Country names, codes and variants in six languages resolve to ISO 3166-1 alpha-3."""

from __future__ import annotations

import pytest

from atlas.errors import NotFound
from atlas.vocab.countries import countries, country
from atlas.vocab.lookup import collisions, lookup_table, match

VARIANTS = {
    "SYR": ["Syria", "Syrie", "Siria", "Syrian Arab Republic", "سوريا", "الجمهورية العربية السورية", "Сирия", "叙利亚",
            "SY", "SYR", "760", "Syrian", "syrienne", "sirio"],
    "CIV": ["Côte d'Ivoire", "Cote d’Ivoire", "COTE D IVOIRE", "Ivory Coast", "Costa de Marfil", "ساحل العاج", "Кот-д’Ивуар",
            "科特迪瓦", "ivoirien"],
    "COD": ["DRC", "DR Congo", "D.R. Congo", "Congo-Kinshasa", "Democratic Republic of the Congo", "RDC",
            "République démocratique du Congo", "República Democrática del Congo", "Zaire", "Конго - Киншаса",
            "刚果（金）", "الكونغو - كينشاسا"],
    "COG": ["Congo", "Congo-Brazzaville", "Republic of the Congo"],
    "NLD": ["Holland", "Netherlands", "Pays-Bas", "Países Bajos", "هولندا", "Нидерланды", "荷兰"],
    "MMR": ["Burma", "Myanmar", "Birmanie", "Burmese"],
    "SWZ": ["Swaziland", "Eswatini"],
    "CZE": ["Czech Republic", "Czechia", "Tchéquie", "Chequia"],
    "GBR": ["UK", "U.K.", "United Kingdom", "Great Britain", "Royaume-Uni", "Reino Unido", "المملكة المتحدة",
            "Великобритания", "英国"],
    "USA": ["USA", "US", "U.S.A.", "United States", "États-Unis", "Estados Unidos", "EE.UU.", "الولايات المتحدة",
            "Соединенные Штаты", "美国", "American"],
    "VNM": ["Viet Nam", "Vietnam", "Việt Nam", "Vietnamese"],
    "TUR": ["Türkiye", "Turkiye", "Turkey", "Turquie", "Turquía", "تركيا", "Турция", "土耳其"],
    "RUS": ["Russia", "Russian Federation", "Russie", "Rusia", "Россия", "روسيا", "俄罗斯"],
    "PSE": ["Palestine", "State of Palestine", "Occupied Palestinian Territory", "oPt", "فلسطين", "Palestinian"],
    "XKX": ["Kosovo", "XK", "XKX", "Косово", "كوسوفو", "科索沃"],
    "HTI": ["Haiti", "Haïti", "Haití", "Haitian", "haïtien", "haïtienne", "haitiano", "هايتي"],
    "VEN": ["Venezuela", "Venezuela (Bolivarian Republic of)", "venezolano", "venezolana", "vénézuélien"],
    "AFG": ["Afghanistan", "AF", "004", "4", "Afghan", "أفغانستان", "Афганистан", "阿富汗"],
    "IRN": ["Iran", "Persia", "Iran (Islamic Republic of)", "إيران"],
    "KOR": ["South Korea", "Republic of Korea", "Corée du Sud"],
    "PRK": ["North Korea", "DPRK"],
    "NER": ["Niger", "nigérien"],
    "NGA": ["Nigeria", "Nigerian", "nigériane", "nigeriano"],
}


@pytest.mark.parametrize(("iso3", "value"), [(k, v) for k, vs in VARIANTS.items() for v in vs])
def test_variant_resolves(iso3: str, value: str) -> None:
    assert match("country", value).code == iso3


@pytest.mark.parametrize("value", ["Korea", "Congolese", "Dominican", "Virgin Islands", "Yugoslavia", "NA", "N/A",
                                   "unknown", "inconnu", "desconocido", "غير معروف", ""])
def test_ambiguous_or_missing_values_stay_unknown(value: str) -> None:
    m = match("country", value)
    assert m.code is None


def test_namibia_needs_more_than_na() -> None:
    assert match("country", "NAM").code == "NAM"
    assert match("country", "Namibia").code == "NAM"
    assert match("country", "NA").code is None  # "NA" is far more often a missing value than Namibia


def test_every_iso_country_and_kosovo_listed_with_unique_codes() -> None:
    table = countries()
    assert table.num_rows == 250
    for col in ("iso3", "iso2"):
        assert len(set(table.column(col).to_pylist())) == table.num_rows
    kosovo = country("XK")
    assert kosovo.iso3 == "XKX" and kosovo.user_assigned and kosovo.m49 is None
    assert not country("SYR").user_assigned
    assert country("760").iso3 == "SYR"
    with pytest.raises(NotFound):
        country("ZZZ")


def test_every_code_and_every_cldr_name_resolves_to_its_country() -> None:
    index = dict(zip(*(lookup_table("country").column(c).to_pylist() for c in ("key", "code")), strict=True))
    table = countries()
    for row in table.to_pylist():
        codes = (row["iso3"], row["iso2"]) if row["iso2"] != "NA" else (row["iso3"],)
        for value in (*codes, *(row[f"name_{loc}"] for loc in ("en", "fr", "es", "ar", "ru", "zh"))):
            assert match("country", value).code == row["iso3"], (value, row["iso3"])
    assert len(index) > 2500


def test_no_two_countries_share_a_key() -> None:
    """Collisions are either blocked on purpose or missing-value spellings, never two codes at once."""
    bad = collisions("country").to_pylist()
    assert [row for row in bad if row["codes"]] == []
    assert {row["source"] for row in bad} == {"blocked: ambiguous", "blocked: missing-value spelling"}


def _ocha_names(row: dict[str, str]) -> list[str]:
    cols = ["Preferred Term", "English Short", "French Short", "Spanish Short", "Russian Short", "Chinese Short",
            "Arabic Short", "M49 English", "M49 French", "M49 Spanish", "M49 Russian", "M49 Chinese", "M49 Arabic"]
    return [row[c] for c in cols if row[c].strip()]


def _ocha_iso3(row: dict[str, str]) -> str:
    return row["ISO 3166-1 Alpha 3-Codes"] or (row["x Alpha3 codes"] if row["x Alpha3 codes"] == "XKX" else "")


def test_every_ocha_name_in_six_languages_resolves_to_its_iso3(ocha_rows: list[dict[str, str]]) -> None:
    failures = []
    checked = 0
    for row in ocha_rows:
        iso3 = _ocha_iso3(row)
        if not iso3 or row["Deprecated"] == "Y":
            continue
        for name in _ocha_names(row):
            checked += 1
            got = match("country", name).code
            if got != iso3:
                failures.append((iso3, name, got))
    assert checked > 2500
    assert failures == []


def test_ocha_codes_agree_with_ours(ocha_rows: list[dict[str, str]]) -> None:
    for row in ocha_rows:
        iso3 = _ocha_iso3(row)
        if not iso3 or row["Deprecated"] == "Y":
            continue
        ours = country(iso3)
        assert ours.iso2 == (row["ISO 3166-1 Alpha 2-Codes"] or row["x Alpha2 codes"])
        if row["m49 numerical code"]:
            assert int(ours.m49 or 0) == int(row["m49 numerical code"])
