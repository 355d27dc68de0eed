"""Narratives from a protected table: every number stated is a published cell or a ratio/sum of published cells.

Published cells already passed the interval audit, so anything computed from them alone reveals nothing
more than the table. Suppressed cells are only ever counted ("3 districts are not shown"), never valued,
and no sentence speaks of a remainder ("all but", "the others"), which would sum hidden cells.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent

from atlas.errors import AtlasError
from atlas.outputs.narrative.phrases import LANGS, RTL, ui
from atlas.outputs.narrative.templates import SENTENCES, UNITS
from atlas.protection.cube import PUBLISHED, STRUCTURAL_ZERO, TOTAL, Dimension
from atlas.protection.protected import ProtectedTable

AREA_NAMES = ("area", "adm0", "adm1", "adm2", "adm3")
SEX_NAMES = ("sex",)
AGE_NAMES = ("age", "age_group")
NATIONALITY_NAMES = ("nationality", "origin_country", "citizenship")
_BAND = re.compile(r"^(\d+)-(\d+)$")


class HiddenValue(LookupError):
    """Raised when a sentence asks for a cell that is not published: the sentence is then left out."""


@dataclass(frozen=True)
class Stated:
    """One number written into the text and the published cells it comes from."""

    kind: str
    value: float
    cells: tuple[tuple[tuple[str, str], ...], ...]


@dataclass
class Narrative:
    """Sentences in one language, with every number they state and where it comes from."""

    lang: str
    sentences: list[str] = field(default_factory=list)
    stated: list[Stated] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def direction(self) -> str:
        return "rtl" if self.lang in RTL else "ltr"

    def html(self) -> str:
        """A <section> with the language and direction set, so Arabic reads right to left."""
        body = "".join(f"<p>{html.escape(s)}</p>" for s in self.sentences)
        return f'<section class="narrative" lang="{self.lang}" dir="{self.direction}">{body}</section>'


class Facts:
    """Read access to published cells only; a suppressed or absent cell raises HiddenValue."""

    def __init__(self, table: ProtectedTable) -> None:
        self.table = table
        cells = table.cells
        self._index = {tuple(r[:-2]): (r[-2], r[-1]) for r in cells[[*table.dim_names, "value", "flag"]].itertuples(index=False)}

    def value(self, **coords: str) -> tuple[float, tuple[tuple[str, str], ...]]:
        key = tuple(coords.get(d, TOTAL) for d in self.table.dim_names)
        hit = self._index.get(key)
        if hit is None:
            if self.table.zeros_omitted:
                return 0.0, tuple(zip(self.table.dim_names, key))
            raise HiddenValue(key)
        value, flag = hit
        if flag not in (PUBLISHED, STRUCTURAL_ZERO, "c") or value is None or pd.isna(value):
            raise HiddenValue(key)
        return float(value), tuple(zip(self.table.dim_names, key))

    def flag(self, **coords: str) -> str:
        key = tuple(coords.get(d, TOTAL) for d in self.table.dim_names)
        return str(self._index.get(key, (None, PUBLISHED))[1])


def _dim(table: ProtectedTable, names: tuple[str, ...]) -> Dimension | None:
    return next((d for d in table.dimensions if d.name in names), None)


def country_label(code: str, lang: str) -> str:
    """Country name in `lang` from ISO3 (Babel territory names), else the code."""
    try:
        from atlas.vocab.countries import country

        iso2 = country(code).iso2
        return str(Locale.parse(lang).territories.get(iso2, code))
    except (AtlasError, LookupError, ValueError):
        return code


@dataclass
class Writer:
    """Builds the sentences of one narrative; numbers are formatted and recorded in one place."""

    table: ProtectedTable
    lang: str
    out: Narrative
    hedged: bool

    def count(self, value: float, cells: tuple) -> str:
        self.out.stated.append(Stated("count", value, (cells,)))
        v = float(value)
        if self.hedged or v >= 1000:
            digits = max(0, len(str(int(abs(v)))) - 3)
            v = round(v, -digits) if digits else round(v)
        return format_decimal(int(v), locale=self.lang)

    def pct(self, part: float, whole: float, cells: tuple) -> str:
        share = part / whole if whole else 0.0
        self.out.stated.append(Stated("percent", round(share * 100), cells))
        return format_percent(round(share, 2), locale=self.lang)

    def about(self, rounded: bool) -> str:
        return SENTENCES[self.lang]["about"] if (self.hedged or rounded) else ""

    def say(self, key: str, **kw: object) -> None:
        self.out.sentences.append(SENTENCES[self.lang][key].format(**kw))
        self.out.templates.append(key)


def narrative(table: ProtectedTable, lang: str = "en", *, place: str = TOTAL, period: dt.date | None = None,
              names: Mapping[str, str] | None = None) -> Narrative:
    """The narrative of `place` (an area code, default the total) in `lang`."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGS)}")
    hedged = table.policy.method != "suppression"
    w = Writer(table, lang, Narrative(lang), hedged)
    facts = Facts(table)
    area = _dim(table, AREA_NAMES)
    at = {area.name: place} if area else {}
    place_name = _place_name(area, place, lang, names)
    when = SENTENCES[lang]["period"].format(period=format_skeleton("yMMMM", period, locale=lang)) if period else ""
    try:
        total, cells = facts.value(**at)
    except HiddenValue:
        w.say("total_hidden", place=place_name, period=when)
        total = 0.0
    else:
        n = w.count(total, cells)
        w.say("total", place=place_name, about=w.about(total >= 1000), n=n, period=when)
    if total > 0:
        _women(w, facts, at, total, cells)
        _children(w, facts, at, total, cells)
        _groups(w, facts, at, total, cells)
    if area is not None:
        _areas(w, facts, area, place, names)
    if hedged:
        w.say("hedge")
    return w.out


