"""Interactive map: one offline HTML file, data inline, suppressed areas hatched and named, nothing fetched."""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from haiti_sample import haiti_table

from atlas.outputs.interactive import interactive_html, vega_spec
from atlas.outputs.maps import MapOptions, geometries_at

# Strings inside the bundled JavaScript that no browser fetches: XML namespaces, schema ids, an error message's
# link, and the "open in editor" action that the page switches off.
INERT = ("http://www.w3.org/", "https://vega.github.io/schema/", "https://github.com/vega/",
         "https://vega.github.io/editor/")


@pytest.fixture(scope="module")
def haiti(_template_workspace: Path):
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    with Workspace.open(Settings(home=_template_workspace)).connect(read_only=True) as con:
        table = haiti_table(con)
        return table, geometries_at(con, table, 2)


@pytest.fixture(scope="module")
def page(haiti) -> str:
    return interactive_html(*haiti, MapOptions(scheme="natural_breaks", source="Test"))


def _walk(node: object) -> list[str]:
    if isinstance(node, dict):
        return [k for k in node] + [x for v in node.values() for x in _walk(v)]
    if isinstance(node, list):
        return [x for v in node for x in _walk(v)]
    return []


def test_spec_holds_data_inline_and_marks_suppressed_areas(haiti) -> None:
    table, geoms = haiti
    spec = vega_spec(table, geoms, MapOptions(lang="fr"))
    assert "url" not in _walk(spec)
    areas = next(d for d in spec["data"] if d["name"] == "areas")["values"]
    assert len(areas) == len(geoms)
    status = {f["properties"]["status"] for f in areas}
    assert {"value", "p", "s"} <= status
    for f in areas:
        props = f["properties"]
        if props["status"] == "p":
            assert props["shown"] == props["key"] == "masqué (moins de 10)"
        if props["status"] in ("p", "s"):
            assert not re.search(r"\d", props["shown"].replace("10", ""))
    hatch = next(d for d in spec["data"] if d["name"] == "hatch")["values"]
    assert hatch and all(h["geometry"]["type"] in ("LineString", "MultiLineString") for h in hatch)
    legend = next(s for s in spec["scales"] if s["name"] == "legend")["domain"]
    assert "masqué (moins de 10)" in legend and "0" not in legend[-2:]
    assert {s["name"] for s in spec["signals"]} >= {"scale", "cx", "cy"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_references_nothing_a_browser_would_fetch(page: str) -> None:
    p = _Tags()
    p.feed(page)
    for tag, attrs in p.tags:
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        assert not attrs.get("src") and not (attrs.get("href") or "").startswith(("http", "//")), (tag, attrs)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    csp = next(a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", page))
    assert all(u.startswith(INERT) for u in urls), sorted(u for u in urls if not u.startswith(INERT))
    assert '"actions":false' in page and len(page) < 3_000_000


def test_arabic_page_direction(haiti) -> None:
    page = interactive_html(*haiti, MapOptions(lang="ar"))
    assert '<html lang="ar" dir="rtl">' in page and "unicode-bidi:plaintext" in page
    assert json.dumps("محجوب (أقل من 10)", ensure_ascii=False)[1:-1] in page


def test_renders_offline_in_a_browser(page: str, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    sync = pytest.importorskip("playwright.sync_api")
    if not Path(chromium).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is missing")
        pytest.skip("chromium not installed")
    html_file = tmp_path / "map.html"
    html_file.write_text(page, encoding="utf-8")
    requests: list[str] = []
    errors: list[str] = []
    with sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 800})
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(html_file.as_uri())
            tab.wait_for_selector("svg path", timeout=20_000)
            text = tab.evaluate("Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join(' ')")
            n_paths = tab.locator("svg path").count()
            box = tab.locator("svg").first.bounding_box()
            tab.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
            tab.mouse.wheel(0, -400)
            tab.wait_for_timeout(200)
        finally:
            browser.close()
    assert not errors
    assert [u for u in requests if not u.startswith("file://")] == []
    assert n_paths > 150 and "suppressed (fewer than 10)" in text


def test_names_cannot_close_the_script(haiti) -> None:
    table, geoms = haiti
    evil = "</script><script>alert(1)</script><!--"
    page = interactive_html(table, geoms.assign(name=evil), MapOptions(title=evil))
    assert "alert(1)</script>" not in page and "<!--" not in page
    assert page.count("</script") == 2 and "<\\/script><script>alert(1)<\\/script>" in page
