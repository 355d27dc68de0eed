"""The directory of migrant and diaspora networks, and the only view of it most people get: coverage counts.

A network is an organisation, not a person, yet an informal network of a small community in one place
can single that community out. So the directory itself is read only by those who keep it (and by
authorised responders, through focal points); everyone else sees coverage, e.g. "12 networks cover
Syrian nationals in District X", counted by DuckDB and protected by the same primary and secondary
suppression as any other table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from atlas.errors import Issue, NotFound, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.protection.cube import TOTAL
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables import hierarchy as h
from atlas.tables.compute import gazetteer
from atlas.tables.margins import compute_margins
from atlas.vocab.countries import country
from atlas.vocab.languages import language

KINDS = ("diaspora_association", "migrant_association", "informal_network", "consulate", "faith_group",
         "community_group", "women_group", "youth_group", "trade_union", "ngo")
SERVICES = ("legal_aid", "language_classes", "food", "shelter", "remittances", "culture", "job_search",
            "health_referral", "interpretation", "psychosocial", "documentation", "education", "transport",
            "information")
REACH = ("local", "district", "regional", "national", "transnational")
COVERAGE_MIN_COUNT = 3
AreaLevel = Literal["adm1", "adm2"]
M = TypeVar("M", bound=BaseModel)


class NetworkIn(BaseModel):
    """One directory entry as a liaison enters it (CSV row, YAML item or API body)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    network_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    name: str = Field(min_length=1, max_length=300)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    formal: bool = True
    nationalities: list[str] = Field(default_factory=list)
    areas: list[str] = Field(min_length=1)
    languages: list[str] = Field(default_factory=list)
    services: list[Literal[SERVICES]] = Field(default_factory=list)  # type: ignore[valid-type]
    reach: Literal[REACH] | None = None  # type: ignore[valid-type]
    members_estimate: int | None = Field(default=None, ge=0)
    founded_year: int | None = Field(default=None, ge=1800, le=2100)
    public_listing: bool = False
    source: str | None = None


@dataclass(frozen=True)
class Coverage:
    """Protected coverage counts and the sentences a public page can print from the published cells."""

    table: ProtectedTable
    statements: list[str]


