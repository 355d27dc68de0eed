"""A Haiti workspace with a small generated population collected for statistics, consular work and emergencies."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from atlas.store.workspace import Workspace

# Agreements stay in force two calendar years ahead of any run of the tests (a fixed date expires under them).
EXPIRY = date(date.today().year + 2, 1, 1).isoformat()
# District (adm2) -> people; HT0113 is a small locality of 4 people (the differencing target).
DISTRICTS = {"HT0111": 420, "HT0112": 300, "HT0113": 4, "HT0121": 260, "HT0921": 180}
MAPPING = """kind: person
source: "test register"
legal_basis: public_task
purposes: [statistics, consular_assistance, emergency_response, preparedness]
"""


def population_rows() -> dict[str, list[str]]:
    """Deterministic records: sex and nationality cycle inside each district."""
    rows: dict[str, list[str]] = {"record_id": [], "sex": [], "age": [], "nationality": [], "district": []}
    i = 0
    for district, n in DISTRICTS.items():
        for j in range(n):
            rows["record_id"].append(str(i))
            rows["sex"].append("F" if j % 2 else "M")
            rows["age"].append(str(18 + (i * 7) % 60))
            rows["nationality"].append(("VEN", "DOM", "CUB")[j % 3])
            rows["district"].append(district)
            i += 1
    return rows


def ingest_population(ws: Workspace, folder: Path, rows: dict[str, list[str]] | None = None) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from atlas.ingest.pipeline import IngestOptions, ingest_file

    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "people.csv"
    pacsv.write_csv(pa.table(rows or population_rows()), data)
    mapping = folder / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    ingest_file(ws, data, IngestOptions(country="HTI", mapping=mapping))


@pytest.fixture
def populated(workspace: Workspace, tmp_path: Path) -> Workspace:
    ingest_population(workspace, tmp_path / "src")
    return workspace


def agreement_data(**over: object) -> dict:
    """A valid agreement between the statistics office and the Venezuelan consulate; override any clause."""
    data: dict = {
        "name": "ins-consulate-ven",
        "title": "Venezuelan nationals by department",
        "parties": {"provider": "INS", "recipients": ["consulate-VEN"]},
        "tables": [{"name": "by_dept_sex", "dimensions": [{"field": "area", "level": "adm1"}, {"field": "sex"}]},
                   {"name": "by_nat_sex", "dimensions": [{"field": "nationality"}, {"field": "sex"}]}],
        "dimensions": ["area", "adm2", "sex", "nationality", "age"],
        "finest_geography": "adm1",
        "disclosure": {"method": "suppression", "min_count": 10},
        "formats": ["csv", "json"],
        "cadence": "monthly on day 1",
        "purposes": ["consular_assistance", "statistics"],
        "special_runs": {"allowed": True, "max_cells": 500, "max_per_month": 5, "approval_required": False},
        "start": "2026-01-01",
        "expiry": EXPIRY,
    }
    data.update(over)
    return data
