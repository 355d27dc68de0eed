"""Releases: an agreement's protected tables as an immutable, versioned, signed package per recipient."""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from atlas.errors import PolicyRefused
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.compliance import record_fingerprint
from atlas.privacy.fingerprint import fingerprint_rows, manifest_mark, recipient_secret
from atlas.privacy.purposes import check_purpose
from atlas.privacy.usage import record_usage_for_purpose
from atlas.privacy.users import actor_for
from atlas.protection.protected import ProtectedTable
from atlas.sharing.agreement import PUBLIC, Agreement, check_request, with_floor
from atlas.sharing.catalog import get_agreement
from atlas.sharing.consistency import protect_with_history
from atlas.sharing.history import Held, data_state, held_by, population, remember
from atlas.sharing.package import VerifyResult, seal, sha256_file, verify_release, write_json
from atlas.sharing.temporal import REASON
from atlas.store.tx import begin
from atlas.store.workspace import Workspace
from atlas.tables.service import cube_for, write_table
from atlas.tables.spec import TableSpec

__all__ = ["Release", "VerifyResult", "produce", "run_release", "verify_release"]


@dataclass(frozen=True)
class Release:
    """One release: where its package(s) are and what they hold."""

    release_id: str
    agreement: str
    version: int
    kind: str
    purpose: str
    path: Path
    recipients: list[str]
    tables: list[str]
    packages: dict[str, Path] = field(default_factory=dict)
    suppressed: int = 0


def run_release(ws: Workspace, agreement_name: str, actor: Actor | None = None, *, now: datetime | None = None,
                purpose: str | None = None) -> Release:
    """Routine release of every table the agreement covers now (crisis tables while a crisis runs)."""
    now = now or datetime.now(UTC)
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        agreement = get_agreement(con, agreement_name)
        authorize(who, "publish" if agreement.is_public else "approve_sharing", {"name": agreement_name}, con=con)
        purpose = purpose or agreement.allowed_purposes(now)[0]
        specs = agreement.tables_for(now)
        try:
            for s in specs:
                check_request(agreement, s, purpose, now)
        except PolicyRefused as exc:
            log_event(con, who.name, "release.refused", agreement_name, purpose, {"clause": exc.clause})
            sign_head(con, ws.keys)
            raise
        release = produce(con, ws, agreement, specs, purpose, who, kind="routine", now=now)
        sign_head(con, ws.keys)
    return release


def _next_version(con: duckdb.DuckDBPyConnection, agreement: str) -> int:
    row = con.execute("SELECT max(version) FROM releases WHERE agreement = ?", [agreement]).fetchone()
    return int(row[0] or 0) + 1 if row else 1


def produce(con: duckdb.DuckDBPyConnection, ws: Workspace, agreement: Agreement, specs: list[TableSpec],
            purpose: str, actor: Actor, *, kind: str, now: datetime, request_id: int | None = None,
            recipients: list[str] | None = None) -> Release:
    """Protect, write, describe, fingerprint and sign one release for each recipient (default: all parties)."""
    check_purpose(purpose)
    specs = [with_floor(agreement, s) for s in specs]
    version = _next_version(con, agreement.name)
    release_id = f"{agreement.name}/{version}"
    root = ws.releases_dir / agreement.name / str(version)
    if root.exists():
        raise PolicyRefused(f"release folder {root} already exists; releases are never overwritten",
                            clause="immutability")
    state = data_state(con)
    cubes = [cube_for(con, s, purpose) for s in specs]
    pops = [population(s, state, purpose) for s in specs]
    recipients = recipients or agreement.parties.recipients
    packages: dict[str, Path] = {}
    earlier = _held_by_any(con, recipients)
    tables = protect_with_history(specs, cubes, pops, earlier)
    suppressed = sum(int(t.cells["flag"].isin(["p", "s"]).sum()) for t in tables)
    rows: list[tuple[str, Path, str, dict[str, str]]] = []
    try:
        for recipient in recipients:
            folder = root / recipient if len(recipients) > 1 else root
            folder.mkdir(parents=True)
            marks = _write(con, folder, tables, agreement, recipient, ws)
            previous = _previous(con, agreement.name, recipient)
            write_json(folder / "disclosure_report.json", _disclosure(tables, specs, earlier))
            write_json(folder / "metadata.json", _metadata(con, agreement, specs, release_id, kind, purpose,
                                                           recipient, now, request_id))
            write_json(folder / "changes.json", _changes(tables, previous, release_id))
            header = {"release_id": release_id, "agreement": agreement.name,
                      "agreement_version": agreement.version, "recipient": recipient, "kind": kind,
                      "created_at": now.isoformat()}
            rows.append((recipient, folder, seal(folder, ws.keys, header, marks), marks))
            packages[recipient] = folder
        begin(con)
        try:
            for recipient, folder, digest, marks in rows:
                for cube, t, pop in zip(cubes, tables, pops, strict=True):
                    remember(con, release_id, recipient, cube, t, pop)
                for rel, mark in marks.items():
                    record_fingerprint(con, release_id, rel, recipient, _rows(folder / rel), mark)
                con.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?)",
                            [f"{release_id}/{recipient}" if len(recipients) > 1 else release_id, agreement.name,
                             agreement.version, version, kind, recipient, purpose, str(folder), digest,
                             actor.name, request_id])
                record_usage_for_purpose(con, "release", release_id, purpose, recipient=recipient)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except BaseException:
        _discard(root)
        raise
    log_event(con, actor.name, "release.run", release_id, purpose,
              {"kind": kind, "recipients": recipients, "tables": [s.name for s in specs], "suppressed": suppressed,
               "request_id": request_id}, keys=ws.keys)
    return Release(release_id, agreement.name, version, kind, purpose, root, list(recipients),
                   [s.name for s in specs], packages, suppressed)


