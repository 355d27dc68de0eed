"""Code lists: labels, variants in several languages, missing values, the Washington Group rule."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from atlas.errors import NotFound
from atlas.vocab.categories import (
    LANGS,
    WG_DOMAINS,
    WG_LEVELS,
    category,
    category_names,
    missing_variants,
    wg_disability,
)
from atlas.vocab.lookup import collisions, lookup_table, match
from atlas.vocab.normalize import register_macros

EXPECTED_CODES = {
    "sex": ["female", "male", "other", "unknown"],
    "migration_status": ["regular", "irregular", "asylum_seeker", "refugee", "stateless", "citizen_abroad", "unknown"],
    "purpose": ["work", "family", "study", "protection", "transit", "other", "unknown"],
    "wg_domain": list(WG_DOMAINS),
    "wg_level": [*WG_LEVELS, "unknown"],
    "language_level": ["none", "basic", "intermediate", "fluent", "native", "unknown"],
    "yes_no": ["yes", "no", "unknown"],
    "isic_section": list("ABCDEFGHIJKLMNOPQRSTU"),
    "isco_major": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"],
    "isced_level": [str(i) for i in range(9)],
}


@pytest.mark.parametrize(("name", "codes"), EXPECTED_CODES.items())
def test_code_lists(name: str, codes: list[str]) -> None:
    assert category(name).code_list() == codes


@pytest.mark.parametrize("name", [n for n in category_names() if not n.startswith("age_band")])
def test_every_code_has_an_english_label_and_only_known_languages(name: str) -> None:
    cat = category(name)
    assert set(cat.title) <= set(LANGS) and "en" in cat.title
    for code in cat.codes:
        assert "en" in code.labels, code
        assert set(code.labels) <= set(LANGS), code


@pytest.mark.parametrize("name", ["sex", "migration_status", "purpose", "wg_level", "language_level", "yes_no"])
def test_labels_in_four_languages(name: str) -> None:
    for code in category(name).codes:
        assert set(code.labels) == set(LANGS), code


VARIANTS = [
    ("sex", "F", "female"), ("sex", "femme", "female"), ("sex", "Mujer", "female"), ("sex", "أنثى", "female"),
    ("sex", "Женский", "female"), ("sex", "女", "female"), ("sex", "M", "male"), ("sex", "Homme", "male"),
    ("sex", "hombre", "male"), ("sex", "ذكر", "male"), ("sex", "мужской", "male"), ("sex", "男", "male"),
    ("sex", "N/A", "unknown"), ("sex", "", "unknown"), ("sex", "inconnu", "unknown"),
    ("migration_status", "Asylum-seeker", "asylum_seeker"), ("migration_status", "demandeur d'asile", "asylum_seeker"),
    ("migration_status", "Solicitante de asilo", "asylum_seeker"), ("migration_status", "réfugiée", "refugee"),
    ("migration_status", "لاجئ", "refugee"), ("migration_status", "sans-papiers", "irregular"),
    ("migration_status", "Apátrida", "stateless"), ("migration_status", "Not available", "unknown"),
    ("purpose", "Employment", "work"), ("purpose", "regroupement familial", "family"),
    ("purpose", "estudios", "study"), ("purpose", "conflict", "protection"), ("purpose", "en tránsito", "transit"),
    ("wg_level", "No - no difficulty", "no_difficulty"), ("wg_level", "Oui - quelques difficultés", "some_difficulty"),
    ("wg_level", "Sí, mucha dificultad", "a_lot_of_difficulty"), ("wg_level", "Cannot do at all", "cannot_do_at_all"),
    ("wg_level", "لا يستطيع على الإطلاق", "cannot_do_at_all"), ("wg_level", "Refused", "unknown"),
    ("language_level", "B2", "intermediate"), ("language_level", "courant", "fluent"),
    ("language_level", "lengua materna", "native"), ("language_level", "a little", "basic"),
    ("language_level", "none", "none"), ("language_level", "-", "unknown"),
    ("yes_no", "Oui", "yes"), ("yes_no", "Sí", "yes"), ("yes_no", "نعم", "yes"), ("yes_no", "Да", "yes"),
    ("yes_no", "1", "yes"), ("yes_no", "Non", "no"), ("yes_no", "нет", "no"), ("yes_no", "0", "no"),
    ("yes_no", "NSP", "unknown"), ("yes_no", "desconocido", "unknown"),
    ("isco_major", "1", "1"), ("isced_level", "Bachelor's degree", "6"), ("isic_section", "construcción", "F"),
    ("working_condition", "passport confiscated", "employer_holds_documents"),
    ("age_band", "0-4", "00-04"), ("age_band", "80 ans et plus", "80+"),
    ("age_band_humanitarian", "60 à 74 ans", "60-74"), ("age_band_humanitarian", "05-11", "05-11"),
]


@pytest.mark.parametrize(("vocab", "raw", "code"), VARIANTS)
def test_variants(vocab: str, raw: str, code: str) -> None:
    assert match(vocab, raw).code == code


def test_survey_codes_are_not_guessed_for_sex() -> None:
    """1/2 mean male/female only when a mapping file says so (`values: {"1": male, "2": female}`)."""
    assert match("sex", "1").code is None
    assert match("sex", "2").code is None


@pytest.mark.parametrize("name", [n for n in category_names() if "unknown" in category(n).code_list()])
def test_every_missing_spelling_means_unknown_unless_a_code_claims_it(name: str) -> None:
    claimed = {c.code for c in category(name).codes} | {v.lower() for c in category(name).codes for v in c.variants}
    for raw in missing_variants():
        if raw.lower() not in claimed:
            assert match(name, raw).code == "unknown", (name, raw)


@pytest.mark.parametrize("name", category_names())
def test_no_collisions_in_code_lists(name: str) -> None:
    assert collisions(name).num_rows == 0
    keys = lookup_table(name).column("key").to_pylist()
    assert len(keys) == len(set(keys))


def test_unknown_list_raises() -> None:
    with pytest.raises(NotFound):
        category("colour")


def _wg(rows: list[tuple[str | None, ...]]) -> pa.Table:
    return pa.table({d: [r[i] for r in rows] for i, d in enumerate(WG_DOMAINS)})


WG_CASES = [
    (("no_difficulty",) * 6, False),
    (("some_difficulty",) * 6, False),
    (("no_difficulty",) * 5 + ("a_lot_of_difficulty",), True),
    (("cannot_do_at_all",) + (None,) * 5, True),
    (("no_difficulty",) * 5 + (None,), None),
    (("some_difficulty",) * 5 + ("unknown",), None),
    ((None,) * 6, None),
]


def test_wg_disability_rule_vectorised() -> None:
    assert wg_disability(_wg([c for c, _ in WG_CASES])).to_pylist() == [e for _, e in WG_CASES]


def test_wg_disability_macro_in_sql() -> None:
    con = duckdb.connect(":memory:")
    register_macros(con)
    con.register("t", _wg([c for c, _ in WG_CASES]))
    got = [r[0] for r in con.execute(f"SELECT atlas_wg_disability({', '.join(WG_DOMAINS)}) FROM t").fetchall()]
    assert got == [e for _, e in WG_CASES]


def test_wg_disability_needs_all_domains() -> None:
    with pytest.raises(NotFound):
        wg_disability(pa.table({"seeing": ["no_difficulty"]}))
