"""The library of qualitative evidence: tagged, searchable, and never shared before identifying text is reviewed.

Every text passes the identifier detector when it is added. A clean text is indexed as it is. A text
that may identify someone is sealed in the vault; only its redacted copy is stored, indexed (DuckDB
full-text search, BM25) and shown, and the item stays `pending_review` until a steward decides:
`cleared` (the findings were not personal data), `redacted` (share the redacted copy) or `withheld`.
Only reviewed or clean items can be attached to a briefing pack or shown to an outside audience.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import duckdb_extension_fts
import pandas as pd
from defusedxml import ElementTree
from pydantic import BaseModel, ConfigDict, Field, model_validator

from atlas.communities.networks import CodeBook
from atlas.communities.redaction import find_identifiers, redact, summary
from atlas.communities.responders import refuse
from atlas.errors import Issue, NotFound, RejectedInput, WorkspaceProblem
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.privacy.pseudonym import pseudonym
from atlas.privacy.vault import reveal, store_identifiers
from atlas.store.keys import Keys

THEMES = ("access_to_services", "labour_exploitation", "housing", "discrimination", "documentation",
          "onward_movement", "family_separation", "gender_based_violence", "education", "health", "livelihoods",
          "social_cohesion", "remittances", "trafficking", "smuggling", "detention", "disaster_displacement",
          "child_protection", "mental_health", "food_security", "legal_status", "return_and_reintegration")
METHODS = ("focus_group", "key_informant", "interview", "survey", "observation", "desk_review", "partner_report",
           "media_monitoring", "hotline", "assessment")
SENSITIVITY = ("public", "restricted", "confidential")
RELIABILITY = ("A", "B", "C", "D", "E", "F")
SHAREABLE = ("clean", "cleared", "redacted")
TARGETS = ("profile", "brief", "network")
Audience = Literal["internal", "partner", "public"]
VISIBLE: dict[str, tuple[str, ...]] = {"internal": SENSITIVITY, "partner": ("public", "restricted"),
                                       "public": ("public",)}
EDITORS = ("ingest", "manage_directory", "define_tables")
FTS_TABLE = "evidence"


class EvidenceIn(BaseModel):
    """One document or summary as uploaded, with its tags from the controlled vocabulary."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    evidence_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    title: str = Field(min_length=1, max_length=500)
    text: str = Field(min_length=1)
    places: list[str] = Field(default_factory=list)
    nationalities: list[str] = Field(default_factory=list)
    themes: list[Literal[THEMES]] = Field(min_length=1)  # type: ignore[valid-type]
    period_start: date | None = None
    period_end: date | None = None
    method: Literal[METHODS]  # type: ignore[valid-type]
    sensitivity: Literal[SENSITIVITY] = "restricted"  # type: ignore[valid-type]
    reliability: Literal[RELIABILITY] | None = None  # type: ignore[valid-type]
    credibility: int | None = Field(default=None, ge=1, le=6)
    source: str | None = None
    file_name: str | None = None

    @model_validator(mode="after")
    def _period(self) -> EvidenceIn:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's full-text extension from its wheel (never downloaded), like the store loads httpfs."""
    path = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if not path.is_file():
        raise WorkspaceProblem(f"DuckDB's fts extension for {duckdb.__version__} is missing at {path}")
    con.execute("LOAD '" + str(path).replace("'", "''") + "'")


def read_document(path: Path) -> str:
    """Text of an uploaded file: plain text or Markdown, Word (.docx), or PDF through poppler's pdftotext."""
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md", ".markdown", ".text", ".csv"):
        return path.read_text(encoding="utf-8-sig")
    if suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            root = ElementTree.fromstring(z.read("word/document.xml"))
        ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
        return "\n".join("".join(t.text or "" for t in p.iter(f"{ns}t")) for p in root.iter(f"{ns}p"))
    if suffix == ".pdf" and shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False,
                              timeout=120, env={**os.environ, "LC_ALL": "C.UTF-8"})
        if done.returncode == 0:
            return done.stdout.decode("utf-8", errors="replace")
    raise RejectedInput(f"cannot read text from {path.name}",
                        issues=[Issue("evidence-format", "use .txt, .md, .docx or .pdf (with pdftotext installed)",
                                      file=str(path))])


