"""Wide sources: headers such as "males / 2020" become rows with sex and period, so tables stay long."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from atlas.errors import Issue, RejectedInput
from atlas.ingest.mapping import Mapping
from atlas.ingest.readers.source import ROW_COLUMN, SourceColumn


@dataclass(frozen=True)
class Melted:
    columns: list[SourceColumn]
    groups: list[str]
    melted: int


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def melt(con: duckdb.DuckDBPyConnection, columns: list[SourceColumn], mapping: Mapping, file: str) -> Melted:
    """Turn view `src` into its long form; returns the new column list (wide columns gone, group columns added)."""
    rule = mapping.wide
    assert rule is not None
    try:
        rx = re.compile(rule.pattern)
    except re.error as exc:
        raise RejectedInput(f"wide.pattern is not a valid regex: {exc}") from exc
    groups = list(rx.groupindex)
    hits = [(c, m) for c in columns if (m := rx.search(c.original))]
    if not hits:
        raise RejectedInput("No header matches wide.pattern.", issues=[
            Issue("wide-no-match", f"pattern {rule.pattern!r} matched no header", file=file)])
    keep = [c for c in columns if c not in {h for h, _ in hits}]
    parts = []
    for col, m in hits:
        fixed = ", ".join(f"{_lit(rule.values.get(g, {}).get(m.group(g), m.group(g)))} AS w_{g}" for g in groups)
        base = ", ".join(f"s.{c.name}" for c in keep)
        parts.append(f"SELECT s.{ROW_COLUMN}, {base}{', ' if keep else ''}{fixed}{', ' if groups else ''}"
                     f"s.{col.name} AS w_value FROM src_wide s")
    _restack(con, "src_wide", " UNION ALL ".join(parts))
    new = [c for c in keep if c.name != ROW_COLUMN]
    new += [SourceColumn(f"w_{g}", g) for g in groups]
    new.append(SourceColumn("w_value", rule.field))
    return Melted(new, groups, len(hits))


def _restack(con: duckdb.DuckDBPyConnection, placeholder: str, sql: str) -> None:
    """Define a new top layer as `sql` over the current one (named by `placeholder`) and point `src` at it."""
    row = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'src_layer_%'").fetchone()
    n = int(row[0]) if row else 0
    con.execute(f"CREATE OR REPLACE TEMP VIEW src_layer_{n} AS {sql.replace(placeholder, f'src_layer_{n - 1}')}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM src_layer_{n}")


def skip_rows(con: duckdb.DuckDBPyConnection, columns: list[SourceColumn], mapping: Mapping) -> None:
    """Drop rows the mapping says are not data (regional aggregates, subtotals) before anything else."""
    if not mapping.skip:
        return
    by_header = {c.original: c.name for c in columns} | {c.name: c.name for c in columns}
    conds = []
    for header, pattern in mapping.skip.items():
        if header not in by_header:
            raise RejectedInput(f"skip names an unknown column {header!r}.")
        conds.append(f"coalesce(regexp_matches(trim(s.{by_header[header]}), {_lit(pattern)}), false)")
    _restack(con, "src_all", f"SELECT * FROM src_all s WHERE NOT ({' OR '.join(conds)})")
