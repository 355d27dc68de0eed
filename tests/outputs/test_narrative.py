"""Narratives: every language and template, right-to-left Arabic, and no suppressed value stated or derivable."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from babel.numbers import parse_decimal

from atlas.outputs.narrative import LANGS, Narrative, narrative
from atlas.outputs.narrative.templates import SENTENCES, TEMPLATE_KEYS
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.hierarchy import banded_dimension, flat_dimension, grouped_dimension
from atlas.tables.margins import compute_margins

DISTRICTS = {"R1": ["d1", "d2", "d3", "d4"], "R2": ["d5", "d6", "d7"]}
LABELS = {"R1": "North", "R2": "South", "d1": "Alpha", "d2": "Bravo", "d3": "Charlie", "d4": "Delta",
          "d5": "Echo", "d6": "Foxtrot", "d7": "Golf", TOTAL: "XAT"}
# Per district, per (sex, nationality, age) cell; d3 and d6 are small enough to be suppressed.
SIZES = {"d1": 37, "d2": 23, "d3": 0, "d4": 51, "d5": 29, "d6": 0, "d7": 44}


@dataclass
class Case:
    table: ProtectedTable
    truth: pd.DataFrame  # cells with their true value, suppressed ones included (test only)


def _case(method: str = "suppression") -> Case:
    leaves = [d for ds in DISTRICTS.values() for d in ds]
    grid = pd.MultiIndex.from_product(
        [leaves, ["female", "male"], ["VEN", "COL", "CUB"], ["00-17", "18-59", "60+"]],
        names=["area", "sex", "nationality", "age"]).to_frame(index=False)
    rng = np.random.default_rng(11)
    base = grid["area"].map(SIZES).to_numpy()
    grid["n"] = base + rng.integers(0, 9, len(grid)) * (base > 0) + np.where(grid["nationality"] == "VEN", base, 0)
    small = grid["area"].isin(["d3", "d6"]) & (grid["sex"] == "male") & (grid["age"] == "18-59")
    grid.loc[small, "n"] = [2, 1, 3, 1, 2, 1]
    dims = [grouped_dimension("area", leaves, DISTRICTS, LABELS),
            flat_dimension("sex", ["female", "male"]),
            flat_dimension("nationality", ["VEN", "COL", "CUB"]),
            banded_dimension("age", [0, 18, 60], with_unknown=False)]
    cube = compute_margins(grid, dims)
    policy = DisclosurePolicy(method=method, min_count=10, group=None, secondary="fast")  # type: ignore[arg-type]
    table = protect(cube, policy, names="t", title="test")
    truth = table.cells.drop(columns="value").merge(cube.cells[[*table.dim_names, "value"]], on=table.dim_names)
    return Case(table, truth)


@pytest.fixture(scope="module")
def case() -> Case:
    return _case()


@pytest.fixture(scope="module")
def rounded() -> Case:
    return _case("rounding")


def _places(table: ProtectedTable) -> list[str]:
    return list(table.dimension("area").parent)


NUMBER = re.compile(r"\d[\d,.\u202f\u00a0]*\d|\d")


def stated_numbers(text: str, lang: str) -> tuple[list[float], list[float]]:
    """(counts, percentages) written in `text`, parsed with the language's separators."""
    counts, pcts = [], []
    for m in NUMBER.finditer(text):
        raw = m.group().rstrip(".,")
        value = float(parse_decimal(raw.replace("\u00a0", "\u202f") if lang == "fr" else raw, locale=lang,
                                    strict=False))
        tail = text[m.end(): m.end() + 3].replace("\u00a0", "").replace("\u200e", "").lstrip()
        (pcts if tail.startswith(("%", "٪")) else counts).append(value)
    return counts, pcts


def _intervals(counts: list[float], pcts: list[float]) -> list[tuple[float, float]]:
    """What a reader can compute from the stated numbers: each count (rounding undone), sums and
    differences of counts, and each share (rounding undone) of the place total, which every narrative
    states first and every percentage refers to ("of them")."""
    def span(x: float) -> tuple[float, float]:
        digits = str(int(x))
        zeros = len(digits) - len(digits.rstrip("0"))
        unit = 10 ** min(zeros, max(0, len(digits) - 3)) if x >= 1000 and zeros else 0
        return x - unit / 2, x + unit / 2
    spans = [span(c) for c in counts]
    out = list(spans)
    for (a0, a1), (b0, b1) in itertools.permutations(spans, 2):
        out += [(a0 + b0, a1 + b1), (a0 - b1, a1 - b0)]
    for p, (t0, t1) in itertools.product(pcts, spans[:1]):
        part = ((p - 0.5) / 100 * t0, (p + 0.5) / 100 * t1)
        out += [part, (t0 - part[1], t1 - part[0])]
    return out