def parse_evidence_rows(rows: list[dict[str, Any]], source: str | None = None) -> list[EvidenceIn]:
    """Summaries from flat rows; the text may be in a `text` or a `summary` column."""
    from atlas.communities.networks import parse_rows

    fixed = [{("text" if k == "summary" else k): v for k, v in r.items()} for r in rows]
    return parse_rows(EvidenceIn, fixed, ("places", "nationalities", "themes"), source=source, prefix="evidence")


def _authorize_editor(con: duckdb.DuckDBPyConnection, actor: Actor, resource: str) -> None:
    for permission in EDITORS:
        if permission in actor.permissions:
            return
    authorize(actor, EDITORS[0], {"id": resource}, con=con)


def _known_words(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Words of area and network names, which the name detector must not take for people."""
    rows = con.execute("""SELECT DISTINCT lower(w) FROM (SELECT unnest(string_split_regex(name, '[^\\pL]+')) AS w
        FROM (SELECT name FROM geo_areas UNION ALL SELECT name FROM networks)) WHERE w <> ''""").fetchall()
    return frozenset(r[0] for r in rows)


def evidence_pseudonym(keys: Keys, evidence_id: str) -> str:
    return pseudonym(keys, f"evidence:{evidence_id}")


def add_evidence(con: duckdb.DuckDBPyConnection, keys: Keys, actor: Actor, items: list[EvidenceIn]) -> pd.DataFrame:
    """Store items (same id = replace), flagging and sealing identifying text; returns id and review status."""
    _authorize_editor(con, actor, "evidence")
    known = _known_words(con)
    now, out, sealed, book = datetime.now(UTC), [], [], CodeBook.load(con)
    for item in items:
        places, nats, _ = book.check(areas=item.places, nationalities=item.nationalities, where=item.evidence_id)
        hits_title, hits_text = find_identifiers(item.title, known), find_identifiers(item.text, known)
        flagged = bool(hits_title or hits_text)
        ps = evidence_pseudonym(keys, item.evidence_id) if flagged else None
        if ps is not None:
            sealed.append({"pseudonym": ps, "evidence_title": item.title, "evidence_text": item.text})
        status = "pending_review" if flagged else "clean"
        digest = hashlib.sha256(item.text.encode()).hexdigest()
        con.execute("DELETE FROM evidence WHERE evidence_id = ?", [item.evidence_id])
        con.execute("DELETE FROM vault WHERE pseudonym = ?", [evidence_pseudonym(keys, item.evidence_id)])
        con.execute("INSERT INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
                    [item.evidence_id, redact(item.title, hits_title), redact(item.text, hits_text), places, nats,
                     list(item.themes), item.period_start, item.period_end, item.method, item.sensitivity,
                     item.reliability, item.credibility, item.source, item.file_name, digest, ps, status,
                     json.dumps({"title": summary(hits_title), "text": summary(hits_text)}), now, actor.name])
        out.append({"evidence_id": item.evidence_id, "review_status": status,
                    "findings": summary(hits_title + hits_text)})
    if sealed:
        import pyarrow as pa

        store_identifiers(con, keys, None, pa.Table.from_pylist(sealed))
    reindex(con)
    log_event(con, actor.name, "evidence.add", None, None,
              {"items": [{k: o[k] for k in ("evidence_id", "review_status")} for o in out]}, keys=keys)
    return pd.DataFrame(out)


def _embedded(con: duckdb.DuckDBPyConnection) -> bool:
    """True on the embedded store; in server mode the tables live in PostgreSQL, where DuckDB builds no index."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row is None or row[0] == "duckdb"


def reindex(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the full-text index over titles and (redacted) bodies, kept in the encrypted store.

    In server mode nothing is kept: `search` indexes a copy in the connection's memory instead.
    """
    if not _embedded(con):
        return
    load_fts(con)
    con.execute(f"PRAGMA create_fts_index('{FTS_TABLE}', 'evidence_id', 'title', 'body', overwrite=1, "
                "strip_accents=1, lower=1)")


def _scores(con: duckdb.DuckDBPyConnection) -> str:
    """A relation (evidence_id, score) of BM25 scores for the bound query `?`."""
    load_fts(con)
    if _embedded(con):
        if not con.execute("SELECT 1 FROM duckdb_schemas() WHERE schema_name = 'fts_main_evidence' "
                           "AND database_name = current_database()").fetchone():
            reindex(con)
        return "SELECT evidence_id, fts_main_evidence.match_bm25(evidence_id, ?) AS score FROM evidence"
    con.execute("CREATE OR REPLACE TABLE memory.main.evidence_fts AS SELECT evidence_id, title, body FROM evidence")
    con.execute("PRAGMA create_fts_index('memory.main.evidence_fts', 'evidence_id', 'title', 'body', overwrite=1, "
                "strip_accents=1, lower=1)")
    return ("SELECT evidence_id, memory.fts_main_evidence_fts.match_bm25(evidence_id, ?) AS score "
            "FROM memory.main.evidence_fts")


def review(con: duckdb.DuckDBPyConnection, keys: Keys, actor: Actor, evidence_id: str,
           decision: Literal["cleared", "redacted", "withheld"], note: str) -> str:
    """A steward's decision on a flagged item; `cleared` restores the original text from the vault."""
    authorize(actor, "approve_sharing", {"id": evidence_id}, con=con)
    if decision not in ("cleared", "redacted", "withheld"):
        raise RejectedInput(f"unknown review decision {decision!r} (cleared, redacted or withheld)")
    row = con.execute("SELECT sealed_pseudonym, review_status FROM evidence WHERE evidence_id = ?",
                      [evidence_id]).fetchone()
    if row is None:
        raise NotFound(f"No evidence {evidence_id!r}.")
    if decision == "cleared" and row[0]:
        original = reveal(con, keys, row[0], actor, "oversight", ["evidence_title", "evidence_text"])
        con.execute("UPDATE evidence SET title = ?, body = ? WHERE evidence_id = ?",
                    [original["evidence_title"], original["evidence_text"], evidence_id])
    con.execute("UPDATE evidence SET review_status = ?, reviewed_by = ?, reviewed_at = now() WHERE evidence_id = ?",
                [decision, actor.name, evidence_id])
    reindex(con)
    log_event(con, actor.name, "evidence.review", evidence_id, None, {"decision": decision, "from": row[1],
                                                                       "note": note}, keys=keys)
    return decision


def _filters(themes: list[str] | None, places: list[str] | None, nationalities: list[str] | None,
             period: tuple[date, date] | None) -> tuple[str, list[Any]]:
    sql: list[str] = []
    params: list[Any] = []
    for column, values in (("themes", themes), ("places", places), ("nationalities", nationalities)):
        if values:
            sql.append(f"list_has_any({column}, ?::VARCHAR[])")
            params.append(list(values))
    if period:
        sql.append("coalesce(period_end, period_start) >= ? AND coalesce(period_start, period_end) <= ?")
        params += [period[0], period[1]]
    return " AND ".join(sql) or "true", params


def _audience_sql(audience: Audience) -> tuple[str, list[Any]]:
    if audience == "internal":
        return "true", []
    return "review_status IN (SELECT unnest(?)) AND sensitivity IN (SELECT unnest(?))", [
        list(SHAREABLE), list(VISIBLE[audience])]


def _check_reader(con: duckdb.DuckDBPyConnection, actor: Actor | None, audience: Audience) -> str:
    if audience == "public":
        return actor.name if actor else "public"
    if actor is None:
        raise RejectedInput("an actor is needed to read non-public evidence")
    if audience == "internal":
        _authorize_editor(con, actor, "evidence")
    else:
        authorize(actor, "read_releases", {"id": "evidence"}, con=con)
    return actor.name


def search(con: duckdb.DuckDBPyConnection, query: str | None, *, actor: Actor | None = None,
           audience: Audience = "public", themes: list[str] | None = None, places: list[str] | None = None,
           nationalities: list[str] | None = None, period: tuple[date, date] | None = None,
           limit: int = 20) -> pd.DataFrame:
    """Full-text search (BM25) over titles and redacted bodies, with tag filters; what an audience may see."""
    who = _check_reader(con, actor, audience)
    where, params = _filters(themes, places, nationalities, period)
    shown, shown_params = _audience_sql(audience)
    cols = ("evidence_id, title, left(body, 300) AS excerpt, themes, places, nationalities, period_start, period_end, "
            "method, sensitivity, reliability, credibility, review_status")
    if query and query.strip():
        sql = (f"SELECT {cols}, s.score FROM evidence JOIN ({_scores(con)}) s USING (evidence_id) "
               f"WHERE s.score IS NOT NULL AND {where} AND {shown} ORDER BY s.score DESC, evidence_id LIMIT ?")
        frame = con.execute(sql, [query, *params, *shown_params, limit]).df()
    else:
        frame = con.execute(f"SELECT {cols}, NULL AS score FROM evidence WHERE {where} AND {shown} "
                            "ORDER BY period_end DESC NULLS LAST, evidence_id LIMIT ?",
                            [*params, *shown_params, limit]).df()
    log_event(con, who, "evidence.search", None, None, {"audience": audience, "results": len(frame),
                                                         "themes": themes, "places": places})
    return frame


def item(con: duckdb.DuckDBPyConnection, evidence_id: str, *, actor: Actor | None = None,
         audience: Audience = "public") -> dict[str, Any]:
    """One item as an audience may see it; an item hidden from the audience is as unknown as a missing one."""
    who = _check_reader(con, actor, audience)
    shown, params = _audience_sql(audience)
    cur = con.execute(f"""SELECT evidence_id, title, body, themes, places, nationalities, period_start, period_end,
        method, sensitivity, reliability, credibility, source, review_status FROM evidence
        WHERE evidence_id = ? AND {shown}""", [evidence_id, *params])
    names, row = [d[0] for d in cur.description], cur.fetchone()
    if row is None:
        raise NotFound(f"No evidence {evidence_id!r} for a {audience} audience.")
    log_event(con, who, "evidence.view", f"evidence:{evidence_id}", None, {"audience": audience})
    return dict(zip(names, row, strict=True))


def link(con: duckdb.DuckDBPyConnection, actor: Actor, evidence_id: str, target_kind: str, target_id: str) -> None:
    """Attach an item to a community profile, a briefing pack or a network (what it documents)."""
    _authorize_editor(con, actor, evidence_id)
    if target_kind not in TARGETS:
        raise RejectedInput(f"evidence attaches to {', '.join(TARGETS)}, not {target_kind!r}")
    if not con.execute("SELECT 1 FROM evidence WHERE evidence_id = ?", [evidence_id]).fetchone():
        raise NotFound(f"No evidence {evidence_id!r}.")
    con.execute("INSERT INTO evidence_links VALUES (?, ?, ?, now(), ?)", [evidence_id, target_kind, target_id,
                                                                          actor.name])
    log_event(con, actor.name, "evidence.link", evidence_id, None, {"kind": target_kind, "target": target_id})


def evidence_for(con: duckdb.DuckDBPyConnection, target_kind: str, target_id: str, *, actor: Actor | None = None,
                 audience: Audience = "public") -> pd.DataFrame:
    """Items attached to a profile or pack that the audience may see; unreviewed or withheld items never are."""
    _check_reader(con, actor, audience)
    shown, params = _audience_sql(audience)
    return con.execute(f"""SELECT e.evidence_id, e.title, e.body, e.themes, e.places, e.nationalities, e.period_start,
        e.period_end, e.method, e.sensitivity, e.reliability, e.credibility, e.source FROM evidence e
        WHERE e.evidence_id IN (SELECT evidence_id FROM evidence_links WHERE target_kind = ? AND target_id = ?)
        AND {shown} ORDER BY e.evidence_id""", [target_kind, target_id, *params]).df()


def share(con: duckdb.DuckDBPyConnection, actor: Actor, evidence_ids: list[str], audience: Audience) -> pd.DataFrame:
    """Release items to an audience (e.g. into a briefing pack): refused, and logged, for any unreviewed item."""
    authorize(actor, "publish" if audience == "public" else "approve_sharing", {"id": "evidence"}, con=con)
    rows = con.execute("SELECT evidence_id, review_status, sensitivity FROM evidence WHERE evidence_id IN "
                       "(SELECT unnest(?))", [evidence_ids]).fetchall()
    missing = sorted(set(evidence_ids) - {r[0] for r in rows})
    if missing:
        raise NotFound(f"No evidence {missing}.")
    for eid, status, sensitivity in rows:
        if status not in SHAREABLE:
            raise refuse(con, actor, f"evidence:{eid}", "evidence.review",
                         f"evidence {eid} is {status}: text that may identify people must be reviewed first")
        if sensitivity not in VISIBLE[audience]:
            raise refuse(con, actor, f"evidence:{eid}", "evidence.sensitivity",
                         f"evidence {eid} is {sensitivity} and cannot go to a {audience} audience")
    frame = con.execute("SELECT evidence_id, title, body, themes, places, nationalities, period_start, period_end, "
                        "method, reliability, credibility, source FROM evidence WHERE evidence_id IN "
                        "(SELECT unnest(?)) ORDER BY evidence_id", [evidence_ids]).df()
    log_event(con, actor.name, "evidence.share", None, None, {"audience": audience, "items": evidence_ids})
    return frame
