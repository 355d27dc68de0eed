"""Protected tables read back from a release package: published cells only, and tampered packages refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from atlas.errors import RejectedInput
from atlas.web.portal import figures
from atlas.web.portal.published import read_release, read_table

from .portal_fixtures import template


@pytest.fixture(scope="session")
def public_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template(tmp_path_factory.getbasetemp()) / "releases" / "public-figures" / "1"


def _writable_copy(folder: Path, target: Path) -> Path:
    shutil.copytree(folder, target)
    for p in [target, *target.rglob("*")]:
        p.chmod(0o700 if p.is_dir() else 0o600)
    return target


def test_release_reads_back_as_the_published_tables(public_package: Path) -> None:
    tables = read_release(public_package)
    assert [t.name for t in tables] == ["migrants_by_region_sex", "migrants_by_age_sex"]
    region = tables[0]
    assert region.title == "Migrants by region and sex" and region.policy.min_count == 10
    assert region.dimension("area").labels["XAT01"] == "Tuvdunwick"
    doc = json.loads((public_package / "migrants_by_region_sex.json").read_text())
    assert len(region) == len(doc["cells"])
    assert figures.can_draw(region, "map") and figures.can_draw(tables[1], "pyramid")


def test_suppressed_cells_stay_missing_and_are_drawn_as_suppressed(public_package: Path, tmp_path: Path) -> None:
    folder = _writable_copy(public_package, tmp_path / "pkg")
    path = folder / "migrants_by_region_sex.json"
    doc = json.loads(path.read_text())
    hidden = next(c for c in doc["cells"] if c["area"] == "XAT03" and c["sex"] == "_T")
    hidden.update(value=None, flag="p")
    path.write_text(json.dumps(doc))
    table = read_table(folder, "migrants_by_region_sex")
    cell = table.cells.query("area == 'XAT03' and sex == '_T'")
    assert np.isnan(cell["value"].iloc[0]) and cell["flag"].iloc[0] == "p"
    rows = {r.code: r.value for r in figures.area_rows(table)}
    assert rows["XAT03"] is None and rows["XAT01"] is not None
    with pytest.raises(RejectedInput, match="does not verify"):
        read_release(folder)  # the edited file no longer matches the signed manifest