def people_text(n: Narrative) -> str:
    """The numbers of people stated: the hidden-areas sentence counts areas, and fixed numbers of a
    template ("under 18") are wording, so both are left out before parsing."""
    out = []
    for sentence, key in zip(n.sentences, n.templates, strict=True):
        if key.startswith("hidden_"):
            continue
        for literal in re.split(r"\{[a-z_]+\}", SENTENCES[n.lang][key]):
            if re.search(r"\d", literal):
                sentence = sentence.replace(literal, " ")
        out.append(sentence)
    return " ".join(out)


def leaks(text: str, lang: str, hidden: np.ndarray, width: float) -> list[float]:
    """Hidden values that some stated or computed number pins down more narrowly than `width`."""
    found = _intervals(*stated_numbers(text, lang))
    return sorted({float(v) for v in hidden for lo, hi in found if hi - lo < width and lo - 0.5 <= v <= hi + 0.5})


def _hidden(case: Case, place: str = TOTAL) -> np.ndarray:
    """True values of the suppressed cells of `place` and the areas under it: the cells whose additive
    relations a narrative of `place` touches (a coincidence with a far-away cell derives nothing)."""
    area = case.table.dimension("area")
    scope, frontier = {place}, [place]
    while frontier:
        frontier = [c for c, p in area.parent.items() if p in frontier]
        scope |= set(frontier)
    t = case.truth
    return t.loc[t["flag"].isin([PRIMARY, SECONDARY]) & t["area"].isin(scope), "value"].to_numpy(dtype=float)


def test_fixture_has_primary_and_secondary_suppression(case: Case) -> None:
    flags = set(case.table.cells["flag"])
    assert {PRIMARY, SECONDARY} <= flags


@pytest.mark.parametrize("lang", LANGS)
def test_no_suppressed_value_is_stated_or_derivable(case: Case, lang: str) -> None:
    for place in _places(case.table):
        n = narrative(case.table, lang, place=place)
        text = people_text(n)
        assert leaks(text, lang, _hidden(case, place), case.table.policy.min_count) == [], (place, text)


@pytest.mark.parametrize("lang", LANGS)
def test_every_stated_number_comes_from_published_cells(case: Case, lang: str) -> None:
    cells = case.table.cells.set_index(case.table.dim_names)["flag"]
    for place in _places(case.table):
        for s in narrative(case.table, lang, place=place).stated:
            for coords in s.cells:
                assert cells[tuple(v for _, v in coords)] not in (PRIMARY, SECONDARY), (place, s)


def test_every_template_is_exercised_in_every_language(case: Case, rounded: Case) -> None:
    for lang in LANGS:
        used: set[str] = set()
        for c in (case, rounded):
            for place in _places(c.table):
                used |= set(narrative(c.table, lang, place=place).templates)
        # hidden_one / hidden_other depend on the count; groups1 and total_hidden on the data
        assert set(TEMPLATE_KEYS) - used <= {"hidden_one", "groups1", "total_hidden"}, (lang, used)
        assert set(SENTENCES[lang]) >= set(TEMPLATE_KEYS)


def test_checker_catches_remainders(case: Case) -> None:
    """The leak checker itself: 'all but N' and a complement of a published total must fail."""
    t = case.truth.set_index(case.table.dim_names)
    total = float(t.loc[("R2", TOTAL, TOTAL, TOTAL), "value"])
    hv = float(t.loc[("d6", TOTAL, TOTAL, TOTAL), "value"])
    assert t.loc[("d6", TOTAL, TOTAL, TOTAL), "flag"] in (PRIMARY, SECONDARY)
    hidden = _hidden(case, "R2")
    assert leaks(f"{int(total):,} people; all but {int(hv)} live in three districts.", "en", hidden, 10)
    assert leaks(f"{int(total):,} people, {int(total - hv):,} of them in three districts.", "en", hidden, 10)


def test_narrative_names_hidden_districts_without_values(case: Case) -> None:
    text = narrative(case.table, "en").text
    assert "districts are not shown" in text or "district is not shown" in text
    assert "but" not in text and "other" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_language_and_direction(case: Case, lang: str) -> None:
    n: Narrative = narrative(case.table, lang, place="R1")
    html = n.html()
    assert f'lang="{lang}"' in html
    assert ('dir="rtl"' in html) == (lang == "ar")
    if lang == "ar":
        assert re.search(r"[\u0600-\u06ff]", n.text)
    if lang == "fr":
        assert "migrants ont été enregistrés" in n.text


def test_perturbed_tables_are_hedged(rounded: Case) -> None:
    for lang in LANGS:
        n = narrative(rounded.table, lang)
        assert "hedge" in n.templates
        assert SENTENCES[lang]["about"].strip() in n.text


def test_unknown_language_refused(case: Case) -> None:
    with pytest.raises(ValueError):
        narrative(case.table, "de")
