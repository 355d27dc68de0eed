"""Trafficking and smuggling indicators: reports in, only coarse, strictly protected counts out.

A report says that an indicator (debt bondage, a safe house, boat departures...) was seen in an area,
on a route, in a period, by a kind of source with some confidence. Reports hold no names, yet a count
of 2 reports in one commune may point at the one informant or victim who spoke. So every output is
stricter than ordinary statistics, whatever an agreement says: at least `MIN_COUNT` reports per
published cell, admin-1 as the finest geography, the purpose `counter_trafficking` only, and outside
the provider only under an agreement in force that names that purpose. The counts then go through
the same primary and secondary suppression and interval audit as every other table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from atlas.communities.networks import check_codes
from atlas.communities.redaction import find_identifiers
from atlas.communities.responders import agreement_in_force, refuse
from atlas.errors import Issue, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.protection.cube import Cube
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.sharing.agreement import GEO_RANK
from atlas.tables import hierarchy as h
from atlas.tables.compute import gazetteer
from atlas.tables.margins import compute_margins

PURPOSE = "counter_trafficking"
MIN_COUNT = 20
FINEST = "adm1"
INDICATORS: dict[str, tuple[str, ...]] = {
    "trafficking": ("recruitment_deception", "debt_bondage", "document_confiscation", "forced_labour",
                    "sexual_exploitation", "restricted_movement", "child_exploitation", "forced_begging",
                    "forced_criminality", "organ_removal"),
    "smuggling": ("smuggling_route_active", "price_increase", "safe_house_reported", "boat_departures",
                  "border_crossing_guides", "document_fraud", "abandonment_en_route", "violence_en_route"),
}
SOURCE_TYPES = ("focus_group", "key_informant", "partner_report", "media_monitoring", "hotline", "case_management",
                "law_enforcement", "survey", "observation")
CONFIDENCE = ("low", "medium", "high")
DIMENSIONS = ("area", "kind", "indicator", "route_origin", "route_destination", "period", "confidence",
              "source_type")
EDITORS = ("ingest", "define_tables")


class ReportIn(BaseModel):
    """One report of an indicator; `source` names an organisation or channel, never a person."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    report_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["trafficking", "smuggling"]
    indicator: str
    area: str
    route_origin: str | None = None
    route_transit: list[str] = Field(default_factory=list)
    route_destination: str | None = None
    period_start: date
    period_end: date
    source_type: Literal[SOURCE_TYPES]  # type: ignore[valid-type]
    source: str | None = None
    confidence: Literal[CONFIDENCE]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _coherent(self) -> ReportIn:
        if self.indicator not in INDICATORS[self.kind]:
            raise ValueError(f"indicator {self.indicator!r} is not a {self.kind} indicator "
                             f"({', '.join(INDICATORS[self.kind])})")
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.source and find_identifiers(self.source):
            raise ValueError("source must name an organisation or channel, not a person")
        return self


def parse_report_rows(rows: list[dict[str, Any]], source: str | None = None) -> list[ReportIn]:
    """Reports from flat rows (route_transit as `a;b`)."""
    from atlas.communities.networks import parse_rows

    return parse_rows(ReportIn, rows, ("route_transit",), source=source, prefix="report")


