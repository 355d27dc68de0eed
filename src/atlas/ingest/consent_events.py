"""A consent-events file (person, event, purposes, date, channel) into the consent register, as one batch.

Same guarantees as a person file: one transaction, every bad row quarantined with its issues (file, row,
column, value, rule, hint), `--policy reject` refuses the file whole, erased people never come back.
The person column holds the pseudonym Atlas gave (64 hex characters) or the source's record id, which
is pseudonymised with the workspace key exactly as a person file's record id is, so both meet.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from atlas.errors import Issue, RejectedInput
from atlas.ingest import consent, pipeline, rowsql
from atlas.ingest.columns import Assignment
from atlas.ingest.lookups import CODED_BAD, bound, build_lookup
from atlas.ingest.mapping import ColumnRule
from atlas.ingest.plan import Plan, distinct_values
from atlas.ingest.readers import open_source
from atlas.ingest.readers.source import Source
from atlas.ingest.report import write_report
from atlas.ingest.synonyms import CONSENT_EVENT_HEADERS
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.privacy.users import actor_for
from atlas.store.fields import Field
from atlas.store.workspace import Workspace
from atlas.vocab.normalize import fold, register_macros

_FIELDS = {
    "event": Field("consent_event", "VARCHAR", "code", "consent_event"),
    "purposes": Field("consent_purposes", "VARCHAR[]", "code", "consent_purpose"),
    "date": Field("consent_event_date", "DATE", "date"),
    "channel": Field("consent_channel", "VARCHAR", "code", "consent_channel"),
}
_INDEX = {v: role for role, variants in CONSENT_EVENT_HEADERS.items() for v in {fold(x) for x in (role, *variants)} if v}


def assign_roles(source: Source) -> list[Assignment]:
    """Each column's role by header synonyms; person and event are required, unknown columns are ignored."""
    out, taken = [], set()
    for col in source.columns:
        role = _INDEX.get(fold(col.original) or "")
        if role in taken:
            role = None
        taken.add(role)
        rule = ColumnRule(field=None, ignore=role is None)  # type: ignore[call-arg]
        out.append(Assignment(col, role, False, rule, "synonym"))
    missing = [r for r in ("person", "event") if r not in taken]
    if missing:
        raise RejectedInput(
            f"{source.path.name}: a consent-events file needs a {' and an '.join(missing)} column.",
            issues=[Issue("missing-column", f"no {r} column", file=str(source.path),
                          hint=f"name it one of: {', '.join(CONSENT_EVENT_HEADERS[r][:5])}") for r in missing])
    return out


def _plan(con: duckdb.DuckDBPyConnection, roles: dict[str, Assignment], today: date, fmt: str | None) -> Plan:
    coded = [roles[r] for r in ("event", "purposes", "channel") if r in roles]
    distinct = distinct_values(con, coded)
    cols: dict[str, rowsql.Column] = {}
    hints: dict[tuple[str, str], str] = {}
    indexes = {"event": consent.EVENT_INDEX, "purposes": consent.PURPOSE_INDEX, "channel": consent.CHANNEL_INDEX}
    for role in ("event", "purposes", "channel"):
        if role in roles:
            a, vm = roles[role], f"ce_{role}"
            bad = consent.value_map(con, vm, distinct[a.column.name], indexes[role], is_list=role == "purposes")
            hints.update({(a.column.name, raw): h for raw, h in bad.items()})
            lk = build_lookup(con, vm, CODED_BAD, {"value": ("CASE WHEN ok THEN code END", None),
                                                   "code": ("code", None), "ok": ("ok", True)})
            cols[role] = rowsql.coded(_FIELDS[role], a, lk)
            cols[role].derived = {attr: lk.at(attr, f"s.{vm}_k") for attr in ("code", "ok")}
    if "date" in roles:
        cols["date"] = rowsql.day(_FIELDS["date"], roles["date"], today=today, fmt=fmt)
    return Plan(cols, hints, [])


def _stage_sql(plan: Plan, roles: dict[str, Assignment], batch_id: int) -> str:
    person = roles["person"].column.name
    cols = plan.columns
    pre = {k: v for c in cols.values() for k, v in c.pre.items()}
    joins = " ".join(j for c in cols.values() for j in c.joins)
    layer1 = f"SELECT s.*{''.join(f', {v} AS {k}' for k, v in pre.items())} FROM src s {joins}"
    code, ok = cols["event"].derived["code"], cols["event"].derived["ok"]
    given = f"{code} = 'given'"
    checks = [(f"nullif(trim(s.{person}), '') IS NULL", "missing-person", person)]
    checks += [chk for c in cols.values() for chk in c.checks]
    checks.append((f"({given} AND len(coalesce({cols['purposes'].value if 'purposes' in cols else 'CAST(NULL AS VARCHAR[])'}, [])) = 0)",
                   "missing-purposes", roles["purposes"].column.name if "purposes" in roles else person))
    checks.append((f"({code} IS NULL AND coalesce({ok}, true))", "missing-event",
                   roles["event"].column.name))
    flags = " OR ".join(f"({c})" for c, _, _ in checks)
    issue_list = ", ".join(f"CASE WHEN {c} THEN '{col}|{rule}' END" for c, rule, col in checks)
    raw = ", ".join(f"'{a.column.name}': s.{a.column.name}" for a in roles.values())
    empty = {"purposes": "CAST(NULL AS VARCHAR[])", "date": "CAST(NULL AS DATE)", "channel": "CAST(NULL AS VARCHAR)"}
    value = {r: (cols[r].value if r in cols else empty[r]) for r in empty}
    return f"""SELECT {batch_id} AS batch_id, s._row AS source_row,
        CASE WHEN regexp_full_match(lower(trim(s.{person})), '[0-9a-f]{{64}}') THEN lower(trim(s.{person}))
             WHEN nullif(trim(s.{person}), '') IS NOT NULL THEN atlas_pseudonym(trim(s.{person})) END AS pseudonym,
        {code} AS event, {value['purposes']} AS purposes, {value['date']} AS day, {value['channel']} AS channel,
        CASE WHEN {flags} THEN list_filter([{issue_list}], x -> x IS NOT NULL) END AS _issues,
        CASE WHEN {flags} THEN to_json({{{raw}}}) END AS _raw
        FROM ({layer1}) s"""


