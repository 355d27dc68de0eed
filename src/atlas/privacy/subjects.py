"""Data-subject rights: access (export), erasure that survives re-ingest, and rectification."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from atlas.errors import NotFound, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.compaction import Compaction
from atlas.privacy.consent import consent_history
from atlas.privacy.pseudonym import is_pseudonym, pseudonym
from atlas.privacy.retention import compact_store, verify_erased
from atlas.privacy.usage import usage_of_batches
from atlas.privacy.vault import VaultTampered, _entries, _open, find_subjects, store_identifiers
from atlas.store.fields import IDENTIFIER_FIELDS, PERSON_FIELDS, record_id_sql
from atlas.store.tx import begin

RECTIFIABLE = frozenset(f.name for f in PERSON_FIELDS) - {"record_id"}
_HEX = re.compile(r"^[0-9a-f]{64}$")


def _actor(ws: Any, con: duckdb.DuckDBPyConnection, actor: Actor | None) -> Actor:
    from atlas.privacy.users import actor_for

    return actor or actor_for(con, ws.settings.user)


def resolve(con: duckdb.DuckDBPyConnection, keys: Any, subject: str) -> str:
    """The person's pseudonym from a pseudonym, the identifier ingest pseudonymised, or any vault identifier.

    Vault identifiers (name, phone, document number...) are matched through their keyed look-up tags,
    without decrypting anything; a value shared by several people is refused as ambiguous.
    """
    held = "SELECT 1 FROM persons WHERE pseudonym = $1 UNION ALL SELECT 1 FROM vault WHERE pseudonym = $1 LIMIT 1"
    if is_pseudonym(subject) and con.execute(held, [subject]).fetchone():
        return subject
    direct = pseudonym(keys, subject)
    if con.execute(held, [direct]).fetchone():
        return direct
    found = find_subjects(con, keys, subject)
    if len(found) > 1:
        raise RejectedInput(f"{len(found)} people share this identifier; give their pseudonym or another identifier.")
    return found[0] if found else direct


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def export_subject(ws: Any, subject: str, actor: Actor | None = None) -> dict[str, Any]:
    """Everything held on one person: records, decrypted identifiers, consents, where their data was used."""
    with ws.connect() as con:
        who = _actor(ws, con, actor)
        authorize(who, "subject_rights", {"id": subject}, con=con)
        p = resolve(con, ws.keys, subject)
        cur = con.execute(f"SELECT * REPLACE ({record_id_sql('persons')} AS record_id) FROM persons "
                          "WHERE pseudonym = ? ORDER BY batch_id, source_row", [p])
        cols = [d[0] for d in cur.description]
        records = [{c: _jsonable(v) for c, v in zip(cols, r, strict=True) if v is not None} for r in cur.fetchall()]
        vault: dict[str, Any] = {}
        for entry in _entries(con, p, None):
            try:
                vault[entry[1]] = _open(ws.keys, entry)
            except VaultTampered as exc:
                vault[entry[1]] = {"error": exc.message}
        if not records and not vault:
            raise NotFound("No data is held on this person.")
        batches = sorted({r["batch_id"] for r in records})
        log_event(con, who.name, "subject.export", p, "oversight", {"records": len(records), "fields": sorted(vault)},
                  keys=ws.keys)
        sign_head(con, ws.keys)
        return {"pseudonym": p, "records": records, "identifiers": vault,
                "consents": [{k: _jsonable(v) for k, v in c.items()} for c in consent_history(con, p)],
                "batches": batches, "used_in": [{k: _jsonable(v) for k, v in u.items()}
                                                for u in usage_of_batches(con, batches)]}


@dataclass
class Erasure:
    pseudonym: str
    persons: int = 0
    vault: int = 0
    consent_events: int = 0
    quarantine: int = 0
    issues: int = 0
    rows_digest: str = ""
    compaction: Compaction | None = None
    problems: list[str] = field(default_factory=list)


def row_hashes(con: duckdb.DuckDBPyConnection, p: str) -> list[str]:
    """Identifier-free fingerprints of the source rows holding a person: sha256(file sha256 ':' row number)."""
    return [r[0] for r in con.execute("""SELECT DISTINCT sha256(b.sha256 || ':' || CAST(s.source_row AS VARCHAR))
        FROM persons s JOIN batches b USING (batch_id) WHERE s.pseudonym = ? ORDER BY 1""", [p]).fetchall()]


def erase_subject(ws: Any, subject: str, actor: Actor | None = None, reason: str | None = None,
                  *, compact: bool = True) -> Erasure:
    """Erase a person everywhere, remember only their pseudonym and row hashes so re-ingest cannot restore them."""
    with ws.connect() as con:
        who = _actor(ws, con, actor)
        authorize(who, "subject_rights", {"id": subject}, con=con)
        p = resolve(con, ws.keys, subject)
        out = Erasure(p)
        hashes = row_hashes(con, p)
        out.rows_digest = hashlib.sha256("\n".join(hashes).encode()).hexdigest()
        erased_values = [r[0] for r in con.execute(
            f"SELECT DISTINCT unnest([{record_id_sql('persons')}, household_id]) FROM persons WHERE pseudonym = ?",
            [p]).fetchall() if r[0]]
        begin(con)
        out.persons = _n(con, "DELETE FROM persons WHERE pseudonym = ?", [p])
        out.vault = _n(con, "DELETE FROM vault WHERE pseudonym = ?", [p])
        out.consent_events = _n(con, "DELETE FROM consent_events WHERE pseudonym = ?", [p])
        if not is_pseudonym(subject):
            out.quarantine = _n(con, "DELETE FROM quarantine WHERE contains(CAST(raw AS VARCHAR), ?)", [subject])
            out.issues = _n(con, "DELETE FROM issues WHERE value = ?", [subject])
        con.execute("INSERT INTO erasures VALUES (?, ?, now(), ?, ?)", [p, out.rows_digest, who.name, reason])
        if hashes:
            con.execute("INSERT OR IGNORE INTO erased_rows SELECT unnest(?::VARCHAR[]), now()", [hashes])
        con.execute("COMMIT")
        log_event(con, who.name, "subject.erase", p, "oversight",
                  {"persons": out.persons, "vault": out.vault, "reason": reason}, keys=ws.keys)
        sign_head(con, ws.keys)
    if compact:
        out.compaction = compact_store(ws)
        out.problems = verify_erased(ws, [p, *erased_values])
    return out


def _n(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> int:
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def erased_pseudonyms_filter(con: duckdb.DuckDBPyConnection, pseudonym_column: str = "pseudonym", *,
                             file_sha256: str | None = None, row_column: str | None = None) -> str:
    """SQL condition keeping only rows of people who were NOT erased (ingest puts it in its WHERE clause).

    With the file's sha256 and the source row column it also drops erased rows that carry no pseudonym.
    """
    for name in (pseudonym_column, row_column):
        if name is not None and not name.isidentifier():
            raise RejectedInput(f"Invalid column name {name!r}.")
    if file_sha256 is not None and not _HEX.match(file_sha256):
        raise RejectedInput("file_sha256 must be 64 lowercase hex characters.")
    if not con.execute("SELECT 1 FROM erasures LIMIT 1").fetchone():
        return "TRUE"
    cond = f"NOT EXISTS (SELECT 1 FROM erasures e WHERE e.pseudonym = {pseudonym_column})"
    if file_sha256 and row_column:
        cond += (f" AND NOT EXISTS (SELECT 1 FROM erased_rows r WHERE r.row_hash = "
                 f"sha256('{file_sha256}:' || CAST({row_column} AS VARCHAR)))")
    return cond


def rectify_subject(ws: Any, subject: str, changes: dict[str, Any], actor: Actor | None = None) -> dict[str, int]:
    """Correct a person's record fields and/or identifiers (re-encrypted); audited without the values."""
    record = {k: v for k, v in changes.items() if k in RECTIFIABLE}
    idents = {k: v for k, v in changes.items() if k not in RECTIFIABLE}
    unknown = [k for k in idents if k not in IDENTIFIER_FIELDS and not k.isidentifier()]
    if unknown:
        raise RejectedInput(f"Cannot rectify unknown fields: {', '.join(unknown)}.")
    with ws.connect() as con:
        who = _actor(ws, con, actor)
        authorize(who, "subject_rights", {"id": subject}, con=con)
        p = resolve(con, ws.keys, subject)
        done = {"records": 0, "identifiers": 0}
        for name, value in record.items():
            done["records"] = _n(con, f"UPDATE persons SET {name} = ? WHERE pseudonym = ?", [value, p])
        if idents:
            batch = con.execute("SELECT max(batch_id) FROM vault WHERE pseudonym = ?", [p]).fetchone()
            for name in idents:
                con.execute("DELETE FROM vault WHERE pseudonym = ? AND field = ?", [p, name])
            table = pa.table({"pseudonym": [p], **{k: [None if v is None else str(v)] for k, v in idents.items()}})
            done["identifiers"] = store_identifiers(con, ws.keys, batch[0] if batch else None, table)
        if not done["records"] and not done["identifiers"] and record:
            raise NotFound("No record of this person to rectify.")
        log_event(con, who.name, "subject.rectify", p, "oversight", {"fields": sorted(changes)}, keys=ws.keys)
        sign_head(con, ws.keys)
        return done