def _held_by_any(con: duckdb.DuckDBPyConnection, recipients: list[str]) -> list[Held]:
    """Everything any of the recipients holds, open data included (anyone has it): they get one
    suppression pattern, so pooling their copies reveals nothing that one copy does not."""
    seen: dict[tuple[str, str], Held] = {}
    for r in dict.fromkeys([*recipients, PUBLIC]):
        for h in held_by(con, r):
            seen.setdefault((h.release_id, h.name), h)
    return list(seen.values())


def _discard(root: Path) -> None:
    """A failed release leaves nothing half-written behind (the package was never sealed)."""
    if root.exists():
        for p in [root, *root.rglob("*")]:
            p.chmod(0o700 if p.is_dir() else 0o600)
        shutil.rmtree(root)


def _write(con: duckdb.DuckDBPyConnection, folder: Path, tables: list[ProtectedTable], agreement: Agreement,
           recipient: str, ws: Workspace) -> dict[str, str]:
    """Render every table in every agreed format; CSV rows are put in the recipient's keyed order."""
    from atlas.outputs.visual import is_visual, write_visual

    marks: dict[str, str] = {}
    secret = None if agreement.is_public else recipient_secret(ws.keys, recipient)
    for t in tables:
        for fmt in agreement.formats:
            if fmt == "geojson":
                _write_geojson(con, t, folder)
                continue
            if is_visual(fmt):
                write_visual(con, t, fmt, folder)
                continue
            for p in write_table(t, fmt, folder):
                if agreement.licence and p.name == f"{t.name}.datapackage.json":
                    _add_licence(p, agreement.licence)
                if secret is not None and p.name == f"{t.name}.csv":
                    _fingerprint_csv(p, secret)
                    marks[p.relative_to(folder).as_posix()] = manifest_mark(secret, sha256_file(p))
    return marks


def _add_licence(path: Path, licence: str) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["licenses"] = [{"name": licence}]
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_geojson(con: duckdb.DuckDBPyConnection, table: ProtectedTable, folder: Path) -> None:
    """Tables by area only, with boundaries read on this release's own connection."""
    from atlas.outputs.geojson import GeoJsonRenderer
    from atlas.outputs.maps import AREA_NAMES, geometries_for

    area = next((d for d in table.dimensions if d.name in AREA_NAMES), None)
    if area is None:
        return
    leaves = [c for c in area.leaves() if c != "_T"]
    GeoJsonRenderer(lambda _t: geometries_for(con, leaves)).render(table, folder / f"{table.name}.geojson")


