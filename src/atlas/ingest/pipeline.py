"""One ingest batch, all-or-nothing: read, map, normalise, validate, store, quarantine, record lineage.

The whole batch runs in one DuckDB transaction on the encrypted store. A crash or a kill at any moment
leaves the workspace as it was; a refused batch (policy `reject`) is rolled back after its report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from atlas.errors import Issue, RejectedInput
from atlas.ingest.columns import Assignment, resolve
from atlas.ingest.consent import record_person_consent
from atlas.ingest.lookups import bound
from atlas.ingest.mapping import Kind, Mapping, load_mapping
from atlas.ingest.plan import Plan, build_plan, warm_vocabularies
from atlas.ingest.readers import open_source
from atlas.ingest.readers.source import Source
from atlas.ingest.report import write_report
from atlas.ingest.session import BATCH_WRITES, temporarily
from atlas.ingest.wide import melt, skip_rows
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.purposes import check_legal_basis, check_purposes
from atlas.privacy.users import actor_for
from atlas.store.fields import FIELDS_BY_KIND
from atlas.store.tx import allocate, begin
from atlas.store.workspace import Workspace
from atlas.vocab.normalize import register_macros

Policy = Literal["reject", "quarantine"]
Step = Callable[[str], None]


@dataclass
class IngestOptions:
    kind: Literal["person", "aggregate", "consent"] = "person"
    mapping: Path | None = None
    source_name: str | None = None
    policy: Policy = "quarantine"
    force: bool = False
    country: str | None = None
    dry_run: bool = False
    report: Path | None = None


@dataclass
class IngestResult:
    batch_id: int | None
    file: str
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    issues: list[Issue] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)
    report: Path | None = None
    assignments: list[Assignment] = field(default_factory=list)
    committed: bool = False
    issue_count: int = 0


def _mapping(opts: IngestOptions) -> Mapping:
    kind: Kind = "aggregate" if opts.kind == "aggregate" else "person"  # consent files never get here
    m = load_mapping(opts.mapping) if opts.mapping else Mapping(kind=kind)
    if opts.mapping is None or m.kind != opts.kind:
        m = m.model_copy(update={"kind": opts.kind})
    if opts.country:
        m = m.model_copy(update={"country": opts.country.upper()})
    return m


def _duplicate(con: duckdb.DuckDBPyConnection, source: Source) -> int | None:
    row = con.execute("SELECT min(batch_id) FROM batches WHERE sha256 = ?", [source.sha256]).fetchone()
    return row[0] if row else None


def _select_sql(plan: Plan, kind: str, batch_id: int, keep: list[str],
                subject: str | None = None, erased_filter: str | None = None) -> str:
    """The single SELECT that normalises and checks every row, with `_issues`/`_raw` only on bad rows."""
    fields = FIELDS_BY_KIND[kind]
    checks = [chk for col in plan.columns.values() for chk in col.checks]
    joins = " ".join(j for col in plan.columns.values() for j in col.joins)
    values = [plan.columns[f.name].value if f.name in plan.columns else f"CAST(NULL AS {f.sql})" for f in fields]
    flags = [f"{cond} AS _bad{i}" for i, (cond, _, _) in enumerate(checks)]
    any_bad = " OR ".join(f"_bad{i}" for i in range(len(checks))) or "false"
    issue_list = ", ".join(f"CASE WHEN _bad{i} THEN '{col}|{rule}' END" for i, (_, rule, col) in enumerate(checks))
    raw_cols = keep
    raw = ", ".join([*(f"'{c}': s_{c}" for c in raw_cols), *(["'_pseudonym': _pseudonym"] if kind == "person" else [])])
    area = plan.columns.get("area")
    adm1, adm2 = (area.derived["adm1"], area.derived["adm2"]) if area else ("NULL", "NULL")
    pre = {k: v for col in plan.columns.values() for k, v in col.pre.items()}
    if kind == "person":
        pre["_pseudonym"] = subject or f"atlas_pseudonym({_subject_key(plan)})"
    layer1 = f"SELECT s.*{''.join(f', {v} AS {k}' for k, v in pre.items())} FROM src s {joins}"
    person = kind == "person"
    pseud = "_pseudonym" if person else None
    inner = f"""
      SELECT s._row AS _row, {adm1} AS _adm1, {adm2} AS _adm2,
             {', '.join(f'{v} AS {f.name}' for v, f in zip(values, fields, strict=True))},
             {', '.join(flags) + ',' if flags else ''}
             {', '.join(f's.{c} AS s_{c}' for c in raw_cols) + ',' if raw_cols else ''}
             {'s._pseudonym AS _pseudonym,' if person else ''}
             true AS _one
      FROM ({layer1}) s"""
    prefix = f"{batch_id} AS batch_id, _row AS source_row"
    if person:
        prefix += (f", {pseud} AS pseudonym, _adm1 AS adm1, _adm2 AS adm2, "
                   f"CAST(('0x' || substr({pseud}, 50, 13)) AS UBIGINT) / 4503599627370496.0 AS record_key")
    else:
        prefix += ", _adm1 AS adm1, _adm2 AS adm2"
    tail = (f", CASE WHEN {any_bad} THEN list_filter([{issue_list}], x -> x IS NOT NULL) END AS _issues"
            f", CASE WHEN {any_bad} THEN to_json({{{raw}}}) END AS _raw") if checks else (
        ", CAST(NULL AS VARCHAR[]) AS _issues, CAST(NULL AS JSON) AS _raw")
    keep_rows = f" WHERE {erased_filter}" if erased_filter and person else ""
    return f"SELECT {prefix}, {', '.join(f.name for f in fields)}{tail} FROM ({inner}){keep_rows}"


def _subject_key(plan: Plan) -> str:
    """What identifies a person for pseudonymisation: the source id, else the identifiers, else the row."""
    rid = plan.columns.get("record_id")
    if rid is not None:
        return f"coalesce(nullif(trim(s.{_source_col(rid.value)}), ''), 'row:' || s._row)"
    idents = [a.column.name for a in plan.identifiers]
    if idents:
        joined = " || '|' || ".join(f"coalesce(atlas_fold(s.{c}), '')" for c in idents)
        return f"'ids:' || {joined}"
    return "'row:' || gen_random_uuid()"


def _source_col(value_sql: str) -> str:
    return value_sql.split("trim(s.")[1].split(")")[0]


def ingest_file(ws: Workspace, path: Path, opts: IngestOptions, step: Step = lambda _: None,
                actor: Actor | None = None) -> IngestResult:
    """Ingest one file as one batch; see the module docstring for the guarantees."""
    if opts.kind == "consent":
        from atlas.ingest.consent_events import ingest_consent_events

        return ingest_consent_events(ws, path, opts, step, actor)
    mapping = _mapping(opts)
    check_legal_basis(mapping.legal_basis)
    check_purposes(mapping.purposes)
    today = datetime.now(UTC).date()
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        authorize(who, "ingest", {"file": path.name}, con=con)
        register_macros(con)
        _register_privacy(con, ws)
        _leave_room_for_python(con, ws.settings.memory_limit)
        step("reading")
        vocabularies = warm_vocabularies(mapping.kind)
        try:  # parsed on the workspace connection: the records stay in its (encrypted-spill) temp tables
            source = open_source(path, sheet=mapping.sheet, header_row=mapping.header_row, con=con)
        finally:  # joined even when the file is refused: a thread left inside pyarrow at exit aborts the process
            vocabularies.join()
        try:
            refuse_duplicate(con, source, path, opts)
            _source_view(con, source)
            columns = source.columns
            skip_rows(con, columns, mapping)
            if mapping.wide is not None:
                columns = melt(con, columns, mapping, str(path)).columns
            assigns, notes = resolve(columns, mapping, str(path))
            _check_ambiguous_headers(source, assigns)

            def work() -> IngestResult:
                result = _run(con, ws, source, mapping, assigns, opts, today, step)
                result.notes = notes
                return result

            return run_batch(con, ws, who.name, source, path, opts, work)
        finally:
            source.close()


def refuse_duplicate(con: duckdb.DuckDBPyConnection, source: Source, path: Path, opts: IngestOptions) -> None:
    """The same file twice is refused unless forced (SHA-256 of the bytes)."""
    dup = _duplicate(con, source)
    if dup is not None and not opts.force:
        raise RejectedInput(
            f"{path.name} was already ingested as batch {dup} (same SHA-256); use --force to ingest it again.",
            issues=[Issue("duplicate-file", "same content as an earlier batch", file=str(path), hint=f"batch {dup}")],
        )


def run_batch(con: duckdb.DuckDBPyConnection, ws: Workspace, actor: str, source: Source, path: Path,
              opts: IngestOptions, work: Callable[[], IngestResult]) -> IngestResult:
    """One batch in one transaction: committed, or rolled back on a dry run, a refused batch or any error
    (a killed process leaves the store as it was); logged and signed either way."""
    with temporarily(con, BATCH_WRITES):  # set and restored outside the transaction: an aborted one refuses SET
        begin(con)
        try:
            result = work()
            if opts.dry_run or (opts.policy == "reject" and result.issues):
                con.execute("ROLLBACK")
            else:
                _log(con, ws, actor, "ingest", result, source)
                con.execute("COMMIT")
                result.committed = True
        except BaseException:
            con.execute("ROLLBACK")
            raise
    if not result.committed:
        _log(con, ws, actor, "ingest.validate" if opts.dry_run else "ingest.refused", result, source)
    sign_head(con, ws.keys)
    if opts.policy == "reject" and result.issues and not opts.dry_run:
        raise RejectedInput(
            f"{path.name}: {result.issue_count} problem(s) in {result.rows_quarantined} row(s); "
            "the batch was refused whole (policy: reject) and nothing was stored.",
            issues=result.issues, detail={"report": str(result.report)},
        )
    return result


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_UNITS = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def _leave_room_for_python(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    """DuckDB's memory_limit covers its buffer pool only; during an ingest it gets three quarters of the
    configured limit, so Python, Arrow batches and allocator slack keep the whole process within it
    (10M rows: 3.2 GB peak under a 4 GB setting). The rest spills to the encrypted temp directory."""
    found = _SIZE.match(limit or "")
    if found:
        share = int(float(found.group(1)) * _UNITS[found.group(2).upper()] * 3 / 4 / 2**20)
        con.execute(f"SET memory_limit = '{share}MiB'")


def _flag_repeated_ids(con: duckdb.DuckDBPyConnection, assigns: list[Assignment], batch_id: int) -> None:
    """A record id used twice in one file: the second and later rows are quarantined, so nobody is counted
    twice. A row with a record id has it as its pseudonym. Found by a parallel aggregate on 64-bit hashes of the
    batch's pseudonyms (a hash table of integers,
    not of 64-character strings); only rows sharing a hash are grouped by the pseudonym itself, so a collision
    flags nothing. The source is re-read only for the flagged rows."""
    con.execute("""CREATE OR REPLACE TEMP TABLE atlas_repeats AS
        SELECT source_row FROM (SELECT source_row, row_number() OVER (PARTITION BY pseudonym ORDER BY source_row) AS k
                                FROM persons WHERE batch_id = $1 AND record_id IS NOT NULL AND hash(pseudonym) IN (
                                    SELECT h FROM (SELECT hash(pseudonym) AS h FROM persons
                                                   WHERE batch_id = $1 AND record_id IS NOT NULL)
                                    GROUP BY h HAVING count(*) > 1)) WHERE k > 1""", [batch_id])
    if not con.execute("SELECT count(*) FROM atlas_repeats").fetchone()[0]:  # type: ignore[index]
        return
    col = next(a.column.name for a in assigns if a.field == "record_id")
    keep = [a.column.name for a in assigns if not a.identifier]
    raw = ", ".join(f"'{c}': s.{c}" for c in keep)
    con.execute(f"""UPDATE persons SET _issues = list_append(coalesce(persons._issues, []), '{col}|duplicate-record-id'),
                        _raw = coalesce(persons._raw, to_json(struct_insert({{{raw}}}, _pseudonym := persons.pseudonym)))
                    FROM src s WHERE persons.batch_id = ? AND s._row = persons.source_row
                      AND persons.source_row IN (SELECT source_row FROM atlas_repeats)""", [batch_id])


def _log(con: duckdb.DuckDBPyConnection, ws: Workspace, actor: str, action: str, result: IngestResult,
         source: Source) -> None:
    """Every ingest, validation and refusal enters the audit trail (counts and hashes, never values)."""
    log_event(con, actor, action, f"batch:{result.batch_id}" if result.committed or action == "ingest" else None,
              None, {"file": source.path.name, "sha256": source.sha256, "rows_read": result.rows_read,
                     "rows_stored": result.rows_stored, "rows_quarantined": result.rows_quarantined,
                     "issues": result.issue_count}, keys=ws.keys)


def _source_view(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Expose the rows as view `src`; streamed sources (transcoded text, XLSX, SPSS/Stata) are read once
    into a temp table, since ingest scans twice (distinct values, then rows). Temp files are encrypted."""
    rel = source.relation(con)
    if source.format in ("csv", "hxl", "parquet", "json", "ndjson") and (source.encoding or "utf-8").lower().replace(
            "_", "-") in ("utf-8", "utf-8-sig", "ascii"):
        con.register("src_layer_0", rel)
    else:
        con.register("src_rel", rel)
        con.execute("CREATE OR REPLACE TEMP TABLE src_stream AS SELECT * FROM src_rel")
        con.execute("CREATE OR REPLACE TEMP VIEW src_layer_0 AS SELECT * FROM src_stream")
    con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM src_layer_0")


