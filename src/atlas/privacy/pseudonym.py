"""Keyed pseudonyms: HMAC-SHA256 with the workspace's pseudonym key, identical in Python and in SQL.

Records and vault entries meet only through this pseudonym. Without the key nobody can recompute it
from a name or document number, and the same person gets the same pseudonym in every batch.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import duckdb

from atlas.store.keys import Keys, derive

MACRO = "atlas_pseudonym"
LOOKUP_MACRO = "atlas_vault_lookup"
_BLOCK = 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def pseudonym(keys: Keys, value: str) -> str:
    """The pseudonym of one identifier value (for single look-ups: subject requests, consent events)."""
    return hmac.new(keys.pseudonym_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def is_pseudonym(text: str) -> bool:
    return bool(_HEX64.match(text))


def _pads(key: bytes) -> tuple[str, str]:
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in padded).hex(), bytes(b ^ 0x5C for b in padded).hex()


def _hmac_sql(key: bytes, message_sql: str) -> str:
    """SQL computing HMAC-SHA256 hex of `message_sql` (a VARCHAR expression) under `key`."""
    ipad, opad = _pads(key)
    return f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode({message_sql}))))"


def pseudonymize_sql(con: duckdb.DuckDBPyConnection, keys: Keys) -> None:
    """Register the TEMP macro `atlas_pseudonym(x)`: HMAC-SHA256 hex of a VARCHAR, vectorised in DuckDB.

    HMAC(k, m) = SHA256((k ^ opad) || SHA256((k ^ ipad) || m)). The macro is temporary, so the key lives
    only in this connection's memory and never in the workspace catalog.
    """
    con.execute(f"CREATE OR REPLACE TEMP MACRO {MACRO}(x) AS {_hmac_sql(keys.pseudonym_key, 'CAST(x AS VARCHAR)')}")


def lookup_sql(con: duckdb.DuckDBPyConnection, keys: Keys) -> None:
    """Register `atlas_vault_lookup(field, x)`: a keyed tag of a normalised identifier, for exact look-ups.

    Normalised = lower case, accents and every character that is not a letter, digit or @ removed, so
    "+509 5555-0101" and "50955550101", or "Amína Séfu" and "amina sefu", find the same person.
    """
    norm = "regexp_replace(lower(strip_accents(CAST(x AS VARCHAR))), '[^\\pL\\pN@]+', '', 'g')"
    con.execute(f"CREATE OR REPLACE TEMP MACRO {LOOKUP_MACRO}(field, x) AS "
                f"{_hmac_sql(derive(keys.secret, 'vault-lookup'), f'field || chr(0) || {norm}')}")
