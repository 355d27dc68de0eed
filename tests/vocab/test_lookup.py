"""Lookup tables: unique keys, a million-row DuckDB join, single matches, hints and the version string."""

from __future__ import annotations

import sys

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from atlas.errors import NotFound
from atlas.vocab.lookup import (
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
from atlas.vocab.normalize import fold_many, register_macros


@pytest.mark.parametrize("vocab", vocab_names())
def test_keys_are_unique_folded_and_codes_present(vocab: str) -> None:
    table = lookup_table(vocab)
    keys = table.column("key").to_pylist()
    scope = table.column("country").to_pylist() if vocab == "subdivision" else [""] * len(keys)
    assert len(set(zip(scope, keys, strict=True))) == len(keys)
    assert fold_many(keys).to_pylist() == keys
    assert None not in table.column("code").to_pylist() and "" not in table.column("code").to_pylist()


@pytest.mark.parametrize("vocab", vocab_names())
def test_collisions_never_leak_into_the_table(vocab: str) -> None:
    bad = collisions(vocab)
    key_cols = ["scope", "key"] if vocab == "subdivision" else ["key"]
    table = lookup_table(vocab)
    good = set(zip(*(table.column("country" if c == "scope" else c).to_pylist() for c in key_cols), strict=True))
    assert not good & set(zip(*(bad.column(c).to_pylist() for c in key_cols), strict=True))


def test_unknown_vocab() -> None:
    with pytest.raises(NotFound):
        lookup_table("colour")


POOL = [
    ("Syrie", "SYR"), ("سوريا", "SYR"), ("Siria", "SYR"), ("叙利亚", "SYR"), ("Сирия", "SYR"), ("SYR", "SYR"),
    ("Côte d'Ivoire", "CIV"), ("ivory coast", "CIV"), ("DRC", "COD"), ("Congo-Kinshasa", "COD"), ("Haïti", "HTI"),
    ("venezolana", "VEN"), ("Afghanistan ", "AFG"), ("  AFG", "AFG"), ("Kosovo", "XKX"), ("Syira", None),
    ("Korea", None), ("N/A", None), ("", None), ("Atlantis", None),
]


def test_million_row_join_in_duckdb() -> None:
    """The ingest pattern: fold in SQL, hash-join on the key; checks every row, not the timing."""
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(POOL), size=1_000_000)
    raws = np.array([p[0] for p in POOL], dtype=object)[idx]
    expected = np.array([p[1] for p in POOL], dtype=object)[idx]
    con = duckdb.connect(":memory:")
    register_macros(con)
    con.register("raw", pa.table({"i": pa.array(np.arange(len(idx))), "v": pa.array(raws, pa.string())}))
    con.register("lk", lookup_table("country"))
    got = con.execute(
        "SELECT lk.code FROM raw LEFT JOIN lk ON lk.key = atlas_fold(raw.v) ORDER BY raw.i"
    ).to_arrow_table().column("code").to_pylist()
    assert len(got) == len(expected)
    assert got == expected.tolist()


def test_register_lookups() -> None:
    con = duckdb.connect(":memory:")
    names = register_lookups(con, ["country", "sex"])
    assert names == ["atlas_vocab_country", "atlas_vocab_sex"]
    assert con.execute("SELECT code FROM atlas_vocab_sex WHERE key = atlas_fold('Femme')").fetchone() == ("female",)
    with pytest.raises(NotFound):
        register_lookups(con, ["colour"])


def test_match_explains_itself() -> None:
    m = match("country", "Syrie")
    assert (m.code, m.key, m.source) == ("SYR", "syrie", "curated variant")
    assert (match("country", "Сирия").source or "").endswith("(ru)")
    assert match("country", "Korea").code is None


@pytest.mark.parametrize(("vocab", "raw", "code"), [
    ("country", "Syira", "SYR"), ("country", "Afganistan", "AFG"), ("country", "Venezuala", "VEN"),
    ("country", "Ethopia", "ETH"), ("language", "Tigrinia", "tir"), ("language", "Arabik", "ara"),
    ("sex", "femal", "female"), ("migration_status", "refugie", "refugee"),
])
def test_suggest(vocab: str, raw: str, code: str) -> None:
    assert suggest(vocab, raw) == code


def test_no_suggestion_for_nonsense_or_blocked_keys() -> None:
    assert suggest("country", "qwertyuiop") is None
    assert suggest("country", "Korea") is None
    assert suggest("country", "") is None


def test_suggestions_without_rapidfuzz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)
    found = suggestions("country", "Syira", limit=2)
    assert found and found[0].code == "SYR" and found[0].score >= 75


def test_suggest_many_on_distinct_values() -> None:
    table = suggest_many("country", ["Syira", "Syira", "qwertyuiop", None])
    assert table.to_pylist()[0]["suggestion"] == "SYR"
    assert table.column("value").to_pylist() == ["Syira", "qwertyuiop"]
    assert table.column("suggestion").to_pylist()[1] is None


def test_vocab_version_names_its_sources() -> None:
    version = vocab_version()
    assert version.startswith("atlas-vocab ")
    assert "pycountry 26.2.16" in version and "babel-cldr" in version


def test_every_vocabulary_is_documented() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    for vocab in vocab_names():
        assert f"`{vocab}`" in text, vocab
