"""The table specs a community profile is made of: one population filter, one policy, small linked tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from atlas.store.fields import WG_DOMAINS
from atlas.tables.spec import FilterClause, ProtectionSpec, TableSpec, parse_spec

AGE_BANDS = [0, 5, 12, 18, 25, 35, 45, 60, 75]
AGE_GROUPS = {"00-17": ["00-04", "05-11", "12-17"], "60+": ["60-74", "75+"]}
AGE_LABELS = {"00-17": "children (0-17)", "60+": "older persons (60+)"}
WORK_FLAGS = ("informal_work", "employer_holds_documents", "unpaid_wages")
NOT_COLLECTED = {"pregnancy": "pregnancy is not a field of the canonical person record in this workspace"}


@dataclass(frozen=True)
class Section:
    """One part of a profile: its key, heading, dimensions (spec form) and what it tells responders."""

    key: str
    title: str
    dimensions: tuple[dict[str, Any], ...]
    group: str
    note: str = ""
    skip_with_nationality: bool = False


def _arrival_bands(this_year: int) -> list[int]:
    return [1900, 2000, 2010, 2015, 2020, *range(2021, this_year + 1)]


def sections(this_year: int) -> tuple[Section, ...]:
    """Every section, in reading order; the profile drops sections whose fields hold no data."""
    base: list[Section] = [
        Section("sex_age", "Sex and age", (
            {"field": "age", "grouping": {"bands": AGE_BANDS, "groups": AGE_GROUPS, "labels": AGE_LABELS}},
            {"field": "sex"}), "size",
            "Estimated size (registered people), age pyramid, children and older persons."),
        Section("nationality", "Nationalities", ({"field": "nationality"},), "origin",
                skip_with_nationality=True),
        Section("ethnicity", "Ethnic groups", ({"field": "ethnicity"},), "origin",
                "As recorded by the source (its own code list)."),
        Section("language", "Main language and host-language capability", (
            {"field": "main_language"}, {"field": "host_language_level"}), "origin",
            "Interpreters: main languages of people with no or basic command of the host language."),
        Section("migration_status", "Migration status", ({"field": "migration_status"},), "vulnerability"),
        Section("disability", "Disability (Washington Group short set)", ({"field": "wg_disability"},),
                "vulnerability", "true: a lot of difficulty or cannot do at all in at least one domain."),
        *(Section(f"wg_{d}", f"Washington Group: {d.replace('_', '-')}", ({"field": f"wg_{d}"},), "vulnerability")
          for d in WG_DOMAINS),
        *(Section(f, f.replace("_", " ").capitalize(), ({"field": f},), "vulnerability",
                  "Working conditions of people who work (unknown: not working or not asked).") for f in WORK_FLAGS),
        Section("unaccompanied_child", "Unaccompanied or separated children", ({"field": "unaccompanied_child"},),
                "vulnerability", "Asked of children only; unknown covers adults."),
        Section("purpose", "Purposes of migration", ({"field": "purpose"},), "migration"),
        Section("arrival", "Arrival periods", (
            {"field": "arrival_year", "grouping": {"bands": _arrival_bands(this_year)}},), "migration",
            "Year of arrival; unknown includes children born in the host country."),
    ]
    return tuple(base)


def section_specs(prefix: str, population: list[FilterClause], protection: ProtectionSpec,
                  chosen: tuple[Section, ...]) -> list[TableSpec]:
    """One spec per section, all with the same population filter and protection (so they are linked tables)."""
    specs = []
    for s in chosen:
        specs.append(parse_spec({
            "name": f"{prefix}.{s.key}", "title": s.title, "kind": "person",
            "filter": [c.model_dump(exclude_none=True) for c in population],
            "dimensions": list(s.dimensions), "measure": "count",
            "protection": protection.model_dump(),
        }, source=f"profile section {s.key}"))
    return specs
