"""Value maps applied without joins: a column's distinct raw values become a temp ENUM, and each row's position
in it indexes lists bound as parameters (codes, flags).

A hash join per coded column drags the whole wide row through every join; an ENUM cast is one hash probe on
the raw string and a list index, so the 25 coded columns of a person file cost a third of their joins.
Positions are ordered so that the check is an integer comparison: 1 for a NULL raw value, then the values
that pass, then the values that fail.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import duckdb

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*(\[\])*$")


@dataclass(frozen=True)
class Lookup:
    """One value map as a temp ENUM `enum` over raw values, with bound lists `<name>_<attribute>`."""

    name: str
    enum: str
    passing: int
    params: dict[str, object]
    types: dict[str, str]

    def key(self, column_sql: str) -> str:
        """The row's position: 1 for NULL, 2.. in the enum (an unknown raw value fails the cast: a bug, not data)."""
        return f"coalesce(CAST(enum_code(CAST({column_sql} AS {self.enum})) AS INTEGER) + 2, 1)"

    def at(self, attribute: str, key_sql: str) -> str:
        """The attribute of the row's raw value, given the row's position `key_sql`."""
        return f"CAST(${self.name}_{attribute} AS {self.types[attribute]}[])[{key_sql}]"

    def bad(self, key_sql: str) -> str:
        return f"({key_sql} > {self.passing + 1})"


def build_lookup(con: duckdb.DuckDBPyConnection, table: str, bad: str,
                 attributes: dict[str, tuple[str, object]]) -> Lookup:
    """Temp ENUM over `table.raw` and one list per attribute; `bad` and each attribute's expression are SQL over
    the columns of `table` (plus `blank`: the raw value is only spaces); `attributes` maps name -> (expression,
    value for a NULL raw value)."""
    for name in (table, *attributes):
        if not _NAME.match(name):
            raise ValueError(f"unsafe name {name!r}")
    enum = f"{table}_e_{uuid.uuid4().hex[:12]}"
    ordered = f"""SELECT *, row_number() OVER (ORDER BY {bad}, raw) AS pos
                  FROM (SELECT *, trim(raw) = '' AS blank FROM {table} WHERE raw IS NOT NULL)"""
    con.execute(f"CREATE TEMP TYPE {enum} AS ENUM (SELECT raw FROM ({ordered}) ORDER BY pos)")
    lists = ", ".join(f"list({expr} ORDER BY pos)" for expr, _ in attributes.values())
    row = con.execute(f"""SELECT count(*) FILTER (WHERE NOT ({bad})), list(raw ORDER BY pos)
                                 {', ' + lists if lists else ''}
                          FROM ({ordered})""").fetchone()
    if row is None:
        raise RuntimeError(f"value map {table}: no summary row")
    described = con.execute(f"DESCRIBE SELECT {', '.join(e for e, _ in attributes.values()) or 'NULL'} FROM ({ordered})")
    types = [str(r[1]) for r in described.fetchall()]
    if not all(_TYPE.match(t) for t in types):
        raise ValueError(f"unexpected attribute types {types}")
    values = con.execute(f"SELECT enum_range(NULL::{enum})").fetchone()
    if list(values[0] if values else []) != list(row[1] or []):
        raise RuntimeError(f"value map {table}: enum order differs from the map")
    params: dict[str, object] = {f"{table}_{name}": [null, *(row[2 + i] or [])]
              for i, (name, (_, null)) in enumerate(attributes.items())}
    return Lookup(table, enum, int(row[0]), params, dict(zip(attributes, types, strict=False)))


CODED_BAD = "(NOT blank AND NOT coalesce(ok, false))"
LIST_KINDS = ("country_list", "language_list")


def coded_lookup(con: duckdb.DuckDBPyConnection, table: str, kind: str, *, resolved_only: bool = False) -> Lookup:
    """A value map (raw, code, ok) of a coded column: blanks and missing markers are 'unknown' (no value for
    yes/no and lists, or with `resolved_only`), unknown values fail."""
    if resolved_only or kind in LIST_KINDS:
        value: tuple[str, object] = ("CASE WHEN ok THEN code END", None)
    elif kind == "bool":
        value = ("CASE code WHEN 'yes' THEN true WHEN 'no' THEN false END", None)
    else:
        value = ("CASE WHEN blank THEN 'unknown' WHEN ok THEN code END", "unknown")
    return build_lookup(con, table, CODED_BAD, {"value": value})


def area_lookup(con: duckdb.DuckDBPyConnection, table: str, missing_sql: str) -> Lookup:
    """An area map (raw, pcode, adm1, adm2): a present value that is no known area fails."""
    bad = f"(pcode IS NULL AND NOT list_contains([{missing_sql[1:-1]}], lower(trim(raw))))"
    return build_lookup(con, table, bad, {p: (p, None) for p in ("pcode", "adm1", "adm2")})


_PARAM = re.compile(r"CAST\(\$([a-z][a-z0-9_]*) AS [A-Z0-9_\[\]]+\)\[")


def bound(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The look-up lists `sql` uses (DuckDB refuses a statement given parameters it does not use)."""
    return {name: params[name] for name in set(_PARAM.findall(sql))}
