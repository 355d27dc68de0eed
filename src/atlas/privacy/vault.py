"""The vault: identifiers encrypted field by field (AES-256-GCM), reachable only through a pseudonym.

Each value is sealed with the active data key's vault key under a fresh 96-bit nonce; the associated
data binds the pseudonym and field name, so a ciphertext moved to another person or field fails its tag.
Identifiers are never stored in clear: sealing happens in Arrow batches before insertion; the plaintext
DuckDB sees (the chunked input, each entry's keyed look-up tag) stays in memory or in its encrypted temp files.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from atlas.errors import Issue, KeyProblem, NotFound, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.privacy.pseudonym import lookup_sql
from atlas.privacy.purposes import check_purpose
from atlas.store.keys import Keys

BATCH_ROWS = 200_000
_BUCKETS = 4096
NONCE = 12


class VaultTampered(KeyProblem):
    """A vault entry failed authentication: altered, moved to another person/field, or a wrong key."""

    code = "vault-tampered"


def _aad(pseudonym: str, field: str) -> bytes:
    return f"atlas-vault\x00{pseudonym}\x00{field}".encode()


def _reader(data: Any) -> pa.RecordBatchReader:
    if isinstance(data, pa.Table):
        return pa.RecordBatchReader.from_batches(data.schema, data.to_batches(BATCH_ROWS))
    if isinstance(data, pa.RecordBatchReader):
        return data
    raise RejectedInput(f"store_identifiers expects a DuckDB relation or Arrow data, not {type(data).__name__}.")


class _Chunks:
    """A relation materialised once (in parallel, into a temp table that spills encrypted), then handed out in
    chunks of about BATCH_ROWS rows: memory stays flat however many people a file holds. Only the writer
    thread touches the connection, so chunk reads and inserts never interleave on it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rel: duckdb.DuckDBPyRelation) -> None:
        token = uuid.uuid4().hex
        self.con, self.table, view = con, f"_atlas_vault_src_{token}", f"_atlas_vault_rel_{token}"
        self.names = list(rel.columns)
        con.register(view, rel)  # a temporary view: in server mode the default catalog is PostgreSQL
        try:
            con.execute(f"CREATE TEMP TABLE {self.table} AS SELECT *, hash(pseudonym) % {_BUCKETS} AS _chunk FROM {view}")
        finally:
            con.unregister(view)
        n = int(con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])  # type: ignore[index]
        self.count = min(_BUCKETS, max(1, -(-n // BATCH_ROWS)))

    def fetch(self, i: int) -> pa.Table:
        cols = ", ".join(f'"{n}"' for n in self.names)
        return self.con.execute(f"SELECT {cols} FROM {self.table} WHERE _chunk % ? = ?", [self.count, i]).to_arrow_table()

    def drop(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.table}")


def _binary(chunks: list[bytes]) -> pa.Array:
    """A binary Arrow array built from one joined buffer (cheaper than converting a million bytes objects)."""
    lengths = np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks))
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = pa.py_buffer(b"".join(chunks))
    if offsets[-1] >= 2**31:
        return pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(chunks), [None, pa.py_buffer(offsets), data])
    return pa.BinaryArray.from_buffers(pa.binary(), len(chunks), [None, pa.py_buffer(offsets.astype(np.int32)), data])


def _seal_column(seal: Any, pseudonyms: pa.Array, values: pa.Array, field: str) -> pa.Table:
    """Encrypt the non-empty values of one column: pseudonym, nonce, ciphertext (+ value, for the tag only)."""
    text = pc.cast(values, pa.string())
    keep = pc.fill_null(pc.and_(pc.and_(pc.is_valid(text), pc.is_valid(pseudonyms)),
                                pc.not_equal(pc.utf8_length(text), 0)), False)
    kept_ps = pseudonyms.filter(keep)
    vals = pc.cast(text.filter(keep), pa.binary()).to_pylist()
    aads = pc.binary_join_element_wise(b"atlas-vault\x00", pc.cast(kept_ps, pa.binary()), f"\x00{field}".encode(),
                                       b"").to_pylist()
    pool = os.urandom(NONCE * len(vals))
    nonces = [pool[i:i + NONCE] for i in range(0, len(pool), NONCE)]
    cts = list(map(seal, nonces, vals, aads))
    return pa.table({"pseudonym": kept_ps, "nonce": _binary(nonces), "ciphertext": _binary(cts),
                     "value": text.filter(keep)})


