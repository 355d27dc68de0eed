"""An origin State's consulate workspace for the demo: its registry of citizens abroad, with skills.

The consulate keeps its own encrypted workspace (an origin State does not share a store with a host
State). Part of the registry lives in the fictional host XAT, placed in its districts, so the
origin-State view can show distribution by host country and, where the host's boundaries are imported,
by area.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import SecretStr

from atlas.settings import Settings
from atlas.store.workspace import Workspace

ORIGIN = "VEN"
IN_HOST = 0.2


@dataclass(frozen=True)
class Consulate:
    home: Path
    origin: str
    stored: int
    quarantined: int


def registry_file(out: Path, *, origin: str, rows: int, seed: int, host: str, districts: np.ndarray) -> Path:
    """The consular registry, with a share of households moved to `host` districts (P-codes)."""
    from atlas.demo.consular import generate_citizens_abroad

    raw = out.with_suffix(".raw.csv")
    generate_citizens_abroad(rows, country=origin, seed=seed, out=raw)
    df = pd.read_csv(raw, dtype=str, keep_default_na=False)
    raw.unlink()
    rng = np.random.default_rng([seed, 45])
    households = df["household_id"].unique()
    moved = set(households[rng.random(len(households)) < IN_HOST])
    place = dict(zip(households, rng.choice(districts, len(households)), strict=True))
    here = df["household_id"].isin(moved)
    df["district"] = np.where(here, df["household_id"].map(place), "")
    df.loc[here, ["host_country", "host_city", "consulate"]] = [host, "", ""]
    df.to_csv(out, index=False)
    return out


def build_consulate(home: Path, *, master_key: SecretStr | None, scratch: Path, rows: int = 4000, seed: int = 1,
                    origin: str = ORIGIN) -> Consulate:
    """Create (once) the consulate workspace, import the host boundaries, generate and ingest the registry."""
    from atlas.demo.country import demo_areas, write_cod_ab_style
    from atlas.geo.boundaries import import_boundaries
    from atlas.ingest.pipeline import IngestOptions, ingest_file

    settings = Settings(home=home, master_key=master_key)
    if not (home / "keyring.json").exists():
        Workspace.init(settings)
    ws = Workspace.open(settings)
    with ws.connect() as con:
        done = con.execute("SELECT count(*) FROM batches").fetchone()
        if done and done[0]:
            return Consulate(home, origin, 0, 0)
        for level in (1, 2):
            import_boundaries(con, write_cod_ab_style(scratch / f"consulate_adm{level}.geojson", level),
                              country="XAT", level=level)
    areas = demo_areas()
    districts = areas.loc[areas["level"] == areas["level"].max(), "pcode"].astype(str).to_numpy()
    path = registry_file(scratch / "citizens_abroad.csv", origin=origin, rows=rows, seed=seed, host="XAT",
                         districts=districts)
    mapping = Path(str(resources.files("atlas.demo").joinpath("consular_mapping.yaml")))
    r = ingest_file(ws, path, IngestOptions(mapping=mapping, source_name=f"Consular registry of {origin}"))
    return Consulate(home, origin, r.rows_stored, r.rows_quarantined)
