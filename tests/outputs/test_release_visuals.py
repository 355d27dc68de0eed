"""Maps, graphs, narratives and briefing packs asked by an agreement are in the release and its signed manifest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from atlas.privacy.users import actor_for
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import add_agreement
from atlas.sharing.release import run_release, verify_release
from atlas.store.workspace import Workspace

FORMATS = ["csv", "map-svg", "map-html", "pyramid-svg", "narrative-html", "brief-html", "brief-pdf"]


def _people(folder: Path) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    districts = {"HT0111": 420, "HT0112": 300, "HT0113": 4, "HT0121": 260, "HT0921": 180}
    rows: dict[str, list[str]] = {"record_id": [], "sex": [], "age": [], "nationality": [], "district": []}
    for district, n in districts.items():
        for j in range(n):
            rows["record_id"].append(f"{district}-{j}")
            rows["sex"].append("F" if j % 2 else "M")
            rows["age"].append(str((j * 7) % 80))
            rows["nationality"].append(("VEN", "DOM", "CUB")[j % 3])
            rows["district"].append(district)
    folder.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(pa.table(rows), folder / "people.csv")
    (folder / "mapping.yaml").write_text("kind: person\nsource: test\nlegal_basis: public_task\n"
                                         "purposes: [statistics]\n", encoding="utf-8")
    return folder


@pytest.fixture
def release(workspace: Workspace, tmp_path: Path):
    from atlas.ingest.pipeline import IngestOptions, ingest_file

    src = _people(tmp_path / "src")
    ingest_file(workspace, src / "people.csv", IngestOptions(country="HTI", mapping=src / "mapping.yaml"))
    a = parse_agreement({
        "name": "ins-partner-maps", "title": "Maps and briefs for a partner",
        "parties": {"provider": "INS", "recipients": ["agency-x"]},
        "tables": [{"name": "by_dept_sex", "dimensions": [{"field": "area", "level": "adm1"}, {"field": "sex"}]},
                   {"name": "by_age_sex", "dimensions": [{"field": "age", "grouping": {"bands": [0, 18, 60]}},
                                                         {"field": "sex"}]}],
        "dimensions": ["area", "sex", "age"], "finest_geography": "adm1",
        "disclosure": {"method": "suppression", "min_count": 10}, "formats": FORMATS,
        "purposes": ["statistics"], "start": "2026-01-01", "expiry": f"{date.today().year + 2}-01-01",
    })
    with workspace.connect() as con:
        add_agreement(con, actor_for(con, workspace.settings.user), a)
    return run_release(workspace, a.name)


def test_agreed_visual_formats_are_released_and_signed(release) -> None:
    assert verify_release(release.path).ok
    listed = {f["path"] for f in json.loads((release.path / "manifest.json").read_text())["files"]}
    expected = {"by_dept_sex.map.svg", "by_dept_sex.map.html", "by_dept_sex.narrative.html", "by_dept_sex.brief.html",
                "by_age_sex.pyramid.svg", "by_age_sex.narrative.html", "by_age_sex.brief.html"}
    assert expected <= listed
    assert not {"by_age_sex.map.svg", "by_dept_sex.pyramid.svg"} & listed  # formats that do not apply are skipped
    pdfs = {p for p in listed if p.endswith(".brief.pdf")}
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        assert not pdfs
    else:
        assert pdfs == {"by_dept_sex.brief.pdf", "by_age_sex.brief.pdf"}
        assert (release.path / "by_dept_sex.brief.pdf").read_bytes().startswith(b"%PDF")
    svg = (release.path / "by_dept_sex.map.svg").read_text(encoding="utf-8")
    assert 'id="suppressed-areas-p"' in svg or 'id="value-areas"' in svg
    page = (release.path / "by_dept_sex.map.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script src" not in page
