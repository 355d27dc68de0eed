from __future__ import annotations

import hashlib
import hmac

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.privacy.pseudonym import is_pseudonym, pseudonym, pseudonymize_sql
from atlas.store.keys import DataKey, Keys, new_key

KEYS = Keys({1: DataKey(1, new_key())}, 1, new_key())
CON = duckdb.connect()
pseudonymize_sql(CON, KEYS)


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_sql_macro_equals_python_hmac(value: str) -> None:
    got = CON.execute("SELECT atlas_pseudonym(?)", [value]).fetchone()[0]
    assert got == hmac.new(KEYS.pseudonym_key, value.encode(), hashlib.sha256).hexdigest() == pseudonym(KEYS, value)


def test_macro_is_vectorised_null_safe_and_keyed() -> None:
    con = duckdb.connect()
    pseudonymize_sql(con, KEYS)
    rows = con.execute("SELECT atlas_pseudonym('id' || i::VARCHAR) FROM range(1000) t(i)").fetchall()
    assert len({r[0] for r in rows}) == 1000 and all(is_pseudonym(r[0]) for r in rows)
    assert con.execute("SELECT atlas_pseudonym(NULL)").fetchone()[0] is None
    other = Keys({1: DataKey(1, new_key())}, 1, new_key())
    assert pseudonym(other, "id1") != pseudonym(KEYS, "id1")


def test_macro_is_temporary_so_the_key_never_reaches_the_catalog(ws) -> None:
    with ws.connect() as con:
        pseudonymize_sql(con, ws.keys)
        macros = con.execute("SELECT database_name FROM duckdb_functions() WHERE function_name = 'atlas_pseudonym'")
        assert {r[0] for r in macros.fetchall()} == {"temp"}
