"""ISO 3166-2 subdivisions: codes, names, parents, and keys unique within a country."""

from __future__ import annotations

from atlas.vocab.lookup import collisions, lookup_table, match
from atlas.vocab.subdivisions import subdivisions


def test_subdivisions_table() -> None:
    table = subdivisions()
    assert table.num_rows > 5000
    assert table.column_names == ["code", "country", "name", "type", "parent"]
    codes = set(table.column("code").to_pylist())
    assert all(p in codes for p in table.column("parent").to_pylist() if p)
    paris = next(r for r in subdivisions("FRA").to_pylist() if r["code"] == "FR-75C")
    assert paris["parent"] == "FR-IDF" and paris["country"] == "FRA"


def test_lookup_is_scoped_by_country() -> None:
    table = lookup_table("subdivision")
    assert table.column_names == ["country", "key", "code"]
    pairs = list(zip(table.column("country").to_pylist(), table.column("key").to_pylist(), strict=True))
    assert len(pairs) == len(set(pairs))
    assert match("subdivision", "Dimashq", country="SYR").code == "SY-DI"
    assert match("subdivision", "SY-DI", country="SYR").code == "SY-DI"
    assert match("subdivision", "DI", country="SYR").code == "SY-DI"


def test_a_name_shared_with_a_sub_area_means_the_higher_area() -> None:
    assert match("subdivision", "Dhaka", country="BGD").code == "BD-C"
    assert match("subdivision", "Cantabria", country="ESP").code == "ES-CB"


def test_remaining_homonyms_are_left_unknown() -> None:
    bad = collisions("subdivision").to_pylist()
    assert 0 < len(bad) < 20
    for row in bad:
        assert match("subdivision", row["key"], country=row["scope"]).code is None
