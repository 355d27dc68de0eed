"""Time series of stocks and flows by area and nationality, from successive batches, protected like any table.

Partner aggregates arrive as successive batches (rounds). They are harmonised to one vocabulary: a flow's
origin is its nationality and its entry point its area; every area is rolled up to the asked admin level
through the gazetteer; periods (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYYQn`) are brought to one granularity
(a stock keeps the last reported period inside it, a flow is summed). When a later batch reports a period
again, it revises it: the latest batch wins for that period and the earlier one is listed as superseded.
Breaks in series are flagged where the source or the coverage (areas reporting) changes. Arrivals by year
from person records go through the table service. "Which release showed which figure" is read from the
release packages (`revisions`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from atlas.errors import Issue, NotFound, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event, sign_head
from atlas.privacy.users import actor_for
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.store.workspace import Workspace
from atlas.tables.compute import gazetteer
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import build_cube
from atlas.tables.spec import ProtectionSpec, TableSpec, parse_spec

Measure = Literal["stock", "flows", "arrivals"]
Granularity = Literal["year", "quarter", "month"]
FLOW_INDICATORS = ("arrivals", "flows", "flow", "entries")
STOCK_INDICATORS = ("stock", "population", "presence")
DEFAULT_PROTECTION = ProtectionSpec(method="suppression", min_count=10, secondary="fast")
PERSON_PROTECTION = ProtectionSpec(method="cell_key", min_count=10)

# Period text -> (year, month at the end of the period); one SELECT, bound values only.
_HARMONISED = """
WITH raw AS (
  SELECT a.batch_id, b.source, b.started_at, a.value,
         coalesce(a.nationality, a.origin_country, 'unknown') AS nationality,
         coalesce(a.area, a.entry_point) AS place, trim(a.period) AS period
  FROM aggregates a JOIN batches b USING (batch_id)
  WHERE (CASE WHEN ? THEN lower(coalesce(a.indicator, '')) IN (SELECT unnest(?::VARCHAR[]))
              ELSE a.indicator IS NULL OR lower(a.indicator) IN (SELECT unnest(?::VARCHAR[])) END)
), parsed AS (
  SELECT *, CAST(substr(period, 1, 4) AS INTEGER) AS y,
         CASE WHEN regexp_matches(period, '^\\d{4}[Qq][1-4]$') THEN 3 * CAST(substr(period, 6, 1) AS INTEGER)
              WHEN regexp_matches(period, '^\\d{4}-\\d{2}') THEN CAST(substr(period, 6, 2) AS INTEGER)
              ELSE 12 END AS m
  FROM raw WHERE regexp_matches(period, '^\\d{4}')
)
SELECT p.*, g.level, CASE g.level WHEN 1 THEN g.pcode WHEN 2 THEN g.parent END AS adm1,
       CASE g.level WHEN 2 THEN g.pcode END AS adm2, coalesce(g.country, p.place) AS adm0
