"""A small Atlantis workspace for the community tests: boundaries, a register, partner rounds and flows."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from atlas.settings import Settings
from atlas.store.workspace import Workspace

ROWS = 4000
_SHARED: dict[int, Workspace] = {}


def shared_atlantis(rows: int = ROWS) -> Workspace:
    """One Atlantis per process for every test module that only reads it (built once, removed at exit)."""
    if rows not in _SHARED:
        root = Path(tempfile.mkdtemp(prefix="atlas-atlantis-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        _SHARED[rows] = build_atlantis(root / "ws", root / "scratch", rows=rows)
    return _SHARED[rows]


def build_atlantis(home: Path, scratch: Path, *, rows: int = ROWS, seed: int = 3) -> Workspace:
    """Init, import XAT's two levels, ingest `rows` people, the four partner rounds and flow monitoring."""
    from atlas.demo.communities import ingest_rounds
    from atlas.demo.country import demo_areas, write_cod_ab_style
    from atlas.demo.population import generate_population
    from atlas.geo.boundaries import import_boundaries
    from atlas.ingest.pipeline import IngestOptions, ingest_file

    settings = Settings(home=home)
    Workspace.init(settings)
    ws = Workspace.open(settings)
    scratch.mkdir(parents=True, exist_ok=True)
    with ws.connect() as con:
        for level in (1, 2):
            import_boundaries(con, write_cod_ab_style(scratch / f"xat{level}.geojson", level), country="XAT",
                              level=level)
    people = generate_population(rows, areas=demo_areas(), host_country="XAT", seed=seed,
                                 out=scratch / "people.csv", fmt="csv")
    mapping = Path(str(resources.files("atlas.demo").joinpath("people_mapping.yaml")))
    ingest_file(ws, Path(people.path), IngestOptions(mapping=mapping, source_name="Demo register"))
    ingest_rounds(ws, scratch, seed)
    from atlas.demo.partners import write_partner_files

    files = write_partner_files(scratch / "partners", areas=demo_areas(), host_country="XAT", seed=seed)
    flows_mapping = Path(str(resources.files("atlas.demo").joinpath("flows_mapping.yaml")))
    ingest_file(ws, files["flow_monitoring"], IngestOptions(kind="aggregate", mapping=flows_mapping))
    return ws
