"""Lookup tables (folded key -> code) for DuckDB joins, single-value matches and hints for unknowns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, partial
from importlib.metadata import version

import duckdb
import pyarrow as pa

from atlas.errors import NotFound
from atlas.vocab import categories as cats
from atlas.vocab.countries import BLOCKED, country_entries, region_entries
from atlas.vocab.countries import curated as country_curated
from atlas.vocab.languages import curated as language_curated
from atlas.vocab.languages import language_entries
from atlas.vocab.normalize import fold, register_macros
from atlas.vocab.subdivisions import subdivision_entries

# Bump when a shipped list changes meaning (not for pure additions of variants).
VOCAB_REVISION = 1
SCOPED = {"subdivision"}  # keys unique within a country, joined on (country, key)

Entries = list[tuple[str, str, str, int]]


def _missing_entries() -> Entries:
    return [(text, "unknown", "missing", 1) for text in cats.missing_variants()]


def _blocking_missing(entries: Callable[[], Entries]) -> Callable[[], Entries]:
    """Missing-value spellings ("NA", "ND") never resolve to a country/language (Namibia, Ndebele)."""
    return lambda: [*entries(), *((t, BLOCKED, "blocked: missing-value spelling", -1) for t in cats.missing_variants())]


def _builders() -> dict[str, Callable[[], Entries]]:
    out: dict[str, Callable[[], Entries]] = {
        "country": _blocking_missing(country_entries),
        "language": _blocking_missing(language_entries),
        "region": region_entries,
        "missing": _missing_entries,
    }
    for name in cats.category_names():
        out[name] = partial(cats.category_entries, name)
    return out


def vocab_names() -> tuple[str, ...]:
    """Every vocabulary `lookup_table` accepts."""
    return (*_builders(), *sorted(SCOPED))


def vocab_version() -> str:
    """Version of everything a mapping depends on; recorded in lineage and releases."""
    revs = (
        VOCAB_REVISION,
        cats.categories_revision(),
        int(country_curated()["revision"]),
        int(language_curated()["revision"]),
    )
    return (
        f"atlas-vocab {'.'.join(map(str, revs))}; pycountry {version('pycountry')}; "
        f"babel-cldr {version('babel')}; langcodes {version('langcodes')}"
    )


def _entries_table(vocab: str) -> pa.Table:
    if vocab == "subdivision":
        rows5 = subdivision_entries()
        names = ("text", "code", "source", "tier", "scope")
        return pa.table({n: [r[i] for r in rows5] for i, n in enumerate(names)})
    builder = _builders().get(vocab)
    if builder is None:
        raise NotFound(f"no vocabulary named {vocab!r}", detail={"known": list(vocab_names())})
    rows = builder()
    return pa.table(
        {
            "text": [r[0] for r in rows],
            "code": [r[1] for r in rows],
            "source": [r[2] for r in rows],
            "tier": pa.array([r[3] for r in rows], pa.int8()),
            "scope": pa.array([""] * len(rows), pa.string()),
        }
    )


_RESOLVE_SQL = """
WITH folded AS (
    SELECT atlas_fold(text) AS key, code, source, text, tier, scope FROM entries
), best AS (
    SELECT scope, key, min(tier) AS tier FROM folded WHERE key <> '' OR $keep_empty GROUP BY scope, key
), top AS (
    SELECT f.* FROM folded f JOIN best b ON f.scope = b.scope AND f.key = b.key AND f.tier = b.tier
)
SELECT scope, key,
       list(DISTINCT code ORDER BY code) AS codes,
       min(tier)::TINYINT AS tier,
       arg_min(source, text) AS source,
       min(text) AS text