FROM parsed p LEFT JOIN atlas_gazetteer g ON g.pcode = p.place
"""


class Point(BaseModel):
    period: str
    area: str
    nationality: str
    value: int | None
    flag: str


class Break(BaseModel):
    period: str
    kind: str  # source | coverage
    detail: str


class Vintage(BaseModel):
    period: str
    batch: int
    source: str | None
    superseded: list[int] = Field(default_factory=list)


class Revision(BaseModel):
    release_id: str
    created_at: str
    value: str
    flag: str
    revised: bool = False  # differs from the previous release that showed this cell


class Trend(BaseModel):
    """A protected series and what to know before reading it."""

    measure: str
    granularity: str
    level: str
    table: str
    points: list[Point]
    breaks: list[Break] = Field(default_factory=list)
    vintages: list[Vintage] = Field(default_factory=list)
    suppressed: int = 0
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class TrendResult:
    trend: Trend
    table: ProtectedTable


def _period_code(y: pd.Series, m: pd.Series, granularity: Granularity) -> pd.Series:
    if granularity == "year":
        return y.astype(str)
    if granularity == "quarter":
        return y.astype(str) + "Q" + ((m - 1) // 3 + 1).astype(str)
    return y.astype(str) + "-" + m.astype(str).str.zfill(2)


def harmonised(con: duckdb.DuckDBPyConnection, measure: Measure, granularity: Granularity) -> pd.DataFrame:
    """Aggregate rows of the measure with one nationality, area and period vocabulary; latest vintage only."""
    from atlas.tables.compute import prepare_duckdb

    prepare_duckdb(con, "aggregate", "statistics")
    stock = measure == "stock"
    df = con.execute(_HARMONISED, [stock, list(STOCK_INDICATORS), list(FLOW_INDICATORS)]).df()
    if df.empty:
        raise NotFound(f"no partner aggregates hold {measure}",
                       issues=[Issue("no-series", "ingest partner rounds with an indicator column",
                                     hint=f"indicator values: {', '.join(STOCK_INDICATORS if stock else FLOW_INDICATORS)}")])
    df["reported"] = df["period"]
    df["period"] = _period_code(df["y"], df["m"], granularity)
    latest = df.groupby("reported")["batch_id"].transform("max")
    df["superseded"] = df["batch_id"] != latest
    return df


def _vintages(df: pd.DataFrame) -> list[Vintage]:
    by = df.groupby("reported").agg(batch=("batch_id", "max"), batches=("batch_id", lambda s: sorted(set(s))))
    src = df.drop_duplicates("batch_id").set_index("batch_id")["source"]
    return [Vintage(period=str(p), batch=int(r.batch), source=src.get(r.batch),
                    superseded=[int(b) for b in r.batches if b != r.batch]) for p, r in by.iterrows()]


def _breaks(df: pd.DataFrame) -> list[Break]:
    """Where the source or the number of areas reporting changes from one period to the next."""
    per = df.groupby("period").agg(sources=("source", lambda s: tuple(sorted({str(x) for x in s}))),
                                   areas=("place", "nunique")).sort_index()
    out = []
    for (p0, r0), (p1, r1) in zip(per.iloc[:-1].iterrows(), per.iloc[1:].iterrows(), strict=True):
        if r0.sources != r1.sources:
            out.append(Break(period=str(p1), kind="source",
                             detail=f"source changes from {', '.join(r0.sources)} to {', '.join(r1.sources)}"))
        if r0.areas and abs(r1.areas - r0.areas) / r0.areas > 0.1:
            out.append(Break(period=str(p1), kind="coverage",
                             detail=f"areas reporting change from {r0.areas} to {r1.areas} (after {p0})"))
    return out


def _finest(df: pd.DataFrame, measure: Measure, level: str) -> pd.DataFrame:
    """One row per period x area x nationality; a stock takes the last month reported in its period."""
    df = df.assign(area=df[level].fillna(df["adm1"] if level == "adm2" else df["adm0"]).fillna(df["adm0"]))
    keys = ["period", "area", "nationality"]
    if measure == "stock":
        last = df.groupby("period")["m"].transform("max")
        df = df[df["m"] == last]
    out = df.groupby(keys, as_index=False)["value"].sum()
    out["value"] = out["value"].round().astype("int64")
    out["n"] = out["value"]
    return out


def _spec(name: str, level: str, protection: ProtectionSpec) -> TableSpec:
    return parse_spec({"name": name, "kind": "aggregate", "dimensions": [
        {"field": "period"}, {"field": "area", "level": level}, {"field": "nationality"}],
        "protection": protection.model_dump()}, source=name)


def partner_trend(ws: Workspace, measure: Literal["stock", "flows"] = "stock", *, level: str = "adm1",
                  granularity: Granularity = "month", nationality: str | None = None,
                  areas: tuple[str, ...] = (), protection: ProtectionSpec = DEFAULT_PROTECTION,
                  actor: Actor | None = None) -> TrendResult:
    """Stocks or flows from partner batches, harmonised and protected (suppression by default); `areas`
    (codes at `level`) restricts the series to a selection."""
    if protection.method == "cell_key":
        raise RejectedInput("partner aggregates carry no record keys; use suppression or rounding",
                            issues=[Issue("trend-method", "cell_key needs person records")])
    name = f"trend.{measure}.{level}.{granularity}"
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        authorize(who, "define_tables", {"tables": [name], "purpose": "statistics"}, con=con)
        df = harmonised(con, measure, granularity)
        live = df[~df["superseded"]]
        if nationality:
            live = live[live["nationality"] == nationality.upper()]
        finest = _finest(live, measure, level)
        if areas:
            finest = finest[finest["area"].isin(areas)]
        if finest.empty:
            raise NotFound(f"no {measure} reported for this selection", issues=[Issue("no-series", name)])
        spec = _spec(name, level, protection)
        # A selection is its own small hierarchy: a parent that equals its only child would be one more
        # copy of each cell to protect, and nothing a reader of the selection needs.
        hierarchy = flat_dimension("area", areas) if areas else gazetteer(con)
        cube = build_cube(spec, finest, {"area": hierarchy})
        table = protect(cube, spec.policy, names=name, title=f"{measure.capitalize()} by {granularity}, area and "
                        "nationality (partner aggregates)", measure="count")
        log_event(con, who.name, "table", name, purpose="statistics", keys=ws.keys,
                  detail={"dimensions": ["period", "area", "nationality"], "method": protection.method,
                          "cells": len(table), "trend": measure})
        sign_head(con, ws.keys)
    return TrendResult(_trend(table, measure, granularity, level, _breaks(live), _vintages(df)), table)


_ROUNDS = """
SELECT e.nationality, e.adm0, e.adm1, e.adm2, coalesce(e.area, e.adm0) AS place, e.ckey_units, b.source,
       strftime(max(e.event_date) OVER (PARTITION BY e.batch_id), '%Y-%m') AS reported
