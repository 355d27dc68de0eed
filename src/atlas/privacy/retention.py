"""Retention: per-source and per-purpose periods, applied by deleting or anonymising what is due.

A batch is kept while at least one of its purposes still justifies it. A purpose whose period has run
out is removed from the batch (so no new table may use the data for it); when none is left, the
batch's person-level data is deleted or anonymised, and the store is rewritten so the bytes are gone.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

from atlas.errors import RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.compaction import Compaction, compact_file, files_containing
from atlas.privacy.purposes import check_purpose
from atlas.store.fields import record_id_sql

SCOPES = ("source", "purpose", "default")
ACTIONS = ("delete", "anonymise")
SCAN_SAMPLE = 50


@dataclass(frozen=True)
class Rule:
    scope: str
    name: str
    days: int
    action: str


@dataclass
class BatchAction:
    batch_id: int
    source: str | None
    action: str  # delete | anonymise | purposes-expired
    purposes_expired: list[str] = field(default_factory=list)
    persons: int = 0
    aggregates: int = 0
    vault: int = 0
    quarantine: int = 0
    issues: int = 0
    consent_events: int = 0
    raw_files: int = 0


@dataclass
class RetentionReport:
    today: date
    actions: list[BatchAction] = field(default_factory=list)
    compaction: Compaction | None = None
    verified: bool | None = None
    problems: list[str] = field(default_factory=list)
    erased_values: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.pop("erased_values")
        doc["today"] = self.today.isoformat()
        return doc


def set_rule(con: duckdb.DuckDBPyConnection, actor: Actor, scope: str, name: str, days: int, action: str = "delete",
             note: str | None = None) -> Rule:
    """Add or replace a rule: `source` NAME (batches.source), `purpose` NAME, or `default` *."""
    authorize(actor, "run_retention", {"name": f"{scope}:{name}"}, con=con)
    if scope not in SCOPES or action not in ACTIONS or days < 0:
        raise RejectedInput(f"A rule needs scope in {SCOPES}, action in {ACTIONS} and days >= 0.")
    if scope == "purpose":
        check_purpose(name)
    name = "*" if scope == "default" else name
    con.execute("INSERT OR REPLACE INTO retention_rules VALUES (?, ?, ?, ?, ?)", [scope, name, days, action, note])
    log_event(con, actor.name, "retention.rule", f"{scope}:{name}", None, {"days": days, "action": action})
    return Rule(scope, name, days, action)


def list_rules(con: duckdb.DuckDBPyConnection) -> list[Rule]:
    rows = con.execute("SELECT scope, name, days, action FROM retention_rules ORDER BY scope, name").fetchall()
    return [Rule(*r) for r in rows]


def _due(rules: dict[tuple[str, str], Rule], source: str | None, purposes: list[str], collected: date,
         today: date) -> tuple[list[str], str | None]:
    """The purposes whose period has ended, and the final action when nothing justifies keeping the batch."""
    def ended(rule: Rule | None) -> bool:
        return rule is not None and collected + timedelta(days=rule.days) <= today

    src = rules.get(("source", source or ""))
    if src is not None:
        return (list(purposes), src.action) if ended(src) else ([], None)
    default = rules.get(("default", "*"))
    per = {p: rules.get(("purpose", p), default) for p in purposes} if purposes else {"": default}
    expired = [p for p, r in per.items() if ended(r)]
    if len(expired) < len(per):
        return [p for p in expired if p], None
    last = max(per.values(), key=lambda r: r.days if r else -1)
    return [p for p in expired if p], last.action if last else None


def _count_exec(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> int:
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def _remove_personal(con: duckdb.DuckDBPyConnection, act: BatchAction, anonymise: bool) -> list[str]:
    """Delete (or anonymise) one batch's person-level data; returns values that must vanish from disk."""
    b = [act.batch_id]
    erased = [r[0] for r in con.execute(
        f"SELECT DISTINCT unnest([pseudonym, {record_id_sql('persons')}, household_id]) FROM persons WHERE batch_id = ?",
        b).fetchall()
        if r[0]]
    gone = con.execute("SELECT DISTINCT pseudonym FROM persons WHERE batch_id = ? AND pseudonym IS NOT NULL", b)
    pseudonyms = [r[0] for r in gone.fetchall()]
    if anonymise:
        act.persons = _count_exec(con, """UPDATE persons SET pseudonym = NULL, record_id = NULL, household_id = NULL,
            consent_date = NULL, event_date = date_trunc('year', event_date) WHERE batch_id = ?
            AND (pseudonym IS NOT NULL OR record_id IS NOT NULL OR household_id IS NOT NULL)""", b)
        act.issues = _count_exec(con, "UPDATE issues SET value = NULL WHERE batch_id = ? AND value IS NOT NULL", b)
    else:
        act.persons = _count_exec(con, "DELETE FROM persons WHERE batch_id = ?", b)
        act.aggregates = _count_exec(con, "DELETE FROM aggregates WHERE batch_id = ?", b)
        act.issues = _count_exec(con, "DELETE FROM issues WHERE batch_id = ?", b)
        con.execute("UPDATE batches SET purposes = []::VARCHAR[] WHERE batch_id = ?", b)
    act.vault = _count_exec(con, "DELETE FROM vault WHERE batch_id = ?", b)
    act.quarantine = _count_exec(con, "DELETE FROM quarantine WHERE batch_id = ?", b)
    if pseudonyms:
        act.consent_events = _count_exec(con, """DELETE FROM consent_events WHERE list_contains(?, pseudonym)
            AND pseudonym NOT IN (SELECT pseudonym FROM persons WHERE pseudonym IS NOT NULL)""", [pseudonyms])
    return erased