def _place_name(area: Dimension | None, place: str, lang: str, names: Mapping[str, str] | None) -> str:
    if names and place in names:
        return names[place]
    if place == TOTAL and (area is None or place not in area.labels):
        return ui(lang, "all_places")
    label = area.labels.get(place, place) if area else place
    return country_label(label, lang) if re.fullmatch(r"[A-Z]{3}", label) else label


def _women(w: Writer, facts: Facts, at: dict[str, str], total: float, tcells: tuple) -> None:
    sex = _dim(w.table, SEX_NAMES)
    if sex is None or "female" not in sex.parent:
        return
    try:
        women, cells = facts.value(**at, **{sex.name: "female"})
    except HiddenValue:
        return
    w.say("women", about=w.about(False), pct=w.pct(women, total, (cells, tcells)))


def _children(w: Writer, facts: Facts, at: dict[str, str], total: float, tcells: tuple) -> None:
    age = _dim(w.table, AGE_NAMES)
    if age is None:
        return
    bands = [c for c in age.leaves() if (m := _BAND.match(c)) and int(m.group(2)) < 18]
    if not bands:
        return
    try:
        parts = [facts.value(**at, **{age.name: b}) for b in bands]
    except HiddenValue:
        return
    kids = sum(v for v, _ in parts)
    w.say("children", about=w.about(False), pct=w.pct(kids, total, (*[c for _, c in parts], tcells)))


def _groups(w: Writer, facts: Facts, at: dict[str, str], total: float, tcells: tuple) -> None:
    nat = _dim(w.table, NATIONALITY_NAMES)
    if nat is None:
        return
    shown = []
    for code in nat.leaves():
        try:
            shown.append((code, *facts.value(**at, **{nat.name: code})))
        except HiddenValue:
            continue
    shown = sorted((s for s in shown if s[1] > 0), key=lambda s: -s[1])[:2]
    label = {c: country_label(c, w.lang) if re.fullmatch(r"[A-Z]{3}", c) else nat.labels.get(c, c) for c, _, _ in shown}
    if len(shown) == 2:
        (a, va, ca), (b, vb, cb) = shown
        w.say("groups2", a=label[a], pa=w.pct(va, total, (ca, tcells)), b=label[b], pb=w.pct(vb, total, (cb, tcells)))
    elif len(shown) == 1:
        a, va, ca = shown[0]
        w.say("groups1", a=label[a], pa=w.pct(va, total, (ca, tcells)))


def _leaf_descendants(area: Dimension, place: str) -> list[str]:
    kids = area.children()
    out, stack = [], list(kids.get(place, []))
    while stack:
        c = stack.pop()
        if kids[c]:
            stack.extend(kids[c])
        else:
            out.append(c)
    return out


def _areas(w: Writer, facts: Facts, area: Dimension, place: str, names: Mapping[str, str] | None) -> None:
    leaves = _leaf_descendants(area, place)
    if not leaves:
        return
    depth = min(2, max(1, area.level(leaves[0])))
    units = UNITS[w.lang][depth]
    flags = np.array([facts.flag(**{area.name: c}) for c in leaves])
    hidden = int(np.isin(flags, ["p", "s"]).sum())
    shown = []
    for c in leaves:
        try:
            shown.append((c, *facts.value(**{area.name: c})))
        except HiddenValue:
            continue
    top = sorted(shown, key=lambda s: -s[1])[:2]
    if len(top) == 2 and top[1][1] > 0:
        (a, va, ca), (b, vb, cb) = top
        w.say("areas2", **units, a=_place_name(area, a, w.lang, names), na=w.about(va >= 1000) + w.count(va, ca),
              b=_place_name(area, b, w.lang, names), nb=w.about(vb >= 1000) + w.count(vb, cb))
    if hidden:
        form = "hidden_one" if Locale.parse(w.lang).plural_form(hidden) == "one" else "hidden_other"
        w.out.stated.append(Stated("areas", hidden, ()))
        w.say(form, **units, n=format_decimal(hidden, locale=w.lang))
