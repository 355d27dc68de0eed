"""The main job on the embedded store: a demo workspace built end to end, as a new user would run it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from atlas.errors import PolicyRefused
from atlas.settings import Settings
from atlas.store.workspace import Workspace

Say = Callable[[str], None]


@dataclass
class DemoReport:
    home: Path
    out: Path
    key_file: Path | None
    ingested: dict[str, tuple[int, int]] = field(default_factory=dict)  # file -> (stored, quarantined)
    tables: dict[str, Path] = field(default_factory=dict)
    community_views: dict[str, Path] = field(default_factory=dict)  # issue 8: profile, trends, diaspora
    refused: dict[str, str] = field(default_factory=dict)  # table -> why protection refused to publish it
    logins: list = field(default_factory=list)  # DemoLogin of the portal users created by the sharing step
    communities: dict[str, Path] = field(default_factory=dict)  # contingency outputs: coverage, evidence, trafficking
    briefs: list[Path] = field(default_factory=list)  # briefing packs (issue 6): brief.<lang>.html/.pdf, interactive maps


# Tables shown only in the briefing packs: routes from the partners' flow monitoring, arrivals by year.
BRIEF_EXTRA_SPECS: list[dict] = [
    {"name": "routes_origin_entry_destination", "title": "Flow monitoring: origin, entry point and destination",
     "kind": "aggregate", "dimensions": [{"field": "origin_country"}, {"field": "entry_point"},
                                         {"field": "destination_country"}],
     "protection": {"method": "rounding", "min_count": 10, "rounding_base": 5, "rounding_mode": "conventional"}},
    {"name": "arrivals_by_year_sex", "title": "Migrants by year of arrival and sex (cell-key perturbed)",
     "dimensions": [{"field": "arrival_year", "grouping": {
         "bands": list(range(2012, 2027)), "labels": {f"{y}-{y}": str(y) for y in range(2012, 2026)}}}, {"field": "sex"}],
     "protection": {"method": "cell_key", "min_count": 10}},
]


def _specs() -> list[Path]:
    folder = resources.files("atlas.demo").joinpath("specs")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def run_demo(settings: Settings, *, rows: int = 50_000, seed: int = 1, out: Path | None = None,
             say: Say = lambda _: None) -> DemoReport:
    """Init (if needed), import the fictional country, generate and ingest people, protect standard tables."""
    from atlas.demo.country import write_cod_ab_style
    from atlas.demo.dirty import write_dirty_set
    from atlas.demo.partners import write_partner_files
    from atlas.demo.population import generate_population
    from atlas.geo.boundaries import import_boundaries
    from atlas.ingest.pipeline import IngestOptions, ingest_file
    from atlas.tables.service import protected_tables, write_table
    from atlas.tables.spec import load_spec

    home = settings.home
    key_file = None
    if not Workspace.exists(settings):
        say("creating the encrypted workspace")
        key_file = Workspace.init(settings).key_file
    ws = Workspace.open(settings)
    out = out or home / "outputs"
    report = DemoReport(home, out, key_file)
    scratch = Path(tempfile.mkdtemp(prefix="atlas-demo-"))
    try:
        with ws.connect() as con:
            have = con.execute("SELECT count(*) FROM geo_sets WHERE country = 'XAT' AND active").fetchone()[0]
            if not have:
                say("importing the boundaries of the fictional country XAT")
                for level in (1, 2):
                    path = write_cod_ab_style(scratch / f"xat_adm{level}.geojson", level)
                    import_boundaries(con, path, country="XAT", level=level)
            done = con.execute("SELECT count(*) FROM batches").fetchone()[0]
        if not done:
            say(f"generating {rows:,} fictional migrants")
            from atlas.demo.country import demo_areas

            summary = generate_population(rows, areas=demo_areas(), host_country="XAT", seed=seed,
                                          out=scratch / "people.csv", fmt="csv")
            mapping = Path(str(resources.files("atlas.demo").joinpath("people_mapping.yaml")))
            say("ingesting the register (identifiers sealed in the vault)")
            r = ingest_file(ws, Path(summary.path), IngestOptions(mapping=mapping, source_name="Demo register"))
            report.ingested["people.csv"] = (r.rows_stored, r.rows_quarantined)
            say("ingesting a messy partner file to show validation and quarantine")
            write_dirty_set(scratch / "dirty", areas=demo_areas(), host_country="XAT", seed=seed)
            messy = scratch / "dirty" / "messy.csv"
            r = ingest_file(ws, messy, IngestOptions(country="XAT", source_name="Demo partner file (messy)",
                                                     report=out / "validation" / "messy.issues.csv"))
            report.ingested["messy.csv"] = (r.rows_stored, r.rows_quarantined)
            say("ingesting partner flow-monitoring aggregates")
            files = write_partner_files(scratch / "partners", areas=demo_areas(), host_country="XAT", seed=seed)
            flows = files.get("flow_monitoring", scratch / "partners" / "flow_monitoring.csv")
            flows_mapping = Path(str(resources.files("atlas.demo").joinpath("flows_mapping.yaml")))
            r = ingest_file(ws, flows, IngestOptions(kind="aggregate", mapping=flows_mapping))
            report.ingested["flow_monitoring.csv"] = (r.rows_stored, r.rows_quarantined)
        say("protecting and writing the standard tables")
        specs = [load_spec(p) for p in _specs()]
        for spec in specs:
            try:
                (table,) = protected_tables(ws, [spec], purpose="statistics")
            except PolicyRefused as exc:  # e.g. a small population: refusing is the protection working
                report.refused[spec.name] = str(exc)
                continue
            for fmt in ("csv", "xlsx", "json"):
                paths = write_table(table, fmt, out / "tables")
            report.tables[spec.name] = paths[0].with_suffix(".csv")
        # --- Briefing packs (issue 6): narrative, maps, charts, routes and trends per language, HTML + PDF ---
        from atlas.outputs.brief import BriefOptions, brief_from_specs
        from atlas.tables.spec import parse_spec

        say("writing the briefing packs in English, French, Spanish and Arabic (HTML, PDF, interactive maps)")
        extra = [parse_spec(s) for s in BRIEF_EXTRA_SPECS]
        report.briefs = brief_from_specs(ws, [s for s in specs if s.name not in report.refused] + extra, out / "brief",
                                         ("en", "fr", "es", "ar"),
                                         BriefOptions(source="Atlas demo (fictional data)", interactive=True))
        # --- Communities (issue 8, parts 1, 2, 4): partner rounds, a district profile, trends, diaspora ---
        from atlas.demo.communities import run_communities

        report.community_views = run_communities(ws, settings, out=out / "communities", scratch=scratch,
                                                 seed=seed, say=say)
        from atlas.demo.sharing import share_demo

        report.logins = share_demo(ws, say)
        # Contingency directory (issue 8, parts 5-7): networks, focal points, evidence, trafficking reports.
        from atlas.demo.contingency import run_contingency

        say("contingency directory: networks, focal points with consent, evidence and trafficking reports")
        report.communities = run_contingency(ws, out, seed=seed, say=say)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report
