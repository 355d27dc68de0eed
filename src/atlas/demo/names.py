"""Invented words built from syllables, so demo places and people can never be real ones."""

from __future__ import annotations

import numpy as np

PLACE_SYLLABLES: tuple[str, ...] = (
    "vel", "mor", "ost", "ran", "ka", "lis", "dor", "tha", "ne", "bri", "sal", "quen", "ar", "tor",
    "wyn", "lo", "ma", "res", "cal", "mir", "eth", "ul", "zan", "fen", "gol", "hav", "ix", "jor",
    "kel", "lum", "nor", "pel", "rav", "sen", "tuv", "vor", "yth", "zel", "bra", "cor", "dun", "el",
)
KNOWN_REAL_PLACES = frozenset({
    "Arara", "Bria", "Brion", "Fenix", "Golova", "Havran", "Kais", "Maara", "Mira", "Mora", "Moris", "Moron",
    "Rania", "Ravar", "Sala", "Salia", "Sena", "Tuva",
})
PLACE_ENDINGS: tuple[str, ...] = ("a", "is", "on", "ia", "mar", "wick", "holm", "ara", "eth", "und", "ova", "")

GIVEN_SYLLABLES: dict[str, tuple[str, ...]] = {
    "female": ("a", "li", "na", "ma", "ri", "sa", "ya", "la", "mi", "ra", "ni", "ta", "ze", "lu", "sé"),
    "male": ("jo", "ka", "ri", "ma", "dan", "so", "ha", "mo", "to", "bas", "ne", "lu", "tar", "ed", "ón"),
}
GIVEN_ENDINGS: dict[str, tuple[str, ...]] = {
    "female": ("a", "ia", "ine", "ela", "ira", "a", "ah", "ita"),
    "male": ("o", "im", "an", "el", "ir", "us", "or", "ad"),
}
FAMILY_SYLLABLES: tuple[str, ...] = (
    "bel", "dra", "kov", "mar", "nu", "qui", "sto", "va", "zer", "lom", "gar", "ti", "ro", "hal",
    "mun", "sa", "fe", "bo", "kar", "len", "do", "pi", "rez", "ñe",
)
FAMILY_ENDINGS: tuple[str, ...] = ("ez", "ski", "ani", "ou", "ar", "ena", "oglu", "ić", "on", "i", "a", "’o")


def _words(
    rng: np.random.Generator, syllables: tuple[str, ...], endings: tuple[str, ...], count: int, lo: int, hi: int,
    min_len: int = 4, avoid: frozenset[str] = frozenset(),
) -> list[str]:
    """Unique capitalised words of lo..hi syllables plus an ending, in a seeded order."""
    capacity = sum(len(syllables) ** k for k in range(lo, hi + 1)) * len(endings)
    if count > capacity // 2:
        raise ValueError(f"asked for {count} words from a space of about {capacity}")
    seen: set[str] = set()
    out: list[str] = []
    syl = np.array(syllables, dtype=object)
    while len(out) < count:
        batch = 2 * count
        lengths = rng.integers(lo, hi + 1, batch)
        parts = syl[rng.integers(0, len(syllables), (batch, hi))]
        ends = rng.integers(0, len(endings), batch)
        for row, n, e in zip(parts, lengths, ends):
            word = ("".join(row[:n]) + endings[e]).capitalize()
            if min_len <= len(word) <= 13 and word not in seen and word not in avoid:
                seen.add(word)
                out.append(word)
                if len(out) == count:
                    break
    return out


def place_names(count: int, seed: int) -> list[str]:
    """Invented place names, unique, deterministic for a seed."""
    rng = np.random.default_rng([seed, 101])
    return _words(rng, PLACE_SYLLABLES, PLACE_ENDINGS, count, 1, 2, min_len=6, avoid=KNOWN_REAL_PLACES)


def given_names(sex: str, count: int, seed: int) -> list[str]:
    """Invented given names for 'female' or 'male', unique, deterministic for a seed."""
    rng = np.random.default_rng([seed, 202 if sex == "female" else 203])
    return _words(rng, GIVEN_SYLLABLES[sex], GIVEN_ENDINGS[sex], count, 1, 3)


def family_names(count: int, seed: int) -> list[str]:
    """Invented family names, unique, deterministic for a seed."""
    return _words(np.random.default_rng([seed, 204]), FAMILY_SYLLABLES, FAMILY_ENDINGS, count, 1, 3)