def ingest_consent_events(ws: Workspace, path: Path, opts: pipeline.IngestOptions,
                          step: pipeline.Step = lambda _: None, actor: Actor | None = None) -> pipeline.IngestResult:
    """Ingest one consent-events file as one batch (kind `consent`); see the module docstring."""
    today = datetime.now(UTC).date()
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        authorize(who, "ingest", {"file": path.name}, con=con)
        register_macros(con)
        pipeline._register_privacy(con, ws)
        step("reading")
        source = open_source(path, con=con)
        try:
            pipeline.refuse_duplicate(con, source, path, opts)
            pipeline._source_view(con, source)
            assigns = assign_roles(source)
            roles = {a.field: a for a in assigns if a.field}
            return pipeline.run_batch(con, ws, who.name, source, path, opts,
                                      lambda: _run(con, ws, source, assigns, roles, opts, today, step))
        finally:
            source.close()


def _run(con: duckdb.DuckDBPyConnection, ws: Workspace, source: Source, assigns: list[Assignment],
         roles: dict[str, Assignment], opts: pipeline.IngestOptions, today: date,
         step: pipeline.Step) -> pipeline.IngestResult:
    step("resolving codes")
    plan = _plan(con, roles, today, None)
    batch_id = int(con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchone()[0])  # type: ignore[index]
    started = datetime.now(UTC)
    step("normalising and validating")
    stage = f"CREATE OR REPLACE TEMP TABLE atlas_consent_stage AS {_stage_sql(plan, roles, batch_id)}"
    con.execute(stage, bound(stage, {k: v for c in plan.columns.values() for k, v in c.params.items()}))
    pipeline._record_issues(con, "atlas_consent_stage", batch_id, plan, str(source.path), assigns)
    con.execute("""INSERT INTO quarantine (batch_id, row_number, raw, reasons)
                   SELECT batch_id, source_row, _raw, _issues FROM atlas_consent_stage WHERE _issues IS NOT NULL""")
    structural = [i for i in source.issues if i.row is not None]
    if structural:
        con.executemany("INSERT INTO quarantine (batch_id, row_number, raw, reasons) VALUES (?, ?, ?, ?)",
                        [[batch_id, i.row, json.dumps({"_line": i.value}), [f"|{i.code}"]] for i in structural])
        con.executemany("INSERT INTO issues VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [[batch_id, i.file, i.row, i.column, i.value, i.code, i.message, i.hint] for i in structural])
    read, bad = con.execute("SELECT count(*), count(*) FILTER (WHERE _issues IS NOT NULL) "
                            "FROM atlas_consent_stage").fetchone()  # type: ignore[misc]
    from atlas.privacy.subjects import erased_pseudonyms_filter

    keep = erased_pseudonyms_filter(con, "pseudonym")
    step("recording consent events")
    con.execute(f"""INSERT INTO consent_events
        SELECT pseudonym, CASE WHEN len(purposes) > 0 THEN purposes END,
               CASE WHEN event = 'given' THEN coalesce(day, CAST(? AS DATE)) END, channel,
               CASE WHEN event = 'withdrawn' THEN coalesce(CAST(day AS TIMESTAMPTZ), now()) END, now()
        FROM atlas_consent_stage WHERE _issues IS NULL AND {keep}""", [today])
    counts = con.execute(f"""SELECT count(*) FILTER (WHERE event = 'given'), count(*) FILTER (WHERE event = 'withdrawn'),
                                    list_sort(list_distinct(flatten(list(purposes))))
                             FROM atlas_consent_stage WHERE _issues IS NULL AND {keep}""").fetchone()
    given, withdrawn, purposes = (int(counts[0]), int(counts[1]), list(counts[2] or [])) if counts else (0, 0, [])
    n_issues = int(con.execute("SELECT count(*) FROM issues WHERE batch_id = ?", [batch_id]).fetchone()[0])  # type: ignore[index]
    issues = pipeline.load_issues(con, batch_id)
    if opts.report is not None and n_issues:
        write_report(con, batch_id, opts.report)
    stored = int(con.execute(f"SELECT count(*) FROM atlas_consent_stage WHERE _issues IS NULL AND {keep}").fetchone()[0])  # type: ignore[index]
    quarantined = int(bad) + len({i.row for i in structural})
    rows_read = int(read) + len({i.row for i in structural})
    con.execute("DROP TABLE atlas_consent_stage")
    con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        batch_id, "consent", opts.source_name or source.path.name, source.path.name, source.sha256, source.size,
        source.format, source.encoding,
        json.dumps({"columns": {a.column.original: {"name": a.column.name, "field": a.field} for a in assigns}}),
        "consent", purposes, opts.policy, ws.settings.user, started, datetime.now(UTC), rows_read, stored,
        quarantined, max(n_issues, len(issues)), opts.force, pipeline._vocab_version()])
    log_event(con, ws.settings.user or "system", "consent.ingest", f"batch:{batch_id}", None,
              {"given": given, "withdrawn": withdrawn}, keys=ws.keys)
    return pipeline.IngestResult(batch_id, str(source.path), rows_read, stored, quarantined, issues,
                                 issue_count=max(n_issues, len(issues)), report=opts.report if n_issues else None)

