"""Key folding defined once, as a DuckDB macro, so Python-built lookup keys and SQL joins always agree.

`fold()` mirrors the macro in pure Python for single values (a DuckDB call costs milliseconds, mostly
compiling the Unicode regex); text holding a code point this Python's Unicode tables do not know is
handed to DuckDB itself. tests/vocab/test_normalize.py proves the two agree on arbitrary text.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence

import duckdb
import pyarrow as pa

FOLD_MACRO = "atlas_fold"

# Lowercase, drop accents and combining marks (utf8proc), drop apostrophes so "Cote d'Ivoire" and
# "Cote d’Ivoire" meet, turn every run of anything that is not a letter or a digit (any script) into one
# space, and trim. NUL becomes a space first (utf8proc stops at it). Arabic, Chinese, Cyrillic stay.
# Arabic-script spellings that vary by keyboard or habit meet too: alef maqsura and Persian yeh become
# yeh, teh marbuta becomes heh, Persian keheh becomes kaf, and tatweel (a stretching stroke) goes.
ARABIC_FROM, ARABIC_TO = "ىیةکـ", "ييهك"

FOLD_SQL = (
    "trim(regexp_replace(translate(regexp_replace(lower(strip_accents(replace(s, chr(0), ' '))), "
    f"'[''’ʼ`´‘]', '', 'g'), '{ARABIC_FROM}', '{ARABIC_TO}'), '[^\\p{{L}}\\p{{N}}]+', ' ', 'g'))"
)

_MACROS = {
    FOLD_MACRO: ("s", FOLD_SQL),
}

_local = threading.local()


def register_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Make `atlas_fold(text)` (and the other vocabulary macros) callable in SQL on `con`."""
    from atlas.vocab.categories import wg_macro_sql

    for name, (params, body) in {**_MACROS, **wg_macro_sql()}.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}({params}) AS {body}")


def _connection() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:")
        params, body = _MACROS[FOLD_MACRO]
        con.execute(f"CREATE MACRO {FOLD_MACRO}({params}) AS {body}")
        _local.con = con
    return con


def _clean(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8")


_APOSTROPHES = re.compile("['’ʼ`´‘]")
_ARABIC = str.maketrans(ARABIC_FROM[: len(ARABIC_TO)], ARABIC_TO, ARABIC_FROM[len(ARABIC_TO) :])
_ASCII_SEPARATORS = re.compile("[^a-z0-9]+")


def fold(value: str | None) -> str | None:
    """Fold one value exactly as `atlas_fold` does in SQL (for lookups of a single value, hints, CLI)."""
    if value is None:
        return None
    text = _clean(value)
    if text.isascii():
        return _ASCII_SEPARATORS.sub(" ", _APOSTROPHES.sub("", text.lower())).strip()
    if any(unicodedata.category(ch) == "Cn" for ch in text):
        return _sql_fold(text)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch)[0] != "M"))
    lowered = _APOSTROPHES.sub("", "".join(ch.lower() for ch in stripped))  # per char: no final-sigma rule
    lowered = lowered.translate(_ARABIC)
    kept = "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in lowered)
    return " ".join(part for part in kept.split(" ") if part)


def _sql_fold(text: str) -> str | None:
    row = _connection().execute(f"SELECT {FOLD_MACRO}($1)", [text]).fetchone()
    return None if row is None else row[0]


def fold_many(values: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Fold a whole column in one DuckDB pass; used to build lookup tables, never per row."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array([None if v is None else _clean(str(v)) for v in values], type=pa.string())
    source = pa.table({"s": values.cast(pa.string())})
    con = _connection()
    con.register("atlas_fold_input", source)
    try:
        out = con.execute(f"SELECT {FOLD_MACRO}(s) AS k FROM atlas_fold_input").to_arrow_table()
    finally:
        con.unregister("atlas_fold_input")
    return out.column("k").combine_chunks()
