"""Throughput of pseudonymisation and vault sealing on 1M values (run by hand: python tests/privacy/bench_vault.py)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from atlas.privacy.pseudonym import pseudonymize_sql
from atlas.privacy.vault import store_identifiers
from atlas.settings import Settings
from atlas.store.keys import encode_key, new_key
from atlas.store.workspace import Workspace


def main(people: int = 250_000) -> None:
    settings = Settings(home=Path(tempfile.mkdtemp()) / "ws", master_key=encode_key(new_key()), threads=2)
    Workspace.init(settings)
    ws = Workspace.open(settings)
    with ws.connect() as con:
        pseudonymize_sql(con, ws.keys)
        t0 = time.perf_counter()
        con.execute("""CREATE TEMP TABLE src AS SELECT atlas_pseudonym('DOC' || i::VARCHAR) AS pseudonym,
            'Person Name Number ' || i::VARCHAR AS name, '+1-555-' || i::VARCHAR AS phone,
            'p' || i::VARCHAR || '@example.org' AS email, 'X' || i::VARCHAR AS document_number
            FROM range(?) t(i)""", [people])
        t1 = time.perf_counter()
        n = store_identifiers(con, ws.keys, 1, con.sql("SELECT * FROM temp.src"))
        t2 = time.perf_counter()
    print(f"pseudonymised {people:,} identifiers in SQL: {t1 - t0:.2f} s")
    print(f"sealed and stored {n:,} values: {t2 - t1:.2f} s ({n / (t2 - t1):,.0f} values/s)")


if __name__ == "__main__":
    main()
