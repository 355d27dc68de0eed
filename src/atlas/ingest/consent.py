"""Consent at ingest: purposes, channels and events resolved against the controlled lists, and person-file
consent columns turned into entries of the consent register (`consent_events`).

Every distinct raw value is resolved once in Python (a few dozen values), then looked up by the rows like any
other value map, so nothing here runs per record outside DuckDB.
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Iterable
from datetime import date

import duckdb
import pyarrow as pa

from atlas.ingest import rowsql
from atlas.ingest.columns import Assignment
from atlas.ingest.lookups import Lookup, bound
from atlas.ingest.synonyms import CHANNEL_SYNONYMS, CONSENT_EVENT_SYNONYMS, PURPOSE_SYNONYMS
from atlas.privacy.consent import CONSENT_CHANNELS, CONSENT_EVENTS
from atlas.privacy.purposes import PURPOSES
from atlas.store.fields import Field
from atlas.vocab.normalize import fold

_SEPARATORS = re.compile(r"[;,|+]")
_MISSING = {fold(v) for v in ("", "na", "n/a", "none", "null", "-", "--", ".", "..", "unknown", "inconnu", "desconocido")}
CHANNEL_FIELD = Field("consent_channel", "VARCHAR", "code", "consent_channel", label="Consent channel")
WITHDRAWN_DATE_FIELD = Field("consent_withdrawn_date", "DATE", "date", label="Date consent was withdrawn")


def _index(codes: Iterable[str], synonyms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for code in codes:
        for variant in (code, code.replace("_", " "), *synonyms.get(code, ())):
            key = fold(variant)
            if key:
                index.setdefault(key, code)
    return index


PURPOSE_INDEX = _index(PURPOSES, PURPOSE_SYNONYMS)
CHANNEL_INDEX = _index(CONSENT_CHANNELS, CHANNEL_SYNONYMS)
EVENT_INDEX = _index(CONSENT_EVENTS, CONSENT_EVENT_SYNONYMS)


def _hint(part: str, index: dict[str, str]) -> str:
    close = difflib.get_close_matches(fold(part) or "", list(index), n=1, cutoff=0.75)
    return f"{part!r} -> did you mean {index[close[0]]}?" if close else f"{part!r} is not on the controlled list"


def resolve_one(raw: str, index: dict[str, str]) -> tuple[str | None, bool, str | None]:
    """(code, ok, hint) of one raw value; blanks and missing markers resolve to no code and are fine."""
    key = fold(raw)
    if key is None or key in _MISSING:
        return None, True, None
    code = index.get(key)
    return code, code is not None, None if code else _hint(raw, index)


def resolve_list(raw: str, index: dict[str, str]) -> tuple[list[str] | None, bool, str | None]:
    """(codes, ok, hint) of a separated list such as 'statistics; recherche'; one unknown part fails the value."""
    codes: list[str] = []
    for part in _SEPARATORS.split(raw):
        code, ok, hint = resolve_one(part, index)
        if not ok:
            return None, False, hint
        if code and code not in codes:
            codes.append(code)
    return codes or None, True, None


def value_map(con: duckdb.DuckDBPyConnection, name: str, distinct: list[str], index: dict[str, str],
              *, is_list: bool) -> dict[str, str]:
    """Temp table `name` (raw, code, ok, hint) for `lookups.coded_lookup`; returns raw -> hint of bad values."""
    resolved = [(raw, *(resolve_list(raw, index) if is_list else resolve_one(raw, index))) for raw in distinct]
    code_type = pa.list_(pa.string()) if is_list else pa.string()
    table = pa.table({
        "raw": pa.array([r[0] for r in resolved], pa.string()),
        "code": pa.array([r[1] for r in resolved], code_type),
        "ok": pa.array([r[2] for r in resolved], pa.bool_()),
        "hint": pa.array([r[3] for r in resolved], pa.string()),
    })
    tmp = f"atlas_consent_in_{uuid.uuid4().hex}"
    con.register(tmp, table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {tmp}")
    finally:
        con.unregister(tmp)
    return {raw: hint for raw, _, ok, hint in resolved if not ok and hint}


def purposes_column(fld: Field, a: Assignment, lk: Lookup) -> rowsql.Column:
    """consent_purposes: each part checked against the controlled list of purposes (synonyms in six languages);
    `lk` is the value map as a look-up that keeps only resolved codes."""
    col = rowsql.coded(Field(fld.name, fld.sql, "code", "purpose"), a, lk)
    col.checks = [(c, "unknown-consent_purpose", src) for c, _, src in col.checks]
    return col


def channel_column(a: Assignment, lk: Lookup) -> rowsql.Column:
    return rowsql.coded(CHANNEL_FIELD, a, lk)


def record_person_consent(con: duckdb.DuckDBPyConnection, batch_id: int, columns: dict[str, rowsql.Column],
                          today: date) -> tuple[int, int]:
    """Consent given and withdrawn in a person file, as events of the register (stored rows only).

    A consent is dated by the file's consent date (else the ingest day); a withdrawal by its withdrawal date
    (else now, so it wins over a consent of the same file). Returns (given, withdrawn) event counts.
    """
    if "consent_purposes" not in columns and "consent_withdrawn" not in columns \
            and "consent_withdrawn_date" not in columns:
        return 0, 0
    extra = [columns[k] for k in ("consent_channel", "consent_withdrawn_date") if k in columns]
    channel = "x.ch" if "consent_channel" in columns else "CAST(NULL AS VARCHAR)"
    wdate = "x.wd" if "consent_withdrawn_date" in columns else "CAST(NULL AS DATE)"
    join = ""
    params: dict[str, object] = {}
    if extra:
        pre = {k: v for c in extra for k, v in c.pre.items()}
        params = {k: v for c in extra for k, v in c.params.items()}
        ch = columns["consent_channel"].value if "consent_channel" in columns else "NULL"
        wd = columns["consent_withdrawn_date"].value if "consent_withdrawn_date" in columns else "NULL"
        inner = f"SELECT s.*{''.join(f', {v} AS {k}' for k, v in pre.items())} FROM src s {' '.join(j for c in extra for j in c.joins)}"
        join = f"JOIN (SELECT s._row, {ch} AS ch, {wd} AS wd FROM ({inner}) s) x ON x._row = p.source_row"
    given = withdrawn = 0
    if "consent_purposes" in columns:
        given = _count(con, f"""INSERT INTO consent_events
            SELECT p.pseudonym, p.consent_purposes, coalesce(p.consent_date, CAST($today AS DATE)), {channel}, NULL, now()
            FROM persons p {join} WHERE p.batch_id = $batch AND len(p.consent_purposes) > 0""",
                       params, {"today": today, "batch": batch_id})
    withdrawn_flag = "coalesce(p.consent_withdrawn, false)" if "consent_withdrawn" in columns else "false"
    withdrawn = _count(con, f"""INSERT INTO consent_events
        SELECT p.pseudonym, NULL, NULL, {channel}, coalesce(CAST({wdate} AS TIMESTAMPTZ), now()), now()
        FROM persons p {join} WHERE p.batch_id = $batch AND ({withdrawn_flag} OR {wdate} IS NOT NULL)""",
                       params, {"batch": batch_id})
    return given, withdrawn


def _count(con: duckdb.DuckDBPyConnection, sql: str, lists: dict[str, object], scalars: dict[str, object]) -> int:
    """Run `sql` with its scalar parameters and the look-up lists it uses."""
    row = con.execute(sql, {**bound(sql, lists), **scalars}).fetchone()
    return int(row[0]) if row else 0