def _authorize_editor(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
    if not any(p in actor.permissions for p in EDITORS):
        authorize(actor, EDITORS[0], {"id": "trafficking_reports"}, con=con)


def add_reports(con: duckdb.DuckDBPyConnection, actor: Actor, reports: list[ReportIn]) -> int:
    """Store reports (same id = replace) with their admin-1 area; codes are checked against the vocabulary."""
    _authorize_editor(con, actor)
    if not reports:
        return 0
    countries = [c for r in reports for c in (r.route_origin, r.route_destination, *r.route_transit) if c]
    _, iso3, _ = check_codes(con, areas=sorted({r.area for r in reports}), nationalities=sorted(set(countries)),
                             where="trafficking reports")
    norm = dict(zip(sorted(set(countries)), iso3, strict=True))
    rows = [r.model_dump() | {"route_origin": norm.get(r.route_origin or ""), "route_destination":
                              norm.get(r.route_destination or ""), "route_transit": [norm[c] for c in r.route_transit]}
            for r in reports]
    con.register("_atlas_reports_in", pa.Table.from_pylist(rows))
    try:
        con.execute("DELETE FROM trafficking_reports WHERE report_id IN (SELECT report_id FROM _atlas_reports_in)")
        con.execute("""INSERT INTO trafficking_reports WITH active AS (SELECT a.pcode, a.parent, a.level
              FROM geo_areas a JOIN geo_sets s USING (set_id) WHERE s.active) SELECT r.report_id, r.kind, r.indicator, r.area,
            CASE g.level WHEN 1 THEN g.pcode WHEN 2 THEN g.parent WHEN 3 THEN p.parent END, r.route_origin,
            r.route_transit, r.route_destination, r.period_start, r.period_end, r.source_type, r.source,
            r.confidence, now(), ?
            FROM _atlas_reports_in r LEFT JOIN active g ON g.pcode = r.area LEFT JOIN active p ON p.pcode = g.parent""",
                    [actor.name])
    finally:
        con.unregister("_atlas_reports_in")
    log_event(con, actor.name, "trafficking.reports-add", None, PURPOSE, {"reports": len(rows)})
    return len(rows)


def list_reports(con: duckdb.DuckDBPyConnection, actor: Actor) -> pd.DataFrame:
    """The reports themselves: for the provider's own analysts only, and logged."""
    authorize(actor, "read_microdata", {"id": "trafficking_reports"}, con=con)
    log_event(con, actor.name, "trafficking.reports-view", "trafficking_reports", PURPOSE)
    return con.execute("SELECT * EXCLUDE (added_by) FROM trafficking_reports ORDER BY period_start, report_id").df()


def trafficking_policy(min_count: int = MIN_COUNT) -> DisclosurePolicy:
    """The stricter policy: suppression with at least `MIN_COUNT` reports per published cell, then the audit."""
    return DisclosurePolicy(method="suppression", min_count=max(min_count, MIN_COUNT), group=None, secondary="fast")


def _period_sql(grain: str) -> str:
    return {"year": "strftime(period_start, '%Y')",
            "quarter": "strftime(period_start, '%Y') || '-Q' || quarter(period_start)"}[grain]


def finest_counts(con: duckdb.DuckDBPyConnection, dimensions: Iterable[str], level: str, grain: str,
                  min_confidence: str = "low") -> pd.DataFrame:
    """Reports per combination of the asked dimensions; the area is raised to admin-1 (or the country)."""
    exprs = {"area": "coalesce(adm1, '_T')" if level == "adm1" else "'_T'", "period": _period_sql(grain),
             **{d: f"coalesce({d}, 'unknown')" for d in DIMENSIONS if d not in ("area", "period")}}
    dims = list(dimensions)
    select = ", ".join(f"{exprs[d]} AS {d}" for d in dims)
    keep = list(CONFIDENCE[CONFIDENCE.index(min_confidence):])
    return con.execute(f"""SELECT {select}, count(*)::BIGINT AS value, count(*)::BIGINT AS n FROM trafficking_reports
        WHERE confidence IN (SELECT unnest(?)) GROUP BY ALL""", [keep]).df()


def _dimensions(con: duckdb.DuckDBPyConnection, finest: pd.DataFrame, dims: list[str], level: str) -> list:
    """Areas from the gazetteer; quarters under their year, so a year is always the sum of its quarters."""
    out = []
    for d in dims:
        observed = sorted(finest[d].astype(str).unique()) if len(finest) else []
        if d == "area":
            out.append(h.area_dimension(gazetteer(con), level, "area"))
        elif d == "period" and any("-Q" in p for p in observed):
            years: dict[str, list[str]] = {}
            for q in observed:
                years.setdefault(q.split("-Q")[0], []).append(q)
            out.append(h.grouped_dimension("period", observed, years))
        else:
            vocab = {"kind": tuple(INDICATORS), "confidence": CONFIDENCE}.get(d, ())
            out.append(h.flat_dimension(d, list(dict.fromkeys([*vocab, *observed]))))
    return out


def _population(con: duckdb.DuckDBPyConnection, min_confidence: str) -> str:
    """Which reports a table counts: the confidence filter, on a state of the reports (as sharing.history keys it)."""
    row = con.execute("SELECT count(*), coalesce(max(added_at)::VARCHAR, ''), coalesce(bit_xor(hash(report_id)), 0) "
                      "FROM trafficking_reports").fetchone()
    state = hashlib.sha256(json.dumps(list(row or []), default=str).encode()).hexdigest()[:16]
    return f"trafficking-{min_confidence}:{state}"


def _issue(con: duckdb.DuckDBPyConnection, cube: Cube, policy: DisclosurePolicy, name: str, recipients: list[str],
           pop: str, agreement: str) -> ProtectedTable:
    """Protect with everything the recipients (and the public) already hold, then remember what they now hold.

    Same machinery as releases (`sharing.history`, `sharing.temporal`): earlier suppressions are kept,
    changes since earlier reports are protected, and a table of another confidence filter that differs from
    one already held by fewer than `min_count` reports in any cell is refused (clause `differencing`).
    """
    from atlas.sharing.agreement import PUBLIC
    from atlas.sharing.history import check_differencing, held_by, remember
    from atlas.sharing.temporal import protect_over_time

    earlier = [x for r in dict.fromkeys([*recipients, PUBLIC]) for x in held_by(con, r)
               if x.name.startswith("trafficking_")]
    before = [x.cube() for x in earlier if x.population == pop]
    table = protect(cube, policy, names=name, published_before=before or None,
                    title="Reports of trafficking and smuggling indicators (counts of reports)")
    (table,) = protect_over_time([cube], [table], pop, earlier, policy)
    check_differencing(table, pop, earlier, [], policy.min_count)
    row = con.execute("SELECT count(DISTINCT release_id) FROM release_tables WHERE release_id LIKE ?",
                      [f"trafficking-{agreement}-%"]).fetchone()
    release_id = f"trafficking-{agreement}-{int(row[0] if row else 0) + 1}"
    for r in recipients:
        remember(con, release_id, r, cube, table, pop)
    return table


def trafficking_table(con: duckdb.DuckDBPyConnection, actor: Actor, *, agreement: str | None = None,
                      dimensions: Iterable[str] = ("area", "kind"), level: str = FINEST,
                      period: Literal["year", "quarter"] = "year", min_count: int = MIN_COUNT,
                      min_confidence: str = "low", purpose: str = PURPOSE,
                      now: datetime | None = None) -> ProtectedTable:
    """Counts of reports, protected by the stricter rules; refusals name their clause and are logged."""
    now = now or datetime.now(UTC)
    dims = list(dict.fromkeys(dimensions))
    resource = "trafficking:" + "x".join(dims)
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad or not dims or period not in ("year", "quarter") or min_confidence not in CONFIDENCE:
        raise RejectedInput("invalid trafficking table request", issues=[Issue(
            "trafficking-request", f"dimensions from {', '.join(DIMENSIONS)}; period year or quarter; "
            f"min_confidence one of {', '.join(CONFIDENCE)}", value=", ".join(bad) or None)])
    if purpose != PURPOSE:
        raise refuse(con, actor, resource, "trafficking.purpose", f"trafficking indicators serve only {PURPOSE}",
                     purpose)
    if level not in GEO_RANK or GEO_RANK[level] > GEO_RANK[FINEST]:
        raise refuse(con, actor, resource, "trafficking.finest_geography",
                     f"trafficking indicators are never shown below {FINEST} (asked {level})", purpose)
    if min_count < MIN_COUNT:
        raise refuse(con, actor, resource, "trafficking.min_count",
                     f"trafficking indicators need at least {MIN_COUNT} reports per cell (asked {min_count})", purpose)
    if agreement is None:
        if "steward" not in actor.roles and "define_tables" not in actor.permissions:
            raise refuse(con, actor, resource, "agreement",
                         f"trafficking indicators are shared only under an agreement naming {PURPOSE}", purpose)
    else:
        authorize(actor, "read_releases", {"id": resource, "organisation": actor.organisation}, con=con)
        a = agreement_in_force(con, actor, agreement, purpose, resource, now)
        finest = a.allowed_geography(now)
        if "area" in dims and GEO_RANK[level] > GEO_RANK[finest]:
            raise refuse(con, actor, resource, "finest_geography", f"agreement {a.name} allows {finest} at most",
                         purpose, {"agreement": a.name})
        min_count = max(min_count, a.disclosure.min_count)
        recipients = list(a.parties.recipients) if "steward" in actor.roles or a.is_public else [
            str(actor.organisation)]
    counts = finest_counts(con, dims, level, period, min_confidence)
    cube = compute_margins(counts, _dimensions(con, counts, dims, level), dense=True)
    name, policy = f"trafficking_{'_'.join(dims)}", trafficking_policy(min_count)
    if agreement is None:
        table = protect(cube, policy, names=name,
                        title="Reports of trafficking and smuggling indicators (counts of reports)")
    else:
        table = _issue(con, cube, policy, name, recipients, _population(con, min_confidence), agreement)
    log_event(con, actor.name, "trafficking.table", resource, purpose,
              {"agreement": agreement, "level": level, "period": period, "min_count": table.policy.min_count,
               "cells": len(table), "suppressed": int(table.cells["value"].isna().sum())})
    return table
