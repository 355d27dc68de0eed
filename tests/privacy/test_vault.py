from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.errors import NotFound, PolicyRefused
from atlas.privacy.access import Actor
from atlas.privacy.pseudonym import pseudonym
from atlas.privacy.schema import migrate
from atlas.privacy.vault import VaultTampered, erase, open_fields, reseal, reveal, store_identifiers
from atlas.store.keys import DataKey, Keys, new_key

STEWARD = Actor("stew", frozenset({"steward"}))
ANALYST = Actor("ana", frozenset({"analyst"}))


def _people(keys: Keys, n: int) -> pa.Table:
    return pa.table({
        "pseudonym": [pseudonym(keys, f"doc-{i}") for i in range(n)],
        "name": [f"Zyxwadottir Qelbani {i:05d}" for i in range(n)],
        "phone": [f"+99-555-{i:07d}" if i % 3 else None for i in range(n)],
        "document_number": [f"PXQ{i:08d}" for i in range(n)],
    })


def test_no_identifier_in_plaintext_in_any_workspace_file(ws, scan) -> None:
    table = _people(ws.keys, 3000)
    with ws.connect() as con:
        assert store_identifiers(con, ws.keys, 1, table) == 3000 + 2000 + 3000
        con.execute("CHECKPOINT")
    needles = [table["name"][i].as_py() for i in (0, 1, 1500, 2999)] + ["PXQ00000007", "+99-555-0000001"]
    needles += [table["pseudonym"][0].as_py()[:32]]  # even the pseudonym is not readable from the file
    assert scan(ws.home, needles) == {}


def test_store_accepts_a_duckdb_relation_and_reveal_round_trips(ws) -> None:
    with ws.connect() as con:
        rel = con.sql("SELECT 'p1' AS pseudonym, 'Ana Lima' AS name, 42 AS contact")
        assert store_identifiers(con, ws.keys, 7, rel) == 2
        assert reveal(con, ws.keys, "p1", STEWARD, "consular_assistance") == {"contact": "42", "name": "Ana Lima"}
        audit = con.execute("SELECT actor, action, object, purpose FROM audit_log").fetchall()
        assert ("stew", "vault.reveal", "p1", "consular_assistance") in audit


def test_open_fields_gives_the_latest_of_the_asked_fields_only(ws) -> None:
    table = _people(ws.keys, 3)
    first = table["pseudonym"][0].as_py()
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, table)
        store_identifiers(con, ws.keys, 2, pa.table({"pseudonym": [first], "phone": ["+99-555-9999999"]}))
        got = open_fields(con, ws.keys, first, ("phone", "name", "email"))
        assert got == {"name": "Zyxwadottir Qelbani 00000", "phone": "+99-555-9999999"}
        assert open_fields(con, ws.keys, "nobody", ["name"]) == {}


def test_tampered_entry_fails_alone(ws) -> None:
    table = _people(ws.keys, 5)
    a, b = table["pseudonym"][0].as_py(), table["pseudonym"][1].as_py()
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, table)
        con.execute("UPDATE vault SET ciphertext = ('x'::BLOB || ciphertext[2:]) WHERE pseudonym = ? AND field = 'name'",
                    [a])
        with pytest.raises(VaultTampered, match="'name'.*fails authentication"):
            reveal(con, ws.keys, a, STEWARD, "statistics")
        assert reveal(con, ws.keys, a, STEWARD, "statistics", fields=["document_number"]) == {
            "document_number": "PXQ00000000"}
        assert reveal(con, ws.keys, b, STEWARD, "statistics")["name"] == "Zyxwadottir Qelbani 00001"


def test_swapped_ciphertext_between_people_fails(ws) -> None:
    table = _people(ws.keys, 2)
    a, b = table["pseudonym"][0].as_py(), table["pseudonym"][1].as_py()
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, table)
        con.execute("""UPDATE vault SET nonce = s.nonce, ciphertext = s.ciphertext FROM
            (SELECT nonce, ciphertext FROM vault WHERE pseudonym = ? AND field = 'name') s
            WHERE vault.pseudonym = ? AND vault.field = 'name'""", [b, a])
        with pytest.raises(VaultTampered):
            reveal(con, ws.keys, a, STEWARD, "statistics", fields=["name"])


def test_wrong_keys_cannot_open_the_vault(ws) -> None:
    table = _people(ws.keys, 2)
    wrong = Keys({1: DataKey(1, new_key())}, 1, ws.keys.secret)
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, table)
        with pytest.raises(VaultTampered):
            reveal(con, wrong, table["pseudonym"][0].as_py(), STEWARD, "statistics")


def test_analyst_cannot_read_the_vault_and_the_attempt_is_audited(ws) -> None:
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, _people(ws.keys, 1))
        with pytest.raises(PolicyRefused, match="read_vault"):
            reveal(con, ws.keys, pseudonym(ws.keys, "doc-0"), ANALYST, "statistics")
        assert con.execute("SELECT actor, action FROM audit_log").fetchall() == [("ana", "access.refused")]


def test_unknown_purpose_refused_and_erase(ws) -> None:
    p = pseudonym(ws.keys, "doc-0")
    with ws.connect() as con:
        store_identifiers(con, ws.keys, 1, _people(ws.keys, 1))
        with pytest.raises(PolicyRefused, match="controlled list"):
            reveal(con, ws.keys, p, STEWARD, "curiosity")
        assert erase(con, p) == 2  # doc-0 has no phone
        with pytest.raises(NotFound):
            reveal(con, ws.keys, p, STEWARD, "statistics")


def test_reseal_moves_entries_to_the_active_key(ws) -> None:
    old = ws.keys
    with ws.connect() as con:
        store_identifiers(con, old, 1, _people(old, 3))
        both = Keys({**old.data_keys, 2: DataKey(2, new_key())}, 2, old.secret)
        assert reseal(con, both) == 8
        only_new = Keys({2: both.data_keys[2]}, 2, old.secret)
        assert reveal(con, only_new, pseudonym(old, "doc-2"), STEWARD, "statistics")["phone"] == "+99-555-0000002"


@given(st.lists(st.tuples(st.text(min_size=1, max_size=30), st.text(max_size=60)), min_size=1, max_size=30,
                unique_by=lambda t: t[0]))
@settings(max_examples=40, deadline=None)
def test_any_text_round_trips(pairs: list[tuple[str, str]]) -> None:
    keys = Keys({1: DataKey(1, new_key())}, 1, new_key())
    con = duckdb.connect()
    migrate(con)
    store_identifiers(con, keys, 1, pa.table({"pseudonym": [p for p, _ in pairs], "address": [v for _, v in pairs]}))
    for p, v in pairs:
        if v:
            assert reveal(con, keys, p, STEWARD, "statistics") == {"address": v}
        else:
            assert con.execute("SELECT count(*) FROM vault WHERE pseudonym = ?", [p]).fetchone()[0] == 0