def _insert(con: duckdb.DuckDBPyConnection, sealed: pa.Table, params: list) -> None:
    con.register("_atlas_vault_in", sealed)
    try:
        con.execute("""INSERT INTO vault (pseudonym, field, batch_id, key_id, nonce, ciphertext, stored_at, lookup)
            SELECT pseudonym, $1, $2, $3, nonce, ciphertext, $4, atlas_vault_lookup($1, value) FROM _atlas_vault_in""",
                    params)
    finally:
        con.unregister("_atlas_vault_in")


def store_identifiers(con: duckdb.DuckDBPyConnection, keys: Keys, batch_id: int | None, data: Any) -> int:
    """Encrypt and store every identifier column of `data` (columns: pseudonym + identifiers); returns values stored.

    A relation is materialised once and read in chunks of about BATCH_ROWS rows, so memory stays flat.
    Sealing runs in this thread while one writer thread reads the next chunk and inserts the previous one
    (DuckDB releases the GIL), so encryption and storage overlap; only the writer touches the connection. Each entry
    also gets a keyed look-up tag of its normalised value (`find_subjects`); plaintext stays in memory.
    """
    names = list(data.columns) if isinstance(data, duckdb.DuckDBPyRelation) else _reader(data).schema.names
    if "pseudonym" not in names:
        raise RejectedInput("store_identifiers needs a `pseudonym` column.")
    fields = [n for n in names if n != "pseudonym"]
    for f in fields:
        if not f.isidentifier():
            raise RejectedInput(f"Identifier column name {f!r} is not a plain name.")
    key = keys.active
    seal = AESGCM(key.vault_key).encrypt
    lookup_sql(con, keys)
    if not con.execute("SELECT 1 FROM duckdb_columns() WHERE database_name = current_database() AND table_name = 'vault' "
                       "AND column_name = 'lookup'").fetchone():
        con.execute("ALTER TABLE vault ADD COLUMN lookup VARCHAR")  # stores made before look-up tags (never on PostgreSQL)
    stored, now = 0, datetime.now(UTC)
    pending: Future | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="atlas-vault") as writer:
        batches = _batches(con, data, writer)
        try:
            for batch in batches:
                pseudonyms = pc.cast(batch.column("pseudonym"), pa.string())
                for f in fields:
                    sealed = _seal_column(seal, pseudonyms, batch.column(f), f)
                    if not sealed.num_rows:
                        continue
                    if pending is not None:
                        pending.result()
                    pending = writer.submit(_insert, con, sealed, [f, batch_id, key.id, now])
                    stored += sealed.num_rows
            if pending is not None:
                pending.result()
        finally:
            batches.close()
    return stored


def _batches(con: duckdb.DuckDBPyConnection, data: Any, writer: ThreadPoolExecutor) -> Generator[Any, None, None]:
    """Arrow batches of `data`; a relation's next chunk is read on the writer thread while this one is sealed."""
    if not isinstance(data, duckdb.DuckDBPyRelation):
        yield from _reader(data)
        return
    chunks = writer.submit(_Chunks, con, data).result()
    try:
        upcoming = writer.submit(chunks.fetch, 0)
        for i in range(chunks.count):
            table = upcoming.result()
            if i + 1 < chunks.count:
                upcoming = writer.submit(chunks.fetch, i + 1)
            yield table
    finally:
        writer.submit(chunks.drop).result()


def _open(keys: Keys, row: tuple) -> str:
    pseudonym, field, key_id, nonce, ciphertext = row
    dk = keys.data_keys.get(key_id)
    if dk is None:
        raise VaultTampered(f"Vault entry {field!r} of {pseudonym[:12]}… is sealed with data key #{key_id}, "
                            "which this workspace no longer holds.",
                            issues=[Issue("vault-key-missing", "data key not held", column=field)])
    try:
        return AESGCM(dk.vault_key).decrypt(bytes(nonce), bytes(ciphertext), _aad(pseudonym, field)).decode()
    except InvalidTag as exc:
        raise VaultTampered(
            f"Vault entry {field!r} of {pseudonym[:12]}… fails authentication: it was altered, moved from "
            "another person or field, or the key is wrong. Other entries are unaffected.",
            issues=[Issue("vault-tag-failed", "authentication tag failed", column=field)],
        ) from exc


