"""Translations of ISO 3166 and ISO 639 names shipped with pycountry (Debian iso-codes), read offline."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

# pycountry's locale folders for the six languages Atlas reads (Chinese in both scripts).
ISO_LOCALES = ("fr", "es", "ar", "ru", "zh_CN", "zh_TW")


@cache
def _catalog(domain: str, locale: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def translated(domain: str, text: str, locale: str) -> str | None:
    """The `locale` translation of an ISO name (domain "iso3166-1", "iso639-3", ...), None if untranslated."""
    out = _catalog(domain, locale).gettext(text)
    return out if out != text else None
