"""UN M49 regions: every country placed as in the OCHA taxonomy; region names resolve in six languages."""

from __future__ import annotations

import pytest

from atlas.vocab.countries import countries, country, region_name, regions
from atlas.vocab.lookup import match


def test_every_country_but_antarctica_has_a_region() -> None:
    rows = countries().to_pylist()
    assert [r["iso3"] for r in rows if r["region"] is None] == ["ATA"]
    assert all(r["sub_region"] for r in rows if r["region"])


def test_placement_matches_ocha(ocha_rows: list[dict[str, str]]) -> None:
    mismatches = []
    for row in ocha_rows:
        iso3 = row["ISO 3166-1 Alpha 3-Codes"]
        if not iso3 or row["Deprecated"] == "Y" or not row["Region Code"]:
            continue
        ours = country(iso3)
        theirs = tuple(f"{int(row[c]):03d}" if row[c] else None
                       for c in ("Region Code", "Sub-region Code", "Intermediate Region Code"))
        if (ours.region, ours.sub_region, ours.intermediate_region) != theirs:
            mismatches.append((iso3, (ours.region, ours.sub_region, ours.intermediate_region), theirs))
    assert mismatches == []


def test_regions_form_a_tree_with_names_in_six_languages() -> None:
    table = regions().to_pylist()
    codes = {r["code"] for r in table}
    assert {"002", "019", "142", "150", "009", "202", "419", "014", "830"} <= codes
    for r in table:
        assert r["parent"] == "001" or r["parent"] in codes
        assert all(r[f"name_{loc}"] for loc in ("en", "fr", "es", "ar", "ru", "zh"))
    assert region_name("202", "fr") == "Afrique subsaharienne"
    assert region_name("830") == "Channel Islands"


@pytest.mark.parametrize(("value", "code"), [
    ("Africa", "002"), ("Afrique", "002"), ("África", "002"), ("أفريقيا", "002"), ("Африка", "002"), ("非洲", "002"),
    ("Western Asia", "145"), ("Asie occidentale", "145"), ("Latin America", "419"), ("Sub-Saharan Africa", "202"),
    ("419", "419"),
])
def test_region_names_resolve(value: str, code: str) -> None:
    assert match("region", value).code == code