def _check_ambiguous_headers(source: Source, assigns: list[Assignment]) -> None:
    dup_names = {i.column for i in source.issues if i.code == "duplicate-header"}
    for a in assigns:
        if a.column.original in dup_names and a.field:
            raise RejectedInput(
                f"The header {a.column.original!r} appears more than once and feeds {a.field!r}.",
                issues=[Issue("duplicate-header", "ambiguous duplicate header", file=str(source.path),
                              column=a.column.original, hint="rename one column or map it in the mapping file")],
            )


def _register_privacy(con: duckdb.DuckDBPyConnection, ws: Workspace) -> None:
    from atlas.privacy.pseudonym import pseudonymize_sql

    pseudonymize_sql(con, ws.keys)


def _run(con: duckdb.DuckDBPyConnection, ws: Workspace, source: Source, mapping: Mapping,
         assigns: list[Assignment], opts: IngestOptions, today: date, step: Step,
         subject: str | None = None) -> IngestResult:
    """Everything inside the batch transaction; `subject` overrides the pseudonym (quarantine retries)."""
    step("resolving codes")
    plan = build_plan(con, assigns, mapping, today)
    batch_id = allocate(con, "batches", "batch_id")
    table = "persons" if mapping.kind == "person" else "aggregates"
    step("normalising and validating")
    keep = [a.column.name for a in assigns if not a.identifier]
    erased = _erased_filter(con, source)
    sql = f"INSERT INTO {table} {_select_sql(plan, mapping.kind, batch_id, keep, subject, erased)}"
    started = datetime.now(UTC)
    # The source is numbered once into a temp table (readers), so this statement runs on every thread and
    # streams straight into the encrypted table; no staging copy.
    con.execute(sql, bound(sql, {k: v for col in plan.columns.values() for k, v in col.params.items()}))
    if mapping.kind == "person" and "record_id" in plan.columns:
        _flag_repeated_ids(con, assigns, batch_id)
    step("quarantining rejected rows")
    counts = con.execute(f"SELECT count(*), count(*) FILTER (WHERE _issues IS NOT NULL) FROM {table} WHERE batch_id = ?",
                         [batch_id]).fetchone()
    rows_in_rel, bad = int(counts[0]), int(counts[1])  # type: ignore[index]
    _record_issues(con, table, batch_id, plan, str(source.path), assigns)
    con.execute(f"""INSERT INTO quarantine (batch_id, row_number, raw, reasons)
                    SELECT batch_id, source_row, _raw, _issues FROM {table}
                    WHERE batch_id = ? AND _issues IS NOT NULL""", [batch_id])
    con.execute(f"DELETE FROM {table} WHERE batch_id = ? AND _issues IS NOT NULL", [batch_id])
    structural = [i for i in source.issues if i.row is not None]
    if structural:
        con.executemany("INSERT INTO quarantine (batch_id, row_number, raw, reasons) VALUES (?, ?, ?, ?)",
                        [[batch_id, i.row, json.dumps({"_line": i.value}), [f"|{i.code}"]] for i in structural])
        con.executemany("INSERT INTO issues VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [[batch_id, i.file, i.row, i.column, i.value, i.code, i.message, i.hint] for i in structural])
    n_issues = int(con.execute("SELECT count(*) FROM issues WHERE batch_id = ?", [batch_id]).fetchone()[0])  # type: ignore[index]
    issues = load_issues(con, batch_id)
    if opts.report is not None and n_issues:
        write_report(con, batch_id, opts.report)
    if plan.identifiers and mapping.kind == "person":
        step("sealing identifiers in the vault")
        _store_identifiers(con, ws, plan, batch_id, erased)
    if mapping.kind == "person":
        given, withdrawn = record_person_consent(con, batch_id, plan.columns, today)
        if given or withdrawn:
            log_event(con, ws.settings.user or "system", "consent.ingest", f"batch:{batch_id}", None,
                      {"given": given, "withdrawn": withdrawn}, keys=ws.keys)
    stored = rows_in_rel - bad
    quarantined = bad + len({i.row for i in structural})
    n_issues = max(n_issues, len(issues))
    con.execute(
        "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, mapping.kind, opts.source_name or mapping.source or source.path.name, source.path.name,
         source.sha256, source.size, source.format, source.encoding,
         json.dumps({"mapping": mapping.model_dump(mode="json"),
                     "columns": {a.column.original: {"name": a.column.name, "field": a.field,
                                                     "identifier": a.identifier, "how": a.how}
                                 for a in assigns}}),
         mapping.legal_basis, mapping.purposes, opts.policy, ws.settings.user, started, datetime.now(UTC),
         rows_in_rel + len({i.row for i in structural}), stored, quarantined, n_issues, opts.force, _vocab_version()],
    )
    return IngestResult(batch_id, str(source.path), rows_in_rel + len({i.row for i in structural}), stored,
                        quarantined, issues, assignments=assigns, issue_count=n_issues,
                        report=opts.report if n_issues else None)