def split_list(value: Any) -> list[str]:
    """A list from a list or from `a;b|c` text (CSV cells)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).replace("|", ";").split(";") if v.strip()]


@lru_cache(maxsize=4096)
def _iso3(code: str) -> str:
    return country(code).iso3


@lru_cache(maxsize=4096)
def _iso639_3(code: str) -> str:
    return language(code).code


def _country_name(code: str) -> str:
    try:
        return country(code).name
    except NotFound:
        return code


@dataclass(frozen=True)
class CodeBook:
    """The codes entries may use: active P-codes, ISO 3166 (plus the boundaries' own country), ISO 639."""

    areas: frozenset[str]
    hosts: frozenset[str]

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> CodeBook:
        rows = con.execute("SELECT a.pcode, s.country FROM geo_areas a JOIN geo_sets s USING (set_id) "
                           "WHERE s.active").fetchall()
        return cls(frozenset(r[0] for r in rows), frozenset(r[1] for r in rows))

    def check(self, *, areas: Iterable[str] = (), nationalities: Iterable[str] = (), languages: Iterable[str] = (),
              where: str = "") -> tuple[list[str], list[str], list[str]]:
        """Areas must be active P-codes; nationalities ISO3 codes; languages ISO 639 (returned as 639-3)."""
        areas, nats, langs = list(areas), [], []
        issues = [Issue("unknown-area", "not an active P-code (import boundaries first)", file=where,
                        column="areas", value=a) for a in areas if a not in self.areas]
        for n in nationalities:
            try:
                nats.append(n if n in self.hosts else _iso3(n))
            except NotFound:
                issues.append(Issue("unknown-country", "not an ISO 3166-1 code", file=where, column="nationalities",
                                    value=n))
        for code in languages:
            try:
                langs.append(_iso639_3(code))
            except NotFound:
                issues.append(Issue("unknown-language", "not an ISO 639 code", file=where, column="languages",
                                    value=code))
        if issues:
            raise RejectedInput(f"{len(issues)} code(s) not recognised", issues=issues)
        return areas, nats, langs


def check_codes(con: duckdb.DuckDBPyConnection, *, areas: Iterable[str] = (), nationalities: Iterable[str] = (),
                languages: Iterable[str] = (), where: str = "") -> tuple[list[str], list[str], list[str]]:
    """One-off check (see `CodeBook` for many entries)."""
    return CodeBook.load(con).check(areas=areas, nationalities=nationalities, languages=languages, where=where)


def parse_rows(model: type[M], rows: Iterable[dict[str, Any]], list_fields: tuple[str, ...], *,
               source: str | None = None, prefix: str = "row") -> list[M]:
    """Validate flat rows (CSV, YAML) into `model`; list cells may be `a;b` text. Every bad row is reported."""
    out, issues = [], []
    for i, row in enumerate(rows, start=1):
        data = {k: v for k, v in row.items() if v is not None and not (isinstance(v, float) and pd.isna(v))
                and v != ""}
        for key in list_fields:
            if key in data:
                data[key] = split_list(data[key])
        try:
            out.append(model.model_validate(data))
        except ValidationError as exc:
            issues += [Issue(f"{prefix}-{e['type']}".replace("_", "-"), e["msg"], file=source, row=i,
                             column=".".join(str(x) for x in e["loc"]) or None) for e in exc.errors()]
    if issues:
        raise RejectedInput(f"{len(issues)} problem(s) in the rows of {source or 'the input'}", issues=issues)
    return out


def parse_networks(rows: Iterable[dict[str, Any]], source: str | None = None) -> list[NetworkIn]:
    """Directory rows into entries."""
    return parse_rows(NetworkIn, rows, ("nationalities", "areas", "languages", "services"), source=source,
                      prefix="network")


def add_networks(con: duckdb.DuckDBPyConnection, actor: Actor, networks: list[NetworkIn]) -> int:
    """Add or replace directory entries (same `network_id` = an update); returns how many were written."""
    authorize(actor, "manage_directory", {"id": "networks"}, con=con)
    if not networks:
        return 0
    rows, book = [], CodeBook.load(con)
    for n in networks:
        areas, nats, langs = book.check( areas=n.areas, nationalities=n.nationalities, languages=n.languages,
                                         where=n.network_id)
        rows.append({**n.model_dump(), "areas": areas, "nationalities": nats, "languages": langs})
    now = datetime.now(UTC)
    frame = pa.Table.from_pylist([{**r, "services": list(r["services"])} for r in rows])
    con.register("_atlas_networks_in", frame)
    try:
        con.execute("DELETE FROM networks WHERE network_id IN (SELECT network_id FROM _atlas_networks_in)")
        con.execute("""INSERT INTO networks SELECT network_id, name, kind, formal, nationalities, areas, languages,
            services, reach, members_estimate, founded_year, public_listing, source, true, ?, ? FROM _atlas_networks_in""",
                    [now, actor.name])
    finally:
        con.unregister("_atlas_networks_in")
    log_event(con, actor.name, "directory.networks-add", None, None, {"networks": [r["network_id"] for r in rows]})
    return len(rows)


def deactivate_network(con: duckdb.DuckDBPyConnection, actor: Actor, network_id: str) -> None:
    """A network that closed stays in the history but leaves every later count and listing."""
    authorize(actor, "manage_directory", {"id": network_id}, con=con)
    if not con.execute("SELECT 1 FROM networks WHERE network_id = ?", [network_id]).fetchone():
        raise NotFound(f"No network {network_id!r}.")
    con.execute("UPDATE networks SET active = false, updated_at = now(), updated_by = ? WHERE network_id = ?",
                [actor.name, network_id])
    log_event(con, actor.name, "directory.network-deactivate", network_id)


def list_networks(con: duckdb.DuckDBPyConnection, actor: Actor | None, *, public_only: bool = False) -> pd.DataFrame:
    """The directory: every active entry for those who keep it; otherwise only entries listed publicly."""
    if not public_only:
        assert actor is not None
        authorize(actor, "manage_directory", {"id": "networks"}, con=con)
        log_event(con, actor.name, "directory.view", "networks")
    where = "active" + (" AND public_listing" if public_only else "")
    return con.execute(f"""SELECT network_id, name, kind, formal, nationalities, areas, languages, services, reach,
        members_estimate, founded_year FROM networks WHERE {where} ORDER BY network_id""").df()


def coverage_policy(min_count: int = COVERAGE_MIN_COUNT) -> DisclosurePolicy:
    """Suppression of small counts of networks; the group rule is off (no sensitive category is shown)."""
    return DisclosurePolicy(method="suppression", min_count=min_count, group=None, secondary="fast")


def area_sql(level: AreaLevel) -> str:
    """An area code raised to `level` (adm2 codes to their adm1 parent; adm1 codes stay when asked for adm1)."""
    return ("coalesce(CASE WHEN g.level = 2 THEN g.parent ELSE g.pcode END, u.area)" if level == "adm1"
            else "CASE WHEN g.level = 2 THEN g.pcode ELSE g.pcode || '_NS' END")


def coverage_counts(con: duckdb.DuckDBPyConnection, level: AreaLevel = "adm1",
                    extra_where: str = "true") -> pd.DataFrame:
    """Distinct active networks per (area at `level`, nationality): the finest cells of the coverage table."""
    return con.execute(f"""
        WITH n AS (SELECT * FROM networks WHERE active AND {extra_where}),
        u AS (SELECT a.network_id, a.area, b.nationality FROM (SELECT network_id, unnest(areas) AS area FROM n) a
              JOIN (SELECT network_id, unnest(CASE WHEN coalesce(len(nationalities), 0) = 0 THEN ['unknown']
                    ELSE nationalities END) AS nationality FROM n) b USING (network_id)),
        lifted AS (SELECT DISTINCT u.network_id, {area_sql(level)} AS area, u.nationality FROM u
                   LEFT JOIN (SELECT a.pcode, a.parent, a.level FROM geo_areas a JOIN geo_sets s USING (set_id)
                              WHERE s.active) g ON g.pcode = u.area)
        SELECT area, nationality, count(*)::BIGINT AS value, count(*)::BIGINT AS n FROM lifted
        GROUP BY ALL ORDER BY ALL""").df()


def protect_coverage(con: duckdb.DuckDBPyConnection, finest: pd.DataFrame, level: AreaLevel, name: str,
                     min_count: int, what: str) -> Coverage:
    """Protect counts by area and nationality with every margin, as any table.

    Each cell counts distinct networks; a margin adds its children, so it counts coverage links (a network
    serving two nationalities, or two communes of a department at adm2, counts in each): the table notes it.
    """
    gaz = gazetteer(con)
    area = h.area_dimension(gaz, level, "area")
    finest = finest[finest["area"].isin(area.parent)].copy()
    nat = h.flat_dimension("nationality", sorted(finest["nationality"].unique()) or ["unknown"])
    cube = compute_margins(finest, [area, nat], dense=True)
    table = protect(cube, coverage_policy(min_count), names=name,
                    title=f"{what.capitalize()} by area and nationality (totals count coverage links)")
    cells = table.cells
    areas = [a for a in table.dimension("area").leaves() if not a.endswith(h.NOT_STATED)]
    leaf = cells[cells["area"].isin(areas) & (cells["nationality"] != TOTAL) & cells["value"].notna()
                 & (cells["value"] > 0)]
    labels = area.labels
    statements = [f"{int(r.value)} {what} cover nationals of {_country_name(str(r.nationality))} ({r.nationality}) "
                  f"in {labels.get(r.area, r.area)} ({r.area})" for r in leaf.itertuples()]
    return Coverage(table, statements)


def network_coverage(con: duckdb.DuckDBPyConnection, *, level: AreaLevel = "adm1",
                     min_count: int = COVERAGE_MIN_COUNT, actor: Actor | None = None) -> Coverage:
    """What the public and ordinary partners see of the directory: protected coverage counts."""
    if min_count < COVERAGE_MIN_COUNT:
        raise RejectedInput(f"coverage counts need min_count >= {COVERAGE_MIN_COUNT}")
    cov = protect_coverage(con, coverage_counts(con, level), level, f"network_coverage_{level}", min_count,
                           "networks")
    log_event(con, actor.name if actor else "public", "directory.coverage", f"networks/{level}", None,
              {"cells": len(cov.table), "min_count": min_count})
    return cov