FROM top GROUP BY scope, key ORDER BY scope, key
"""


@cache
def _resolved(vocab: str) -> tuple[pa.Table, pa.Table]:
    """(unambiguous keys, collisions) of a vocabulary, built once per process."""
    con = duckdb.connect(":memory:")
    try:
        register_macros(con)
        con.register("entries", _entries_table(vocab))
        keep_empty = vocab == "missing" or vocab in cats.category_names()
        all_keys = con.execute(_RESOLVE_SQL, {"keep_empty": keep_empty}).to_arrow_table()
        con.register("all_keys", all_keys)
        good = con.execute(
            "SELECT scope, key, codes[1] AS code, source, text FROM all_keys "
            "WHERE len(codes) = 1 AND codes[1] <> $blocked ORDER BY scope, key",
            {"blocked": BLOCKED},
        ).to_arrow_table()
        bad = con.execute(
            "SELECT scope, key, list_filter(codes, c -> c <> $blocked) AS codes, source, tier FROM all_keys "
            "WHERE len(codes) > 1 OR codes[1] = $blocked ORDER BY scope, key",
            {"blocked": BLOCKED},
        ).to_arrow_table()
    finally:
        con.close()
    return good, bad


def lookup_table(vocab: str) -> pa.Table:
    """(key, code) with unique folded keys; join with `atlas_fold(value) = key` (subdivision: + country)."""
    good, _ = _resolved(vocab)
    if vocab in SCOPED:
        return good.select(["scope", "key", "code"]).rename_columns(["country", "key", "code"])
    return good.select(["key", "code"])


def collisions(vocab: str) -> pa.Table:
    """Keys left out of `lookup_table` on purpose: equally good spellings of different codes, or blocked."""
    _, bad = _resolved(vocab)
    return bad if vocab in SCOPED else bad.drop_columns(["scope"])


@dataclass(frozen=True)
class Match:
    """How one raw value resolved: its folded key, the code, and the source of the winning spelling."""

    value: str
    key: str
    code: str | None
    source: str | None
    text: str | None
    candidates: tuple[str, ...] = ()
    unresolved: str | None = None  # why a known key has no code: "blocked: ambiguous", "ISO 639-3 name", ...


@cache
def _index(vocab: str) -> dict[tuple[str, str], tuple[str, str, str]]:
    good, _ = _resolved(vocab)
    cols = [good.column(c).to_pylist() for c in ("scope", "key", "code", "source", "text")]
    return {(s, k): (c, src, t) for s, k, c, src, t in zip(*cols, strict=True)}


@cache
def _ambiguous(vocab: str) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
    _, bad = _resolved(vocab)
    cols = [bad.column(c).to_pylist() for c in ("scope", "key", "codes", "source")]
    return {(s, k): (tuple(c), src) for s, k, c, src in zip(*cols, strict=True)}


def match(vocab: str, value: str, *, country: str = "") -> Match:
    """Resolve one value (CLI, API, hints); code is None when unknown or ambiguous (see candidates)."""
    key = fold(value) or ""
    hit = _index(vocab).get((country, key))
    if hit is not None:
        return Match(value, key, hit[0], hit[1], hit[2])
    codes, why = _ambiguous(vocab).get((country, key), ((), None))
    return Match(value, key, None, None, None, codes, why)


@dataclass(frozen=True)
class Suggestion:
    """A likely intended code for an unknown value, with the key it resembles (score 0-100)."""

    code: str
    key: str
    score: float


@cache
def _keys(vocab: str, country: str) -> tuple[list[str], list[str]]:
    pairs = [(k, c[0]) for (s, k), c in _index(vocab).items() if s == country and len(k) > 3]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def suggestions(vocab: str, value: str, *, limit: int = 3, cutoff: float = 75.0, country: str = "") -> list[Suggestion]:
    """Closest known spellings of a value that did not match; call on distinct unknowns only."""
    key = fold(value) or ""
    keys, codes = _keys(vocab, country)
    if not key or not keys or (country, key) in _ambiguous(vocab):
        return []
    out: list[Suggestion] = []
    for k, score, i in _similar(key, keys, limit * 4, cutoff):
        if all(s.code != codes[i] for s in out):
            out.append(Suggestion(codes[i], k, round(score, 1)))
    return out[:limit]


def suggest(vocab: str, value: str, *, country: str = "") -> str | None:
    """The single most likely code for an unknown value ("Syira" -> "SYR"), or None."""
    found = suggestions(vocab, value, limit=1, country=country)
    return found[0].code if found else None


def suggest_many(vocab: str, values: Iterable[str]) -> pa.Table:
    """(value, suggestion, score) for each distinct unknown value, for a quarantine report."""
    distinct = sorted({v for v in values if v is not None})
    best = [suggestions(vocab, v, limit=1) for v in distinct]
    return pa.table(
        {
            "value": distinct,
            "suggestion": [b[0].code if b else None for b in best],
            "score": pa.array([b[0].score if b else None for b in best], pa.float64()),
        }
    )


def _similar(key: str, keys: list[str], limit: int, cutoff: float) -> list[tuple[str, float, int]]:
    try:
        from rapidfuzz import fuzz, process
    except ImportError:
        import difflib

        scored = ((k, 100 * difflib.SequenceMatcher(None, key, k).ratio(), i) for i, k in enumerate(keys))
        return sorted((s for s in scored if s[1] >= cutoff), key=lambda s: -s[1])[:limit]
    return [(k, float(s), i) for k, s, i in process.extract(key, keys, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)]


def register_lookups(con: duckdb.DuckDBPyConnection, vocabs: Iterable[str] | None = None) -> list[str]:
    """Register the macros and each lookup table as `atlas_vocab_<name>` on `con`; returns the names."""
    register_macros(con)
    names = []
    for vocab in vocabs or vocab_names():
        if vocab not in vocab_names():
            raise NotFound(f"no vocabulary named {vocab!r}", detail={"known": list(vocab_names())})
        name = f"atlas_vocab_{vocab}"
        con.register(name, lookup_table(vocab))
        names.append(name)
    return names
