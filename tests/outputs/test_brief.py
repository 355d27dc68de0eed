"""Briefing pack: self-contained page (no external resource), unique ids, languages, PDF, the command."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import typer
from haiti_sample import haiti_table
from typer.testing import CliRunner

from atlas.outputs.brief import BriefOptions, NarrativeRenderer, build_brief, write_brief
from atlas.outputs.maps import geometries_at


@pytest.fixture(scope="module")
def pack_inputs(_template_workspace: Path):
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    with Workspace.open(Settings(home=_template_workspace)).connect(read_only=True) as con:
        tables = [haiti_table(con, ("area", "age", "sex"), level="adm1", name="pyr"),
                  haiti_table(con, ("area", "nationality"), name="nat")]
        geoms = {(t.name, lvl): geometries_at(con, t, lvl) for t in tables for lvl in (1, 2)}
    return tables, lambda t, lvl: geoms[(t.name, lvl)]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(page)
    return p.tags


def test_page_is_self_contained_with_unique_ids(pack_inputs) -> None:
    tables, geoms = pack_inputs
    pack = build_brief(tables, geoms, BriefOptions(source="Test"))
    tags = _tags(pack.html)
    names = [t for t, _ in tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert not re.search(r"(src|href)=\"(https?:)?//", pack.html) and "@import" not in pack.html
    assert names.count("svg") == len(pack.figures) >= 4  # admin-1 map x2, admin-2 map, pyramid, bars
    ids = [a["id"] for _, a in tags if a.get("id")]
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r"url\(#([^)]+)\)", pack.html))
    assert refs <= set(ids)


def test_sections_have_narrative_table_and_note(pack_inputs) -> None:
    tables, geoms = pack_inputs
    page = build_brief(tables, geoms).html
    assert page.count('class="narrative"') == 2
    assert page.count("Disclosure control: cell suppression") >= 2
    assert '<td class="hidden">suppressed</td>' in page
    assert "Manifest" in page


def test_arabic_page_is_right_to_left(pack_inputs) -> None:
    tables, geoms = pack_inputs
    page = build_brief(tables[:1], geoms, BriefOptions(lang="ar")).html
    root = _tags(page)[0]
    assert root == ("html", {"lang": "ar", "dir": "rtl"})
    assert 'lang="ar" dir="rtl"' in page and re.search(r"[\u0600-\u06ff]", page)


def test_pdf_renders_to_pages(pack_inputs, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    tables, geoms = pack_inputs
    paths = write_brief(tables[:1], tmp_path, geoms, BriefOptions(lang="fr"))
    pdf = tmp_path / "brief.fr.pdf"
    assert pdf in paths and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    page = next(tmp_path.glob("p*.png"))
    assert page.stat().st_size > 5_000


def test_narrative_renderer(pack_inputs, tmp_path: Path) -> None:
    tables, _ = pack_inputs
    out = NarrativeRenderer("ar").render(tables[0], tmp_path / "n.html")
    assert 'dir="rtl"' in out.read_text(encoding="utf-8")


def test_brief_command_registered_and_refuses_unknown_language(tmp_path: Path) -> None:
    from atlas.commands.brief import register
    from atlas.errors import RejectedInput

    app = typer.Typer()
    register(app)

    @app.command()
    def _other() -> None: ...

    runner = CliRunner()
    assert "--lang" in runner.invoke(app, ["brief", "--help"]).output
    spec = tmp_path / "s.yaml"
    spec.write_text("name: x\n")
    result = runner.invoke(app, ["brief", str(spec), "--lang", "de", "-o", str(tmp_path)])
    assert isinstance(result.exception, RejectedInput)


def test_routes_and_trends_get_their_figures() -> None:
    from routes_sample import route_table
    from trends_sample import trend_table

    pack = build_brief([route_table(), trend_table()], None, BriefOptions(source="Test"))
    assert len(pack.figures) == 3  # flow map, Sankey, time series
    assert 'id="t0-flow-flow-legend"' in pack.html and 'id="t0-sankey-sankey-title"' in pack.html
    assert "Gaps are suppressed values" in pack.figures[2]
    assert not re.search(r"(src|href)=\"(https?:)?//", pack.html)


def test_arabic_maps_are_shaped_outlines(pack_inputs) -> None:
    tables, geoms = pack_inputs
    pack = build_brief(tables[:1], geoms, BriefOptions(lang="ar"))
    drawn = re.sub(r"<!--.*?-->", "", pack.figures[0], flags=re.DOTALL)
    assert "<text" not in drawn and re.search(r"[\u0600-\u06ff]", pack.figures[0])


def test_interactive_maps_written_and_linked(pack_inputs, tmp_path: Path) -> None:
    tables, geoms = pack_inputs
    paths = write_brief(tables[1:], tmp_path, geoms, BriefOptions(lang="es", interactive=True), pdf=False)
    page, inter = paths
    assert inter.name == "brief.es.nat.map.html" and "Content-Security-Policy" in inter.read_text(encoding="utf-8")
    assert f'<a href="{inter.name}">Mapa interactivo (funciona sin conexión)</a>' in page.read_text(encoding="utf-8")
