"""Per-row SQL: one normalised expression and zero or more checks per mapped column.

Everything here becomes one SELECT over the source, so a row is read once and every check is a
vectorised expression. Each check yields (column, rule) when it fails; failed rows are quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from atlas.ingest.columns import Assignment
from atlas.store.fields import Field

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d")
MISSING_SQL = ("('', 'na', 'n/a', 'nan', 'none', 'null', '-', '--', '.', '..', '...', '?', 'x', 'unknown', 'inconnu', "
               "'desconocido', 'not available', 'non disponible', 'no disponible')")


@dataclass
class Column:
    """SQL for one stored field: its value, the joins it needs, and its checks."""

    field: Field
    value: str
    joins: list[str] = field(default_factory=list)
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # (condition when bad, rule, source column)
    area_maps: list[str] = field(default_factory=list)  # for areas: the value maps, finest first


def _present(col: str) -> str:
    return f"(s.{col} IS NOT NULL AND lower(trim(s.{col})) NOT IN {MISSING_SQL})"


def coded(fld: Field, a: Assignment, vm: str) -> Column:
    """A column resolved through its value map `vm` (codes, countries, languages, yes/no)."""
    c = a.column.name
    join = f"LEFT JOIN {vm} ON {vm}.raw = s.{c}"
    if fld.kind == "bool":
        value = f"CASE {vm}.code WHEN 'yes' THEN true WHEN 'no' THEN false END"
    elif fld.kind in ("country_list", "language_list"):
        value = f"CASE WHEN {vm}.ok THEN {vm}.code END"
    else:
        value = f"CASE WHEN s.{c} IS NULL OR trim(s.{c}) = '' THEN 'unknown' WHEN {vm}.ok THEN {vm}.code END"
    bad = f"(s.{c} IS NOT NULL AND trim(s.{c}) <> '' AND NOT coalesce({vm}.ok, false))"
    return Column(fld, value, [join], [(bad, f"unknown-{fld.kind if fld.kind != 'code' else fld.vocab}", c)])


def area(fld: Field, assigns: list[Assignment], maps: list[str], con: object) -> Column:
    """One or several admin-level columns; each row takes its finest resolved area."""
    deepest = sorted(zip(assigns, maps, strict=True),
                     key=lambda am: -_max_level(con, am[1]))
    joins = [f"LEFT JOIN {m} ON {m}.raw = s.{a.column.name}" for a, m in deepest]
    checks = [(f"({_present(a.column.name)} AND {m}.pcode IS NULL)", "unknown-area", a.column.name) for a, m in deepest]
    value = "coalesce(" + ", ".join(f"{m}.pcode" for _, m in deepest) + ")"
    return Column(fld, value, joins, checks, area_maps=[m for _, m in deepest])


def _max_level(con: object, table: str) -> int:
    row = con.execute(f"SELECT coalesce(max(level), 0) FROM {table}").fetchone()  # type: ignore[attr-defined]
    return int(row[0]) if row else 0


def _numeric_text(c: str) -> str:
    """Footnote stars and spaces dropped; 1,234,567 is thousands, 12,5 is a decimal comma."""
    t = f"regexp_replace(trim(s.{c}), '[\\s*\u00a0]', '', 'g')"
    return (f"CASE WHEN regexp_matches({t}, '^-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?$') THEN replace({t}, ',', '') "
            f"ELSE replace({t}, ',', '.') END")


def number(fld: Field, a: Assignment, *, integer: bool, today: date) -> Column:
    c = a.column.name
    cast = f"TRY_CAST({_numeric_text(c)} AS DOUBLE)"
    hi = today.year if fld.kind == "year" else fld.max
    checks = [(f"({_present(c)} AND {cast} IS NULL)", "not-a-number", c)]
    lo_hi = []
    if fld.min is not None:
        lo_hi.append(f"{cast} < {fld.min}")
    if hi is not None:
        lo_hi.append(f"{cast} > {hi}")
    if integer:
        lo_hi.append(f"{cast} <> floor({cast})")
    if lo_hi:
        rule = "future-year" if fld.kind == "year" else ("impossible-age" if fld.name == "age" else "out-of-range")
        checks.append((f"({cast} IS NOT NULL AND ({' OR '.join(lo_hi)}))", rule, c))
    value = f"CAST({cast} AS {fld.sql})" if integer else cast
    return Column(fld, value, [], checks)


def day(fld: Field, a: Assignment, *, today: date, fmt: str | None) -> Column:
    c = a.column.name
    formats = ", ".join(f"'{f}'" for f in ((fmt,) if fmt else DATE_FORMATS))
    parsed = f"CAST(try_strptime(trim(s.{c}), [{formats}]) AS DATE)"
    checks = [
        (f"({_present(c)} AND {parsed} IS NULL)", "bad-date", c),
        (f"({parsed} > DATE '{today.isoformat()}')", "future-date", c),
        (f"({parsed} < DATE '1900-01-01')", "out-of-range", c),
    ]
    return Column(fld, parsed, [], checks)


def text(fld: Field, a: Assignment) -> Column:
    c = a.column.name
    return Column(fld, f"nullif(trim(s.{c}), '')")


def identifier(fld: Field, a: Assignment) -> Column:
    """Source ids are stored only as keyed pseudonyms (the raw id goes to the vault)."""
    c = a.column.name
    return Column(fld, f"CASE WHEN nullif(trim(s.{c}), '') IS NOT NULL THEN atlas_pseudonym(trim(s.{c})) END")


def text_list(fld: Field, a: Assignment) -> Column:
    c = a.column.name
    return Column(fld, f"list_filter(list_transform(string_split_regex(s.{c}, '[;,|]'), x -> trim(x)), x -> x <> '')")
