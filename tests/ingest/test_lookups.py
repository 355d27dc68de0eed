"""ENUM look-ups of value maps: the same values and checks as the joins they replace, for any raw text."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.ingest.lookups import Lookup, area_lookup, bound, build_lookup, coded_lookup
from atlas.ingest.rowsql import MISSING_SQL

_CODED = {"male": ("m", True), "F": ("f", True), " ": (None, True), "": (None, True), "n/a": ("unknown", True),
          "zz": (None, False), "it's'); DROP TABLE t; --": (None, False), "Ünïcødé": ("u", True)}


def _map(con: duckdb.DuckDBPyConnection, name: str, rows: dict[str, tuple[object, bool | None]],
         code_type: pa.DataType | None = None) -> None:
    con.register("m_in", pa.table({"raw": pa.array(list(rows), pa.string()),
                                   "code": pa.array([c for c, _ in rows.values()], code_type or pa.string()),
                                   "ok": pa.array([ok for _, ok in rows.values()], pa.bool_())}))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM m_in")
    con.unregister("m_in")


def _apply(con: duckdb.DuckDBPyConnection, lk: Lookup, values: list[str | None], attribute: str = "value") -> list[tuple]:
    con.register("rows_in", pa.table({"c": pa.array(values, pa.string()), "i": pa.array(range(len(values)))}))
    key = lk.key("c")
    sql = f"SELECT c, {lk.at(attribute, key)}, {lk.bad(key)} FROM rows_in ORDER BY i"
    try:
        return con.execute(sql, bound(sql, lk.params)).fetchall()
    finally:
        con.unregister("rows_in")


def _joined(con: duckdb.DuckDBPyConnection, table: str, values: list[str | None]) -> list[tuple]:
    """The join this module replaces (rowsql before ENUM look-ups), as the reference."""
    con.register("rows_in", pa.table({"c": pa.array(values, pa.string()), "i": pa.array(range(len(values)))}))
    try:
        return con.execute(f"""
            SELECT c, CASE WHEN c IS NULL OR coalesce(m.blank, trim(c) = '') THEN 'unknown' WHEN m.ok THEN m.code END,
                   (c IS NOT NULL AND NOT coalesce(m.blank, trim(c) = '') AND NOT coalesce(m.ok, false))
            FROM rows_in LEFT JOIN (SELECT *, trim(raw) = '' AS blank FROM {table}) m ON m.raw = c ORDER BY i""").fetchall()
    finally:
        con.unregister("rows_in")


def test_coded_values_and_checks_match_the_join() -> None:
    con = duckdb.connect()
    _map(con, "vm_sex", _CODED)
    lk = coded_lookup(con, "vm_sex", "code")
    values = [None, *_CODED, "male", None, "zz"]
    assert _apply(con, lk, values) == _joined(con, "vm_sex", values)
    assert [bad for _, _, bad in _apply(con, lk, values)] == [False, False, False, False, False, False, True, True,
                                                               False, False, False, True]


def test_positions_put_null_first_then_passing_then_failing_values() -> None:
    con = duckdb.connect()
    _map(con, "vm_x", _CODED)
    lk = coded_lookup(con, "vm_x", "code")
    assert lk.passing == 6
    values = lk.params["vm_x_value"]
    assert values[0] == "unknown" and values[-2:] == [None, None]


@pytest.mark.parametrize(("kind", "rows", "code_type", "expected"), [
    ("bool", {"oui": ("yes", True), "non": ("no", True), "": (None, True), "peut-être": (None, False)},
     pa.string(), [None, True, False, None, None]),
    ("country_list", {"hti;dom": (["HTI", "DOM"], True), "ven": (["VEN"], True), ";": (None, None), "xx": (None, False)},
     pa.list_(pa.string()), [None, ["HTI", "DOM"], ["VEN"], None, None]),
])
def test_yes_no_and_list_columns_keep_no_value_for_blanks(kind: str, rows: dict, code_type: pa.DataType,
                                                          expected: list[object]) -> None:
    con = duckdb.connect()
    _map(con, "vm_b", rows, code_type)
    lk = coded_lookup(con, "vm_b", kind)
    got = _apply(con, lk, [None, *rows])
    assert [value for _, value, _ in got] == expected
    assert [bad for _, _, bad in got] == [False, False, False, kind == "country_list", True]
    assert lk.types["value"] == ("BOOLEAN" if kind == "bool" else "VARCHAR[]")


def test_areas_fail_only_when_present_and_unknown() -> None:
    con = duckdb.connect()
    con.execute("""CREATE TEMP TABLE am_0 AS SELECT * FROM (VALUES
        ('HT0111', 'HT0111', 'HT01', 'HT011'), ('n/a', NULL, NULL, NULL), ('Atlantis', NULL, NULL, NULL))
        t(raw, pcode, adm1, adm2)""")
    lk = area_lookup(con, "am_0", MISSING_SQL)
    got = _apply(con, lk, ["HT0111", "n/a", "Atlantis", None], "adm1")
    assert got == [("HT0111", "HT01", False), ("n/a", None, False), ("Atlantis", None, True), (None, None, False)]


def test_a_raw_value_missing_from_the_map_fails_loudly() -> None:
    con = duckdb.connect()
    _map(con, "vm_s", {"a": ("A", True)})
    lk = coded_lookup(con, "vm_s", "code")
    with pytest.raises(duckdb.ConversionException):
        _apply(con, lk, ["b"])


def test_bound_passes_only_the_lists_a_statement_uses() -> None:
    con = duckdb.connect()
    _map(con, "vm_a", {"a": ("A", True)})
    lk = coded_lookup(con, "vm_a", "code")
    sql = f"SELECT {lk.at('value', '2')}, CAST($today AS DATE)"
    assert bound(sql, {**lk.params, "other_value": [None]}) == lk.params


def test_unsafe_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unsafe"):
        build_lookup(duckdb.connect(), "vm; DROP TABLE x", "false", {})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=12), min_size=1, max_size=12, unique=True), st.data())
def test_any_text_maps_like_the_join(raws: list[str], data: st.DataObject) -> None:
    con = duckdb.connect()
    oks = data.draw(st.lists(st.sampled_from([True, False, None]), min_size=len(raws), max_size=len(raws)))
    _map(con, "vm_h", {r: (f"code{i}" if ok else None, ok) for i, (r, ok) in enumerate(zip(raws, oks, strict=True))})
    lk = coded_lookup(con, "vm_h", "code")
    values = [None, *raws, *reversed(raws)]
    assert _apply(con, lk, values) == _joined(con, "vm_h", values)


def test_a_column_with_no_values_gets_an_empty_enum() -> None:
    con = duckdb.connect()
    _map(con, "vm_e", {})
    lk = coded_lookup(con, "vm_e", "code")
    assert lk.passing == 0
    assert _apply(con, lk, [None, None]) == [(None, "unknown", False), (None, "unknown", False)]
