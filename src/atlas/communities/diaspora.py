"""The origin-State view: citizens abroad by host country and area, their characteristics and skills.

Read from an origin State's registry of citizens abroad (person records with migration status
`citizen_abroad`), through the same generated specs and protection as a community profile. Skill
queries ("medical professionals among the diaspora by host country") are one more protected table:
ISCO-08 major groups, ISIC sections and ISCED levels are the vocabulary, so "medical" means ISCO 2-3
working in ISIC Q (human health and social work) — the registry holds major groups, not ISCO 22.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from atlas.communities.profile import (
    SectionOut,
    SuppressedCell,
    Withheld,
    protect_section_tables,
    section_out,
)
from atlas.communities.sections import AGE_BANDS, AGE_GROUPS, AGE_LABELS, Section, section_specs
from atlas.errors import Issue, NotFound, RejectedInput
from atlas.privacy.access import Actor
from atlas.store.workspace import Workspace
from atlas.tables.fields import code_labels
from atlas.tables.spec import FilterClause, ProtectionSpec

DEFAULT_PROTECTION = ProtectionSpec(method="cell_key", min_count=10)
SKILL_PRESETS: dict[str, dict[str, list[str]]] = {
    "medical": {"sector_isic": ["Q"], "isco_major": ["2", "3"]},
    "teachers": {"sector_isic": ["P"], "isco_major": ["2", "3"]},
    "engineers_technicians": {"sector_isic": ["C", "D", "F"], "isco_major": ["2", "3"]},
    "tertiary_educated": {"isced_level": ["6", "7", "8"]},
    "construction": {"sector_isic": ["F"]},
}
SKILL_FIELDS = ("isco_major", "isced_level", "sector_isic")

SECTIONS: tuple[Section, ...] = (
    Section("hosts", "Citizens abroad by host country", ({"field": "host_country", "grouping": "un_m49_region"},),
            "distribution"),
    Section("sex_age", "Sex and age", ({"field": "age", "grouping": {"bands": AGE_BANDS, "groups": AGE_GROUPS,
                                                                     "labels": AGE_LABELS}}, {"field": "sex"}),
            "characteristics"),
    Section("purpose", "Purposes of migration", ({"field": "purpose"},), "characteristics"),
    Section("diaspora", "Settled diaspora (10+ years or born abroad) by host country",
            ({"field": "host_country"}, {"field": "diaspora"}), "characteristics"),
    Section("occupation", "Occupation (ISCO-08 major group) by host country",
            ({"field": "host_country"}, {"field": "isco_major"}), "skills", "Unknown: not working or not asked."),
    Section("education", "Education (ISCED 2011) by host country",
            ({"field": "host_country"}, {"field": "isced_level"}), "skills"),
    Section("language", "Main language by host country", ({"field": "host_country"}, {"field": "main_language"}),
            "skills"),
)
AREAS = Section("areas", "Citizens abroad by area (hosts whose boundaries are imported)",
                ({"field": "area", "level": "adm2"},), "distribution")


class DiasporaView(BaseModel):
    """JSON form of the origin-State view (API and `atlas diaspora --format json`)."""

    origin: str | None
    purpose: str
    generated_at: str
    method: str
    min_count: int
    size: int | None
    sections: list[SectionOut]
    skill: SectionOut | None = None
    suppressed: list[SuppressedCell]
    withheld: list[Withheld] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def skill_filter(preset: str | None = None, **codes: list[str]) -> tuple[str, list[FilterClause]]:
    """A named preset or explicit codes per skill field, as filter clauses (validated against the vocabulary)."""
    if preset is not None and preset not in SKILL_PRESETS:
        raise RejectedInput(f"unknown skill preset {preset!r}", issues=[
            Issue("skill-preset", "not a preset", value=preset, hint=", ".join(SKILL_PRESETS))])
    wanted = {**(SKILL_PRESETS[preset] if preset else {}), **{k: v for k, v in codes.items() if v}}
    bad = sorted(set(wanted) - set(SKILL_FIELDS))
    if bad or not wanted:
        raise RejectedInput("a skill query needs codes of isco_major, isced_level or sector_isic",
                            issues=[Issue("skill-fields", f"got {', '.join(bad) or 'nothing'}")])
    label = preset or "; ".join(f"{k} in {','.join(v)}" for k, v in wanted.items())
    return label, [FilterClause(field=k, op="in", value=list[str | int | float | bool](v)) for k, v in wanted.items()]


def _boundary_countries(ws: Workspace) -> list[str]:
    with ws.connect(read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT country FROM geo_sets WHERE active ORDER BY 1").fetchall()]


def diaspora_view(ws: Workspace, origin: str | None = None, *, skill: str | None = None,
                  skill_codes: dict[str, list[str]] | None = None, protection: ProtectionSpec = DEFAULT_PROTECTION,
                  purpose: str = "statistics", actor: Actor | None = None) -> DiasporaView:
    """Distribution, characteristics and skills of citizens abroad (of `origin` when the registry holds several)."""
    population = [FilterClause(field="migration_status", op="eq", value="citizen_abroad")]
    if origin is not None:
        origin = origin.strip().upper()
        if origin not in code_labels("nationality"):
            raise RejectedInput(f"{origin!r} is not an ISO 3166-1 alpha-3 code",
                                issues=[Issue("unknown-origin", "not a country code", value=origin)])
        population.append(FilterClause(field="nationality", op="eq", value=origin))
    with ws.connect(read_only=True) as con:
        n = con.execute("SELECT count(*) FROM persons WHERE migration_status = 'citizen_abroad'").fetchone()
    if not n or not n[0]:
        raise NotFound("no citizens abroad in this workspace",
                       issues=[Issue("no-registry", "ingest a consular registry (migration status citizen_abroad)")])
    prefix = f"diaspora.{origin or 'all'}"
    specs = section_specs(prefix, population, protection, SECTIONS)
    tables, withheld = protect_section_tables(ws, specs, SECTIONS, purpose, protection.method, actor)
    outs, suppressed = _outs(SECTIONS, tables)
    countries = _boundary_countries(ws)
    if countries:
        where = [*population, FilterClause(field="adm0", op="in", value=list[str | int | float | bool](countries))]
        area_tables, w = protect_section_tables(ws, section_specs(prefix, where, protection, (AREAS,)), (AREAS,),
                                                purpose, protection.method, actor)
        o, s = _outs((AREAS,), area_tables)
        outs, suppressed, withheld = [*outs[:1], *o, *outs[1:]], suppressed + s, withheld + w
    skill_out = None
    if skill or skill_codes:
        label, clauses = skill_filter(skill, **(skill_codes or {}))
        sk = Section("skill", f"{label}: by host country", ({"field": "host_country", "grouping": "un_m49_region"},),
                     "skills", "Query: " + "; ".join(f"{c.field} in {','.join(map(str, c.value))}" for c in clauses))  # type: ignore[arg-type]
        sk_tables, w = protect_section_tables(ws, section_specs(f"{prefix}.skill", [*population, *clauses],
                                                                protection, (sk,)), (sk,), purpose,
                                                 protection.method, actor)
        o, s = _outs((sk,), sk_tables)
        skill_out, suppressed, withheld = (o[0] if o else None), suppressed + s, withheld + w
    policy = specs[0].policy
    hosts = next((o for o in outs if o.key == "hosts"), None)
    return DiasporaView(
        origin=origin, purpose=purpose, generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        method=policy.method, min_count=policy.min_count, size=hosts.total if hosts else None, sections=outs,
        skill=skill_out, suppressed=suppressed, withheld=withheld,
        notes=[(f"Counts of registered citizens abroad, protected by {policy.method.replace('_', ' ')} with a "
               f"minimum of {policy.min_count}; no count from 1 to {policy.min_count - 1} is shown."),
               "By area only for host countries whose boundaries are imported in this workspace."],
    )


def _outs(chosen: tuple[Section, ...], tables: dict) -> tuple[list[SectionOut], list[SuppressedCell]]:
    outs, hidden = [], []
    for s in chosen:
        if s.key in tables:
            o, h = section_out(s, tables[s.key])
            outs.append(o)
            hidden += h
    return outs, hidden