def _record_issues(con: duckdb.DuckDBPyConnection, table: str, batch_id: int, plan: Plan, file: str,
                   assigns: list[Assignment]) -> None:
    """Every failed check of every row into `issues`, in one statement (millions of issues stay in SQL)."""
    con.register("iss_names", pa.table({"col": [a.column.name for a in assigns],
                                        "original": [a.column.original for a in assigns]}))
    con.register("iss_msgs", pa.table({"rule": list(_MESSAGES), "message": list(_MESSAGES.values())}))
    con.register("iss_hints", pa.table({"col": pa.array([c for c, _ in plan.hints], pa.string()),
                                        "raw": pa.array([r for _, r in plan.hints], pa.string()),
                                        "hint": pa.array(list(plan.hints.values()), pa.string())}))
    con.execute(f"""
        INSERT INTO issues
        SELECT ?, ?, i.source_row, coalesce(n.original, i.col), i.value, i.rule,
               coalesce(m.message, CASE WHEN i.rule LIKE 'unknown-%'
                                        THEN 'not a known ' || replace(substr(i.rule, 9), '_', ' ') || ' value'
                                        ELSE i.rule END), h.hint
        FROM (SELECT source_row, split_part(r, '|', 1) AS col, split_part(r, '|', 2) AS rule,
                     json_extract_string(_raw, '$.' || split_part(r, '|', 1)) AS value
              FROM (SELECT source_row, unnest(_issues) AS r, _raw FROM {table}
                    WHERE batch_id = ? AND _issues IS NOT NULL)) i
        LEFT JOIN iss_names n ON n.col = i.col LEFT JOIN iss_msgs m ON m.rule = i.rule
        LEFT JOIN iss_hints h ON h.col = i.col AND h.raw = i.value""", [batch_id, file, batch_id])
    for t in ("iss_names", "iss_msgs", "iss_hints"):
        con.unregister(t)


