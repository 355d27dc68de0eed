"""The portal's four languages: message catalogues shipped as JSON, the language of a request, and Babel formats."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from atlas.outputs.narrative.phrases import LANGS, RTL

DEFAULT = "en"
COOKIE = "atlas_lang"
NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The messages of one language (English fills any key a translation lacks)."""
    text = resources.files("atlas.web.portal").joinpath("i18n", f"{lang}.json").read_text(encoding="utf-8")
    messages: dict[str, str] = json.loads(text)
    if lang != DEFAULT:
        return {**catalogue(DEFAULT), **messages}
    return messages


def _accept(header: str) -> list[str]:
    """Languages of an Accept-Language header, best first (q-values honoured, regions dropped)."""
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag:
            ranked.append((-q, i, tag.split("-")[0].lower()))
    return [t for _, _, t in sorted(ranked)]


def negotiate(query: str | None, cookie: str | None, accept: str | None) -> str:
    """`?lang=` first, then the language cookie, then Accept-Language, then English."""
    for candidate in (query, cookie, *(_accept(accept) if accept else [])):
        if candidate and candidate.lower() in LANGS:
            return candidate.lower()
    return DEFAULT


@dataclass(frozen=True)
class Translator:
    """Messages and number/date formats for one language, handed to every template as `t`, `num`, `day`."""

    lang: str

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in RTL else "ltr"

    def __call__(self, key: str, **kw: Any) -> str:
        text = catalogue(self.lang).get(key, key)
        return text.format(**kw) if kw else text

    def get(self, key: str, default: str) -> str:
        """A message whose key is built from data (a dimension, a status), with a fallback."""
        return catalogue(self.lang).get(key, default)

    def num(self, value: float | None) -> str:
        if value is None:
            return self("suppressed")
        return format_decimal(value, locale=self.lang)

    def pct(self, value: float) -> str:
        return format_percent(value, locale=self.lang)

    def day(self, value: date | datetime | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        if isinstance(value, datetime):
            return format_datetime(value, format="medium", locale=self.lang)
        return format_date(value, format="long", locale=self.lang)


def languages() -> list[tuple[str, str]]:
    """(code, own name) of every portal language, for the switcher."""
    return [(code, NAMES[code]) for code in LANGS]