def _fingerprint_csv(path: Path, secret: bytes) -> None:
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    order = fingerprint_rows(body, secret)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(body[i] for i in order)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _disclosure(tables: list[ProtectedTable], specs: list[TableSpec], earlier: list[Held]) -> dict[str, Any]:
    """Methods, parameters, counts suppressed and audit result; never sums of hidden values."""
    out = []
    for t, s in zip(tables, specs, strict=True):
        flags = t.cells["flag"].value_counts().to_dict()
        out.append({
            "table": t.name, "method": t.policy.method, "parameters": s.protection.model_dump(mode="json"),
            "cells": len(t), "primary_suppressed": int(flags.get("p", 0)),
            "secondary_suppressed": int(flags.get("s", 0)), "perturbed": int(flags.get("c", 0)),
            "audit": t.audit, "notes": list(t.notes),
            "protected_with_earlier_releases": sum(1 for h in earlier if h.name == t.name),
            "withheld_for_changes_since_earlier_releases": int(t.method_details.get("withheld", {}).get(REASON, 0)),
        })
    return {"tables": out, "differencing_check": "passed", "symbols": {"p": "primary suppression",
                                                                        "s": "secondary suppression",
                                                                        "c": "perturbed"}}


def _metadata(con: duckdb.DuckDBPyConnection, agreement: Agreement, specs: list[TableSpec], release_id: str,
              kind: str, purpose: str, recipient: str, now: datetime, request_id: int | None) -> dict[str, Any]:
    from atlas.vocab import vocab_version

    cur = con.execute("""SELECT batch_id, kind, source, started_at::VARCHAR, rows_stored, vocab_version
                         FROM batches WHERE list_contains(purposes, ?) ORDER BY batch_id""", [purpose])
    cols = [d[0] for d in cur.description]
    batches = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    period = con.execute("SELECT min(event_date)::VARCHAR, max(event_date)::VARCHAR FROM persons").fetchone()
    return {
        "release_id": release_id, "agreement": agreement.name, "agreement_version": agreement.version,
        "kind": kind, "request_id": request_id, "purpose": purpose, "provider": agreement.parties.provider,
        "recipient": recipient, "created_at": now.isoformat(), "sources": batches,
        "period": {"from": period[0] if period else None, "to": period[1] if period else None},
        "vocabulary_version": vocab_version(), "licence": agreement.licence,
        "onward_transfer": agreement.onward_transfer.model_dump(), "retention": agreement.retention.model_dump(),
        "tables": [{"name": s.name, "title": s.title, "kind": s.kind,
                    "filter": [c.model_dump(mode="json") for c in s.filter],
                    "dimensions": [d.model_dump(mode="json", exclude_defaults=True) for d in s.dimensions],
                    "measure": s.measure.model_dump(mode="json")} for s in specs],
    }


def _previous(con: duckdb.DuckDBPyConnection, agreement: str, recipient: str) -> tuple[str, Path] | None:
    row = con.execute("SELECT release_id, path FROM releases WHERE agreement = ? AND recipient = ? "
                      "ORDER BY created_at DESC, version DESC LIMIT 1", [agreement, recipient]).fetchone()
    return (str(row[0]), Path(row[1])) if row else None


def _changes(tables: list[ProtectedTable], previous: tuple[str, Path] | None, release_id: str) -> dict[str, Any]:
    """What changed since the recipient's previous release of this agreement, cell by cell (published values)."""
    import pandas as pd

    if previous is None:
        return {"release_id": release_id, "previous": None, "tables": {t.name: "new" for t in tables}}
    prev_id, prev_dir = previous
    out: dict[str, Any] = {}
    for t in tables:
        old_json = prev_dir / f"{t.name}.json"
        old_csv = prev_dir / f"{t.name}.csv"
        if old_csv.exists():
            old = pd.read_csv(old_csv, dtype=str, keep_default_na=False)
        elif old_json.exists():
            old = _json_cells(old_json)
        else:
            out[t.name] = "new"
            continue
        new = t.cells.astype({"value": "string"}).fillna({"value": ""}).astype(str)
        new["value"] = new["value"].replace({"<NA>": ""})
        dims = t.dim_names
        m = new.merge(old[[*dims, "value", "flag"]].astype(str), on=dims, how="outer", suffixes=("", "_before"),
                      indicator=True)
        changed = m[(m["_merge"] != "both") | (m["value"] != m["value_before"]) | (m["flag"] != m["flag_before"])]
        out[t.name] = {"cells_changed": len(changed), "cells_added": int((m["_merge"] == "left_only").sum()),
                       "cells_removed": int((m["_merge"] == "right_only").sum()),
                       "sample": json.loads(changed.drop(columns="_merge").head(200).to_json(orient="records"))}
    return {"release_id": release_id, "previous": prev_id, "tables": out}


def _json_cells(path: Path):
    import pandas as pd

    doc = json.loads(path.read_text(encoding="utf-8"))
    cells = doc.get("cells", doc) if isinstance(doc, dict) else doc
    return pd.DataFrame(cells).astype(str)