def apply_retention(con: duckdb.DuckDBPyConnection, actor: Actor, today: date, *, raw_dir: Any = None) -> RetentionReport:
    """Apply every rule as of `today` inside the store (without compaction); audited."""
    authorize(actor, "run_retention", None, con=con)
    rules = {(r.scope, r.name): r for r in list_rules(con)}
    report = RetentionReport(today)
    batches = con.execute("""SELECT batch_id, source, coalesce(purposes, []::VARCHAR[]),
        CAST(coalesce(finished_at, started_at) AS DATE) FROM batches ORDER BY batch_id""").fetchall()
    for batch_id, source, purposes, collected in batches:
        if collected is None:
            continue
        expired, action = _due(rules, source, list(purposes), collected, today)
        act = BatchAction(batch_id, source, action or "purposes-expired", expired)
        if action is None and expired:
            remaining = [p for p in purposes if p not in expired]
            con.execute("UPDATE batches SET purposes = ? WHERE batch_id = ?", [remaining, batch_id])
        elif action is not None:
            report.erased_values += _remove_personal(con, act, action == "anonymise")
            if raw_dir is not None and (raw_dir / str(batch_id)).is_dir():
                act.raw_files = sum(1 for p in (raw_dir / str(batch_id)).rglob("*") if p.is_file())
                shutil.rmtree(raw_dir / str(batch_id))
        else:
            continue
        touched = act.persons + act.aggregates + act.vault + act.quarantine + act.issues + act.raw_files
        if expired or touched:
            report.actions.append(act)
    log_event(con, actor.name, "retention.run", today.isoformat(), None,
              {"batches": [asdict(a) for a in report.actions]})
    return report


def run_retention(ws: Any, today: date, actor: Actor | None = None) -> RetentionReport:
    """Apply retention, rewrite the store so deleted bytes are gone, then verify by scanning every file."""
    from atlas.privacy.users import actor_for

    with ws.connect() as con:
        actor = actor or actor_for(con, ws.settings.user)
        report = apply_retention(con, actor, today, raw_dir=ws.home / "raw")
        con.execute("INSERT INTO retention_runs VALUES (now(), ?, ?, ?)",
                    [today, actor.name, json.dumps(report.to_dict(), default=str)])
        sign_head(con, ws.keys)
    if any(a.action != "purposes-expired" for a in report.actions):
        report.compaction = compact_store(ws)
        report.problems = verify_erased(ws, report.erased_values)
        report.verified = not report.problems
    return report


def compact_store(ws: Any) -> Compaction:
    """Rewrite the encrypted store under its active data key (no other connection may be open);
    in server mode, VACUUM FULL the PostgreSQL tables that lost rows."""
    if getattr(ws, "server", False):
        from atlas.store.pg_maintenance import vacuum_full

        return Compaction(*vacuum_full(ws.settings.database_url))
    return compact_file(ws.db_file, ws.keys.active.duckdb_key, temp_dir=ws.temp_dir)


def verify_erased(ws: Any, values: list[str]) -> list[str]:
    """Problems found: erased values still referenced by a row, or present in any file's bytes."""
    problems = []
    if values:
        with ws.connect(read_only=True) as con:
            for table, column in (("persons", "pseudonym"), ("persons", "record_id"), ("vault", "pseudonym"),
                                  ("consent_events", "pseudonym")):
                n = _count_exec(con, f"SELECT count(*) FROM {table} WHERE list_contains(?, {column})", [values])
                if n:
                    problems.append(f"{n} row(s) of {table}.{column} still hold erased values")
    for value, files in files_containing(ws.home, values[:SCAN_SAMPLE]).items():
        problems.append(f"an erased value ({value[:6]}…) is readable in {', '.join(files)}")
    return problems