def load_issues(con: duckdb.DuckDBPyConnection, batch_id: int, limit: int = 10_000) -> list[Issue]:
    """The first `limit` issues of a batch, in file order (the CSV report has them all)."""
    rows = con.execute("""SELECT file, row_number, column_name, value, code, message, hint FROM issues
                          WHERE batch_id = ? ORDER BY row_number, column_name LIMIT ?""", [batch_id, limit]).fetchall()
    return [Issue(code, msg, file=f, row=r, column=c, value=v, hint=h) for f, r, c, v, code, msg, h in rows]


_MESSAGES = {
    "unknown-country": "not a known country name or code",
    "unknown-country_list": "contains an unknown country",
    "unknown-language_list": "contains an unknown language",
    "unknown-bool": "not a yes/no value",
    "unknown-area": "not a known P-code or admin area name",
    "not-a-number": "not a number",
    "impossible-age": "age outside 0-120 or not whole",
    "out-of-range": "outside the allowed range",
    "future-year": "year in the future",
    "bad-date": "not a date (expected YYYY-MM-DD or DD/MM/YYYY)",
    "future-date": "date in the future",
    "duplicate-record-id": "record id already used by an earlier row of this file",
}


def _erased_filter(con: duckdb.DuckDBPyConnection, source: Source) -> str | None:
    """People erased at their request never come back through a re-ingest of the same or another file."""
    from atlas.privacy.subjects import erased_pseudonyms_filter

    sha = source.sha256 if len(source.sha256) == 64 else None
    cond = erased_pseudonyms_filter(con, "_pseudonym", file_sha256=sha, row_column="_row" if sha else None)
    return None if cond == "TRUE" else cond


def _store_identifiers(con: duckdb.DuckDBPyConnection, ws: Workspace, plan: Plan, batch_id: int,
                       erased: str | None) -> None:
    from atlas.privacy.vault import store_identifiers

    cols = ", ".join(f"s.{a.column.name} AS \"{a.field or a.column.name}\"" for a in plan.identifiers)
    rel = con.sql(f"""SELECT * FROM (SELECT atlas_pseudonym({_subject_key(plan)}) AS _pseudonym, s._row AS _row, {cols}
                      FROM src s) WHERE {erased or 'true'}""").project(
        ", ".join(["_pseudonym AS pseudonym", *(f'"{a.field or a.column.name}"' for a in plan.identifiers)]))
    store_identifiers(con, ws.keys, batch_id, rel)


def _vocab_version() -> str:
    from atlas.vocab.lookup import vocab_version

    return vocab_version()
