"""Community profile of an area (and optionally one nationality), read only from protected tables.

Every section is a generated table spec with the same population filter and policy, protected together
(`communities.protect`), so suppression is linked and audited across the sections and cell-key
perturbation gives the same contributors the same figure everywhere. The profile copies published cells
only (a suppressed cell is `None` with its flag); shares are ratios of two published cells; groups such as
"older persons" are margins of the tables, never sums made here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from atlas.communities.area import AreaSelection, resolve_code, resolve_polygon
from atlas.communities.protect import protect_sections
from atlas.communities.sections import NOT_COLLECTED, Section, section_specs, sections
from atlas.communities.trends import Break, Point, partner_trend, series
from atlas.errors import Issue, NotFound, PolicyRefused, RejectedInput
from atlas.privacy.access import Actor
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.protection.protected import ProtectedTable
from atlas.store.workspace import Workspace
from atlas.tables.fields import code_labels
from atlas.tables.service import protected_tables
from atlas.tables.spec import FilterClause, ProtectionSpec

HIDDEN = (PRIMARY, SECONDARY)
REASONS = {PRIMARY: "fewer than k people, or would reveal a sensitive attribute of a small group",
           SECONDARY: "hidden so that another suppressed figure cannot be worked out"}
# Cell-key by default: the same people give the same figure in every profile, table and special run, so
# profiles asked for overlapping areas cannot be subtracted. Serve one method per population and audience:
# a suppressed cell shown perturbed elsewhere would be estimated within the perturbation.
DEFAULT_PROTECTION = ProtectionSpec(method="cell_key", min_count=10)


class AreaOut(BaseModel):
    asked: str
    level: str
    codes: list[str]
    names: dict[str, str]
    how: str
    share_inside: dict[str, float] = Field(default_factory=dict)
    label: str


class Cell(BaseModel):
    """One published (or suppressed) figure: codes per dimension, labels, value, flag, share of the total."""

    codes: dict[str, str]
    labels: dict[str, str]
    value: int | None
    flag: str
    share: float | None = None


class SectionOut(BaseModel):
    key: str
    title: str
    group: str
    note: str = ""
    table: str
    dimensions: list[str]
    total: int | None
    total_flag: str
    cells: list[Cell]


class SuppressedCell(BaseModel):
    section: str
    table: str
    codes: dict[str, str]
    labels: dict[str, str]
    flag: str
    reason: str


class Withheld(BaseModel):
    section: str
    title: str
    reason: str


class Profile(BaseModel):
    """The JSON form of a profile (API and `--format json`)."""

    area: AreaOut
    nationality: str | None = None
    nationality_name: str | None = None
    purpose: str
    generated_at: str
    method: str
    min_count: int
    size: int | None
    size_flag: str
    sections: list[SectionOut]
    suppressed: list[SuppressedCell]
    withheld: list[Withheld] = Field(default_factory=list)
    not_collected: dict[str, str] = Field(default_factory=dict)
    trend: list[Point] = Field(default_factory=list)
    trend_breaks: list[Break] = Field(default_factory=list)
    trend_table: str | None = None
    notes: list[str] = Field(default_factory=list)

    def section(self, key: str) -> SectionOut | None:
        return next((s for s in self.sections if s.key == key), None)


@dataclass(frozen=True)
class ProfileResult:
    """The profile and the protected tables it was read from (for charts, narratives and audits)."""

    profile: Profile
    tables: dict[str, ProtectedTable]
    selection: AreaSelection


def select_area(ws: Workspace, area: str | None, polygon: Path | dict | None) -> AreaSelection:
    """Exactly one of an admin code or a polygon file."""
    if (area is None) == (polygon is None):
        raise RejectedInput("give an admin code or a polygon, not both and not neither",
                            issues=[Issue("profile-area", "AREA or --polygon FILE")])
    with ws.connect(read_only=True) as con:
        return resolve_polygon(con, polygon) if polygon is not None else resolve_code(con, str(area))


def _collected(ws: Workspace, chosen: tuple[Section, ...]) -> tuple[tuple[Section, ...], dict[str, str]]:
    """Sections whose fields hold at least one value anywhere in the store (a source property, not a count)."""
    fields = sorted({d["field"] for s in chosen for d in s.dimensions} - {"wg_disability", "main_language"})
    with ws.connect(read_only=True) as con:
        row = con.execute("SELECT " + ", ".join(f"count({f}) > 0" for f in fields) + ", count(languages) > 0, "
                          "count(wg_seeing) + count(wg_walking) > 0 FROM persons").fetchone()
    have = dict(zip([*fields, "main_language", "wg_disability"], row or (), strict=True))
    keep = tuple(s for s in chosen if all(have.get(d["field"], False) for d in s.dimensions))
    missing = {s.key: f"{s.title}: not collected by any source in this workspace" for s in chosen if s not in keep}
    return keep, {**missing, **NOT_COLLECTED}


def _labels(table: ProtectedTable, codes: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, code in codes.items():
        dim = table.dimension(name)
        out[name] = "total" if code == TOTAL else dim.labels.get(code) or _language(name, code) or code
    return out


def _language(field: str, code: str) -> str | None:
    if field != "main_language":
        return None
    from atlas.vocab.languages import language

    try:
        return language(code).name
    except NotFound:
        return None


def section_out(section: Section, table: ProtectedTable) -> tuple[SectionOut, list[SuppressedCell]]:
    """Published figures of one section and its suppressed cells (codes only, never a value)."""
    cells = table.cells
    dims = table.dim_names
    at_total = (cells[dims] == TOTAL).all(axis=1)
    total_row = cells[at_total].iloc[0]
    total = None if total_row["flag"] in HIDDEN else int(total_row["value"])
    out, hidden = [], []
    for row in cells[~at_total].itertuples(index=False):
        r = row._asdict()
        codes = {d: str(r[d]) for d in dims}
        labels = _labels(table, codes)
        flag = str(r["flag"])
        value = None if flag in HIDDEN or r["value"] is None or str(r["value"]) == "<NA>" else int(r["value"])
        share = round(value / total, 4) if value is not None and total else None
        out.append(Cell(codes=codes, labels=labels, value=value, flag=flag, share=share))
        if flag in HIDDEN:
            hidden.append(SuppressedCell(section=section.key, table=table.name, codes=codes, labels=labels,
                                         flag=flag, reason=REASONS[flag]))
    return SectionOut(key=section.key, title=section.title, group=section.group, note=section.note,
                      table=table.name, dimensions=dims, total=total, total_flag=str(total_row["flag"]),
                      cells=out), hidden


def protect_section_tables(ws: Workspace, specs: list, chosen: tuple[Section, ...], purpose: str,
                           method: str, actor: Actor | None = None) -> tuple[dict[str, ProtectedTable], list[Withheld]]:
    """Suppression protects all sections at once (linked); perturbation section by section, withholding a
    section that would show (nearly) all of a group in one sensitive category."""
    if method == "suppression":
        tables = protect_sections(ws, specs, purpose=purpose, actor=actor)
        return {s.key: t for s, t in zip(chosen, tables, strict=True)}, []
    try:
        tables = protected_tables(ws, specs, purpose=purpose, actor=actor)
        return {s.key: t for s, t in zip(chosen, tables, strict=True)}, []
    except PolicyRefused as exc:
        if exc.clause != "group":
            raise
    out: dict[str, ProtectedTable] = {}
    withheld: list[Withheld] = []
    for s, spec in zip(chosen, specs, strict=True):
        try:
            (out[s.key],) = protected_tables(ws, [spec], purpose=purpose, actor=actor)
        except PolicyRefused as exc:
            if exc.clause != "group":
                raise
            withheld.append(Withheld(section=s.key, title=s.title, reason=exc.message))
    return out, withheld


def build_profile(ws: Workspace, area: str | None = None, *, polygon: Path | dict | None = None,
                  nationality: str | None = None, protection: ProtectionSpec = DEFAULT_PROTECTION,
                  purpose: str = "statistics", today: dt.date | None = None,
                  actor: Actor | None = None) -> ProfileResult:
    """Resolve the area, protect every section together and copy only what the protected tables publish."""
    today = today or dt.date.today()
    selection = select_area(ws, area, polygon)
    population = selection.filter()
    names = code_labels("nationality")
    if nationality is not None:
        nationality = nationality.strip().upper()
        if nationality not in names:
            raise RejectedInput(f"{nationality!r} is not an ISO 3166-1 alpha-3 code",
                                issues=[Issue("unknown-nationality", "not a country code", value=nationality)])
        population = [*population, FilterClause(field="nationality", op="eq", value=nationality)]
    chosen = tuple(s for s in sections(today.year) if not (nationality and s.skip_with_nationality))
    chosen, not_collected = _collected(ws, chosen)
    prefix = f"profile.{'_'.join(selection.codes)[:60]}" + (f".{nationality}" if nationality else "")
    specs = section_specs(prefix, population, protection, chosen)
    tables, withheld = protect_section_tables(ws, specs, chosen, purpose, protection.method, actor)
    outs, suppressed = [], []
    for s in chosen:
        if s.key in tables:
            o, hidden = section_out(s, tables[s.key])
            outs.append(o)
            suppressed += hidden
    size = next((o for o in outs if o.key == "sex_age"), outs[0] if outs else None)
    policy = specs[0].policy
    profile = Profile(
        area=AreaOut(asked=selection.asked, level=selection.level, codes=list(selection.codes),
                     names=selection.names, how=selection.how, share_inside=selection.share_inside,
                     label=selection.label),
        nationality=nationality, nationality_name=names.get(nationality) if nationality else None,
        purpose=purpose, generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        method=policy.method, min_count=policy.min_count,
        size=size.total if size else None, size_flag=size.total_flag if size else "",
        sections=outs, suppressed=suppressed, withheld=withheld, not_collected=not_collected,
        notes=_notes(policy.method, policy.min_count, selection),
    )
    _add_trend(ws, profile, selection, nationality, actor)
    return ProfileResult(profile, {k: v for k, v in tables.items()}, selection)


def _add_trend(ws: Workspace, profile: Profile, selection: AreaSelection, nationality: str | None,
               actor: Actor | None = None) -> None:
    """The stock reported by partners over time for the selection (its own protected table), when any."""
    sub = selection.level in ("adm1", "adm2")
    try:
        result = partner_trend(ws, "stock", level=selection.level if sub else "adm1", granularity="month",
                               nationality=nationality, areas=selection.codes if sub else (), actor=actor)
    except NotFound:
        return
    profile.trend = series(result.trend)
    profile.trend_breaks = result.trend.breaks
    profile.trend_table = result.table.name
    profile.notes.append("Trend: stock reported by partners in successive rounds (a separate source from the "
                         "register; latest round wins for a period it re-reports).")


def _notes(method: str, k: int, selection: AreaSelection) -> list[str]:
    notes = [(f"Counts of registered people eligible for this purpose; protected by {method.replace('_', ' ')} "
             f"with a minimum of {k}. A suppressed figure is shown as 'suppressed', never as 0.")]
    if method != "suppression":
        notes.append(f"Figures are perturbed or rounded: small differences are noise; no count from 1 to {k - 1} "
                     "is ever shown, and sections that would show nearly all of a group in one sensitive "
                     "category are withheld.")
    if selection.how == "polygon":
        notes.append("The polygon was resolved to the admin areas with at least half of their land inside it; "
                     "people recorded only at a coarser level are not counted.")
    return notes