FROM eligible e JOIN batches b USING (batch_id)
WHERE e.event_date IS NOT NULL AND (CAST(? AS VARCHAR) IS NULL OR b.source = ?)
  AND e.adm0 IN (SELECT DISTINCT country FROM atlas_gazetteer)
"""


def register_trend(ws: Workspace, *, source: str | None = None, level: str = "adm1",
                   granularity: Granularity = "month", nationality: str | None = None,
                   areas: tuple[str, ...] = (), protection: ProtectionSpec = PERSON_PROTECTION,
                   purpose: str = "statistics", actor: Actor | None = None) -> TrendResult:
    """Stocks from successive register batches: each batch counts the people registered in that round, dated
    by its last registration; cell-key perturbed, so a person keeps one key in every round and table."""
    from atlas.tables.compute import prepare_duckdb

    name = f"trend.register.{level}.{granularity}"
    with ws.connect() as con:
        who = actor or actor_for(con, ws.settings.user)
        authorize(who, "define_tables", {"tables": [name], "purpose": purpose}, con=con)
        prepare_duckdb(con, "person", purpose)
        df = con.execute(_ROUNDS, [source, source]).df()
        if df.empty:
            raise NotFound("no register batches with dated records", issues=[Issue("no-series", name)])
        df["period"] = _period_code(df["reported"].str[:4].astype(int), df["reported"].str[5:7].astype(int),
                                    granularity)
        if nationality:
            df = df[df["nationality"] == nationality.upper()]
        df = df.assign(area=df[level].fillna(df["adm1"] if level == "adm2" else df["adm0"]).fillna(df["adm0"]))
        finest = df.groupby(["period", "area", "nationality"], as_index=False, dropna=False).agg(
            value=("ckey_units", "size"), ckey=("ckey_units", "sum"))
        finest["n"] = finest["value"]
        finest["nationality"] = finest["nationality"].fillna("unknown")
        if areas:
            finest = finest[finest["area"].isin(areas)]
        if finest.empty:
            raise NotFound("no register records for this selection", issues=[Issue("no-series", name)])
        spec = _spec(name, level, protection)
        cube = build_cube(spec, finest, {"area": flat_dimension("area", areas) if areas else gazetteer(con)})
        table = protect(cube, spec.policy, names=name, measure="count",
                        title=f"People registered per round, by {granularity}, area and nationality")
        log_event(con, who.name, "table", name, purpose=purpose, keys=ws.keys,
                  detail={"dimensions": ["period", "area", "nationality"], "method": protection.method,
                          "cells": len(table), "trend": "register"})
        sign_head(con, ws.keys)
    trend = _trend(table, "stock", granularity, level, _breaks(df), [])
    trend.notes.append("Each register batch is a round: its people are counted at the month of its last record.")
    return TrendResult(trend, table)


def arrivals_trend(ws: Workspace, *, level: str = "adm1", since: int = 2015, population: list | None = None,
                   protection: ProtectionSpec = PERSON_PROTECTION, purpose: str = "statistics",
                   actor: Actor | None = None) -> TrendResult:
    """Arrivals by year of arrival from person records (the present population's arrival history) in the
    countries whose boundaries are imported; cell-key perturbed by default, so the same people give the same
    figure as in every other table."""
    from atlas.tables.service import protected_tables

    name = f"trend.arrivals.{level}"
    with ws.connect(read_only=True) as con:
        countries = [r[0] for r in con.execute("SELECT DISTINCT country FROM geo_sets WHERE active").fetchall()]
    if not countries:
        raise NotFound("arrivals by area need boundaries", issues=[Issue("no-boundaries", "atlas geo import")])
    spec = parse_spec({"name": name, "kind": "person", "title": "Arrivals by year, area and nationality",
                       "filter": [{"field": "arrival_year", "op": "ge", "value": since},
                                  {"field": "adm0", "op": "in", "value": countries},
                                  *[c.model_dump(exclude_none=True) for c in population or []]],
                       "dimensions": [{"field": "arrival_year"}, {"field": "area", "level": level},
                                      {"field": "nationality"}],
                       "protection": protection.model_dump()}, source=name)
    (table,) = protected_tables(ws, [spec], purpose=purpose, actor=actor)
    trend = _trend(table, "arrivals", "year", level, [], [])
    trend.notes.append("Arrivals of people registered now: those who left again are not counted, so earlier "
                       "years are understated.")
    return TrendResult(trend, table)


def _trend(table: ProtectedTable, measure: str, granularity: str, level: str, breaks: list[Break],
           vintages: list[Vintage]) -> Trend:
    cells = table.cells
    period = "period" if "period" in cells else "arrival_year"
    cells = cells[cells[period] != TOTAL]
    hidden = cells["flag"].isin([PRIMARY, SECONDARY])
    points = [Point(period=str(p), area=str(a), nationality=str(n), value=None if h or pd.isna(v) else int(v),
                    flag=str(f)) for p, a, n, v, f, h in zip(cells[period], cells["area"], cells["nationality"],
                                                             cells["value"], cells["flag"], hidden, strict=True)]
    notes = ["Every figure comes from a protected table; a suppressed point is shown as a gap, never as 0."]
    if measure == "stock":
        notes.append("A stock is not additive over time: the total over periods is not shown.")
    return Trend(measure=measure, granularity=granularity, level=level, table=table.name, points=points,
                 breaks=breaks, vintages=vintages, suppressed=int(hidden.sum()), notes=notes)


def series(trend: Trend, area: str = TOTAL, nationality: str = TOTAL) -> list[Point]:
    """One line of the trend (default: all areas, all nationalities), in period order."""
    return sorted((p for p in trend.points if p.area == area and p.nationality == nationality),
                  key=lambda p: p.period)


def revisions(ws: Workspace, table: str, **coords: str) -> list[Revision]:
    """Which release showed which figure: the published cell of `table` at `coords` in every release.

    A table released again on newer batches (a routine release of stocks by area and nationality) is also
    a time series of what was published; `revised` marks a figure that differs from the previous release.
    Dimensions not named in `coords` are read at their total.
    """
    with ws.connect(read_only=True) as con:
        rows = con.execute("SELECT release_id, created_at, path FROM releases ORDER BY created_at, release_id").fetchall()
    out: list[Revision] = []
    for rid, created, path in rows:
        csv = Path(path) / f"{table}.csv"
        if not csv.exists():
            continue
        cells = pd.read_csv(csv, dtype=str, keep_default_na=False)
        mask = np.ones(len(cells), dtype=bool)
        for d in cells.columns.drop(["value", "flag"], errors="ignore"):
            mask &= (cells[d] == coords.get(d, TOTAL)).to_numpy()
        for r in cells[mask].itertuples(index=False):
            before = out[-1] if out else None
            out.append(Revision(release_id=str(rid), created_at=_iso(created), value=str(r.value), flag=str(r.flag),
                                revised=before is not None and (before.value, before.flag) != (str(r.value), str(r.flag))))
    return out


def _iso(t: object) -> str:
    return t.isoformat() if isinstance(t, dt.datetime) else str(t)