def _entries(con: duckdb.DuckDBPyConnection, pseudonym: str, fields: list[str] | None) -> list[tuple]:
    """Latest entry per field for one pseudonym."""
    rows = con.execute("""SELECT pseudonym, field, key_id, nonce, ciphertext FROM vault WHERE pseudonym = ?
        QUALIFY row_number() OVER (PARTITION BY field ORDER BY stored_at DESC, batch_id DESC NULLS LAST) = 1
        ORDER BY field""", [pseudonym]).fetchall()
    return [r for r in rows if fields is None or r[1] in fields]


def open_fields(con: duckdb.DuckDBPyConnection, keys: Keys, pseudonym: str, fields: list[str] | tuple[str, ...]
                ) -> dict[str, str]:
    """The latest value of each of `fields` held for a pseudonym (absent fields are left out).

    For services whose own gate has already authorised and audited the release (e.g. consent-gated
    focal-point contacts); people-facing reveals go through `reveal`, which checks `read_vault`.
    """
    return {r[1]: _open(keys, r) for r in _entries(con, pseudonym, list(fields))}


def reveal(con: duckdb.DuckDBPyConnection, keys: Keys, pseudonym: str, actor: Actor, purpose: str,
           fields: list[str] | None = None) -> dict[str, str]:
    """Decrypt one person's identifiers for a stated purpose; authorised, then audited before decryption."""
    authorize(actor, "read_vault", {"id": pseudonym}, con=con)
    check_purpose(purpose)
    rows = _entries(con, pseudonym, fields)
    if not rows:
        raise NotFound("No vault entries for this pseudonym.")
    log_event(con, actor.name, "vault.reveal", pseudonym, purpose, {"fields": [r[1] for r in rows]}, keys=keys)
    return {r[1]: _open(keys, r) for r in rows}


def find_subjects(con: duckdb.DuckDBPyConnection, keys: Keys, value: str, field: str | None = None) -> list[str]:
    """Pseudonyms whose identifier (any field, or `field`) equals `value` after normalisation; no decryption."""
    lookup_sql(con, keys)
    rows = con.execute("""WITH q AS (SELECT field, atlas_vault_lookup(field, $1) AS tag FROM
            (SELECT DISTINCT field FROM vault WHERE $2 IS NULL OR field = $2))
        SELECT DISTINCT v.pseudonym FROM vault v JOIN q ON v.field = q.field AND v.lookup = q.tag ORDER BY 1""",
                       [value, field]).fetchall()
    return [r[0] for r in rows]


def erase(con: duckdb.DuckDBPyConnection, pseudonym: str) -> int:
    """Delete every vault entry of a pseudonym (bytes disappear from disk at the next compaction)."""
    row = con.execute("SELECT count(*) FROM vault WHERE pseudonym = ?", [pseudonym]).fetchone()
    con.execute("DELETE FROM vault WHERE pseudonym = ?", [pseudonym])
    return int(row[0]) if row else 0


def reseal(con: duckdb.DuckDBPyConnection, keys: Keys) -> int:
    """Re-encrypt entries sealed with a non-active data key (call during data-key rotation, before retiring)."""
    seal, active = AESGCM(keys.active.vault_key).encrypt, keys.active
    rows = con.execute("SELECT pseudonym, field, key_id, nonce, ciphertext FROM vault WHERE key_id <> ?",
                       [active.id]).fetchall()
    if not rows:
        return 0
    out = []
    for pseudonym, field, key_id, nonce, ct in rows:
        value = _open(keys, (pseudonym, field, key_id, nonce, ct)).encode()
        fresh = os.urandom(NONCE)
        out.append((bytes(nonce), fresh, seal(fresh, value, _aad(pseudonym, field))))
    # Entries are matched by their old random nonce, not rowid: PostgreSQL tables have no rowid (server mode).
    table = pa.table({"old": pa.array([r[0] for r in out], pa.binary()), "nonce": pa.array([r[1] for r in out], pa.binary()),
                      "ct": pa.array([r[2] for r in out], pa.binary())})
    con.register("_atlas_reseal", table)
    try:
        con.execute("UPDATE vault SET key_id = ?, nonce = r.nonce, ciphertext = r.ct FROM _atlas_reseal r "
                    "WHERE vault.nonce = r.old AND vault.key_id <> ?", [active.id, active.id])
    finally:
        con.unregister("_atlas_reseal")
    return len(out)
