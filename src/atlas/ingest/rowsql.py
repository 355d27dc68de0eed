"""Per-row SQL: one normalised expression and zero or more checks per mapped column.

Everything here becomes one SELECT over the source in two layers: the inner layer joins the value maps
and parses each raw value once (`pre`), the outer layer derives the stored value and the checks from
those parsed columns. Each check yields (column, rule) when it fails; failed rows are quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from atlas.ingest.columns import Assignment
from atlas.store.fields import Field

DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d")
MISSING_SQL = ("('', 'na', 'n/a', 'nan', 'none', 'null', '-', '--', '.', '..', '...', '?', 'x', 'unknown', 'inconnu', "
               "'desconocido', 'not available', 'non disponible', 'no disponible')")


@dataclass
class Column:
    """SQL for one stored field: parsed once (`pre`), then its value and its checks over `s`."""

    field: Field
    value: str
    joins: list[str] = field(default_factory=list)
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # (condition when bad, rule, source column)
    pre: dict[str, str] = field(default_factory=dict)  # inner-layer columns: name -> expression over src + joins
    area_maps: list[str] = field(default_factory=list)  # for areas: the value maps, finest first


def _present_pre(c: str) -> dict[str, str]:
    # list_contains, not IN: a long IN list becomes a mark join that drags every column of the row along
    return {f"pr_{c}": f"(s.{c} IS NOT NULL AND NOT list_contains([{MISSING_SQL[1:-1]}], lower(trim(s.{c}))))"}


def coded(fld: Field, a: Assignment, vm: str) -> Column:
    """A column resolved through its value map `vm` (codes, countries, languages, yes/no); blankness is also
    decided once per distinct value, so no row is trimmed."""
    c = a.column.name
    pre = {f"{vm}_code": f"{vm}.code", f"{vm}_ok": f"{vm}.ok", f"{vm}_blank": f"coalesce({vm}.blank, trim(s.{c}) = '')"}
    code, ok, blank = f"s.{vm}_code", f"s.{vm}_ok", f"s.{vm}_blank"
    if fld.kind == "bool":
        value = f"CASE {code} WHEN 'yes' THEN true WHEN 'no' THEN false END"
    elif fld.kind in ("country_list", "language_list"):
        value = f"CASE WHEN {ok} THEN {code} END"
    else:
        value = f"CASE WHEN s.{c} IS NULL OR {blank} THEN 'unknown' WHEN {ok} THEN {code} END"
    bad = f"(s.{c} IS NOT NULL AND NOT {blank} AND NOT coalesce({ok}, false))"
    join = f"LEFT JOIN (SELECT *, trim(raw) = '' AS blank FROM {vm}) {vm} ON {vm}.raw = s.{c}"
    return Column(fld, value, [join],
                  [(bad, f"unknown-{fld.kind if fld.kind != 'code' else fld.vocab}", c)], pre)


def area(fld: Field, assigns: list[Assignment], maps: list[str], con: object) -> Column:
    """One or several admin-level columns; each row takes its finest resolved area."""
    deepest = sorted(zip(assigns, maps, strict=True), key=lambda am: -_max_level(con, am[1]))
    joins = [f"LEFT JOIN {m} ON {m}.raw = s.{a.column.name}" for a, m in deepest]
    pre: dict[str, str] = {}
    for a, m in deepest:
        pre |= {f"{m}_pcode": f"{m}.pcode", f"{m}_adm1": f"{m}.adm1", f"{m}_adm2": f"{m}.adm2",
                **_present_pre(a.column.name)}
    checks = [(f"(s.pr_{a.column.name} AND s.{m}_pcode IS NULL)", "unknown-area", a.column.name) for a, m in deepest]
    value = "coalesce(" + ", ".join(f"s.{m}_pcode" for _, m in deepest) + ")"
    return Column(fld, value, joins, checks, pre, area_maps=[m for _, m in deepest])


def _max_level(con: object, table: str) -> int:
    row = con.execute(f"SELECT coalesce(max(level), 0) FROM {table}").fetchone()  # type: ignore[attr-defined]
    return int(row[0]) if row else 0


def _numeric(c: str) -> str:
    """Plain numbers cast directly; otherwise footnote stars and spaces go, 1,234,567 is thousands and
    12,5 a decimal comma (the slow path runs only on values the fast cast refused)."""
    t = f"regexp_replace(trim(s.{c}), '[\\s*\u00a0]', '', 'g')"
    slow = (f"TRY_CAST(CASE WHEN regexp_matches({t}, '^-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?$') THEN replace({t}, ',', '') "
            f"ELSE replace({t}, ',', '.') END AS DOUBLE)")
    return f"coalesce(TRY_CAST(s.{c} AS DOUBLE), {slow})"


def number(fld: Field, a: Assignment, *, integer: bool, today: date) -> Column:
    c = a.column.name
    p = f"s.p_{fld.name}"
    pre = {f"p_{fld.name}": _numeric(c), **_present_pre(c)}
    hi = today.year if fld.kind == "year" else fld.max
    checks = [(f"(s.pr_{c} AND {p} IS NULL)", "not-a-number", c)]
    lo_hi = []
    if fld.min is not None:
        lo_hi.append(f"{p} < {fld.min}")
    if hi is not None:
        lo_hi.append(f"{p} > {hi}")
    if integer:
        lo_hi.append(f"{p} <> floor({p})")
    if lo_hi:
        rule = "future-year" if fld.kind == "year" else ("impossible-age" if fld.name == "age" else "out-of-range")
        checks.append((f"({p} IS NOT NULL AND ({' OR '.join(lo_hi)}))", rule, c))
    value = f"CAST(CASE WHEN {' OR '.join(lo_hi) or 'false'} THEN NULL ELSE {p} END AS {fld.sql})" if integer else p
    return Column(fld, value, [], checks, pre)


def day(fld: Field, a: Assignment, *, today: date, fmt: str | None) -> Column:
    c = a.column.name
    formats = ", ".join(f"'{f}'" for f in ((fmt,) if fmt else DATE_FORMATS))
    parsed = f"CAST(try_strptime(trim(s.{c}), [{formats}]) AS DATE)"
    if not fmt:
        parsed = f"coalesce(TRY_CAST(trim(s.{c}) AS DATE), {parsed})"
    p = f"s.p_{fld.name}"
    checks = [
        (f"(s.pr_{c} AND {p} IS NULL)", "bad-date", c),
        (f"({p} > DATE '{today.isoformat()}')", "future-date", c),
        (f"({p} < DATE '1900-01-01')", "out-of-range", c),
    ]
    return Column(fld, p, [], checks, {f"p_{fld.name}": parsed, **_present_pre(c)})


def text(fld: Field, a: Assignment) -> Column:
    c = a.column.name
    return Column(fld, f"nullif(trim(s.{c}), '')")


def record_id(fld: Field, a: Assignment) -> Column:
    """The source's record id, stored as the person's pseudonym (repeats are caught after staging)."""
    c = a.column.name
    return Column(fld, f"CASE WHEN nullif(trim(s.{c}), '') IS NOT NULL THEN s._pseudonym END")


def identifier(fld: Field, a: Assignment, pm: str) -> Column:
    """Source ids are stored only as keyed pseudonyms (the raw id goes to the vault); the HMAC was computed
    once per distinct id into the map `pm` (a household id repeats on every member's row)."""
    c = a.column.name
    return Column(fld, f"s.{pm}_p", [f"LEFT JOIN {pm} ON {pm}.raw = s.{c}"], [], {f"{pm}_p": f"{pm}.p"})


def pseudonym_map(name: str, a: Assignment) -> str:
    """SQL creating the temp table `name` (raw id -> pseudonym) from the distinct non-blank ids of `src`."""
    c = a.column.name
    return (f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT raw, atlas_pseudonym(trim(raw)) AS p FROM "
            f"(SELECT DISTINCT {c} AS raw FROM src WHERE nullif(trim({c}), '') IS NOT NULL)")


def text_list(fld: Field, a: Assignment) -> Column:
    c = a.column.name
    return Column(fld, f"list_filter(list_transform(string_split_regex(s.{c}, '[;,|]'), x -> trim(x)), x -> x <> '')")
