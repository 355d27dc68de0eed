"""The portal page by page through TestClient: content, languages, access rules, CSRF, accessibility."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .portal_fixtures import MESSY, client_for, copy_world, csrf_of, login_token, sign_in, template

PUBLIC_RELEASE = "/releases/public-figures/1/public"


@pytest.fixture(scope="session")
def portal_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def portal(portal_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One copy shared by the read-only tests of this module."""
    home = copy_world(portal_template, tmp_path_factory.mktemp("portal-ro") / "ws")
    with client_for(home) as client:
        yield client


@pytest.fixture
def fresh(portal_template: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A private copy for a test that changes the workspace."""
    with client_for(copy_world(portal_template, tmp_path / "ws")) as client:
        yield client


def signed_in(client: TestClient, user: str) -> str:
    client.cookies.clear()
    return sign_in(client, user)


def html_tag(text: str) -> str:
    return re.search(r"<html[^>]*>", text).group(0)  # type: ignore[union-attr]


def released_cells(portal_template: Path, table: str) -> list[dict]:
    doc = json.loads((portal_template / "releases" / "public-figures" / "1" / f"{table}.json").read_text())
    return doc["cells"]


# --- public pages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/catalogue", PUBLIC_RELEASE, "/login"])
def test_public_pages_render_with_landmarks(portal: TestClient, path: str) -> None:
    portal.cookies.clear()
    r = portal.get(path, headers={"accept-language": "en"})
    assert r.status_code == 200
    assert html_tag(r.text) == '<html lang="en" dir="ltr">'
    for landmark in ('<a class="skip" href="#main">', '<header class="site" role="banner">', '<main id="main"',
                     '<footer class="site" role="contentinfo">', 'href="/static/portal/portal.css"'):
        assert landmark in r.text
    assert "cdn" not in r.text.lower() and "<script src" not in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_home_leads_with_published_figures_map_chart_and_narrative(portal: TestClient, portal_template: Path) -> None:
    portal.cookies.clear()
    r = portal.get("/?lang=en")
    total = next(c["value"] for c in released_cells(portal_template, "migrants_by_region_sex")
                 if c["area"] == "_T" and c["sex"] == "_T")
    assert f"{total:,}" in r.text
    assert f'src="{PUBLIC_RELEASE}/figures/migrants_by_region_sex.map.svg?lang=en"' in r.text
    assert f'src="{PUBLIC_RELEASE}/figures/migrants_by_age_sex.pyramid.svg?lang=en"' in r.text
    assert 'class="narrative"' in r.text and "migrants were recorded" in r.text
    assert "<caption>Migrants by region and sex</caption>" in r.text


def test_map_and_pyramid_are_svg_drawn_from_the_release(portal: TestClient) -> None:
    r = portal.get(f"{PUBLIC_RELEASE}/figures/migrants_by_region_sex.map.svg?lang=fr")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and 'id="map-legend"' in r.text and "Contrôle de la divulgation" in r.text
    assert portal.get(f"{PUBLIC_RELEASE}/figures/migrants_by_region_sex.pyramid.svg").status_code == 404
    assert portal.get(f"{PUBLIC_RELEASE}/figures/nope.map.svg").status_code == 404


def test_download_gives_the_released_file(portal: TestClient, portal_template: Path) -> None:
    r = portal.get(f"{PUBLIC_RELEASE}/files/migrants_by_region_sex.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content == (portal_template / "releases/public-figures/1/migrants_by_region_sex.csv").read_bytes()
    assert portal.get(f"{PUBLIC_RELEASE}/files/..%2Fmetadata.json").status_code == 404
    assert portal.get(f"{PUBLIC_RELEASE}/files/secret.txt").status_code == 404


def test_catalogue_describes_releases_in_dcat(portal: TestClient) -> None:
    portal.cookies.clear()
    page = portal.get("/catalogue").text
    embedded = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL).group(1))
    doc = portal.get("/catalogue.jsonld").json()
    assert embedded == doc
    assert doc["@type"] == "dcat:Catalog" and doc["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    (dataset,) = doc["dcat:dataset"]
    assert dataset["@type"] == "dcat:Dataset"
    assert dataset["dct:license"] == {"@id": "https://spdx.org/licenses/CC-BY-4.0.html", "dct:identifier": "CC-BY-4.0"}
    assert dataset["dct:identifier"] == "public-figures/1"
    names = {d["dct:title"] for d in dataset["dcat:distribution"]}
    assert {"migrants_by_region_sex.csv", "manifest.json", "manifest.sig"} <= names
    csv = next(d for d in dataset["dcat:distribution"] if d["dct:title"] == "migrants_by_region_sex.csv")
    assert csv["@type"] == "dcat:Distribution" and csv["dcat:mediaType"] == "text/csv"
    assert portal.get(csv["dcat:downloadURL"].replace("http://testserver", "")).status_code == 200
    single = portal.get(f"{PUBLIC_RELEASE}/dcat.jsonld")
    assert single.headers["content-type"].startswith("application/ld+json")
    assert single.json()["@id"] == dataset["@id"]


# --- languages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "direction", "words"), [
    ("en", "ltr", "Migrants in figures"), ("fr", "ltr", "Les migrants en chiffres"),
    ("es", "ltr", "Los migrantes en cifras"), ("ar", "rtl", "المهاجرون بالأرقام")])
def test_each_language_sets_lang_and_direction(portal: TestClient, lang: str, direction: str, words: str) -> None:
    portal.cookies.clear()
    r = portal.get(f"/?lang={lang}")
    assert html_tag(r.text) == f'<html lang="{lang}" dir="{direction}">'
    assert words in r.text and r.headers["content-language"] == lang
    assert f'<div class="narrative" lang="{lang}" dir="{direction}">' in r.text
    for code in ("en", "fr", "es", "ar"):
        assert f'hreflang="{code}"' in r.text


def test_language_from_accept_language_then_cookie(portal: TestClient) -> None:
    portal.cookies.clear()
    assert html_tag(portal.get("/catalogue", headers={"accept-language": "de, ar;q=0.8, en;q=0.5"}).text) == \
        '<html lang="ar" dir="rtl">'
    portal.get("/catalogue?lang=es")
    assert html_tag(portal.get("/login", headers={"accept-language": "fr"}).text) == '<html lang="es" dir="ltr">'
    portal.cookies.clear()


# --- access rules ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/steward", "/steward/ingest", "/steward/quarantine", "/steward/requests",
                                  "/steward/agreements", "/steward/audit", "/partner", "/partner/requests/new",
                                  "/releases/aid-agency-2026/1/aid-agency"])
def test_public_is_sent_to_sign_in(portal: TestClient, path: str) -> None:
    portal.cookies.clear()
    r = portal.get(path)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"


def test_public_cannot_download_or_draw_restricted_releases(portal: TestClient) -> None:
    portal.cookies.clear()
    base = "/releases/aid-agency-2026/1/aid-agency"
    assert portal.get(f"{base}/files/by_region_sex.csv").status_code in (303, 403)
    assert portal.get(f"{base}/dcat.jsonld").status_code in (303, 403)
    assert "aid-agency-2026" not in portal.get("/catalogue.jsonld").text


def test_partner_cannot_see_another_partners_release(portal: TestClient) -> None:
    signed_in(portal, "paula")
    other = "/releases/other-ngo-2026/1/other-ngo"
    for path in (other, f"{other}/files/by_region_sex.csv", f"{other}/figures/by_region_sex.map.svg",
                 f"{other}/dcat.jsonld"):
        assert portal.get(path).status_code == 403, path
    response = portal.get("/partner")
    mine = response.text
    assert "aid-agency-2026/1" in mine and "other-ngo-2026" not in mine
    assert response.headers["cache-control"] == "private, no-store"
    assert portal.get("/releases/aid-agency-2026/1/aid-agency").status_code == 200
    assert portal.get("/steward").status_code == 403
    assert portal.get("/steward/audit").status_code == 403
    assert portal.get("/partner/agreements/other-ngo-2026").status_code == 403
    own = portal.get("/partner/agreements/aid-agency-2026")
    assert own.status_code == 200 and "Hurricane warning" in own.text and "at most 2,000 cells" in own.text


def test_login_cookie_flags_and_failure(portal: TestClient) -> None:
    portal.cookies.clear()
    assert portal.post("/login", data={"username": "paula", "password": "partner-pass-1"}).status_code == 403
    bad = portal.post("/login", data={"username": "paula", "password": "nope", "login_token": login_token(portal)})
    assert bad.status_code == 401 and "Wrong user name or password." in bad.text
    ok = portal.post("/login", data={"username": "paula", "password": "partner-pass-1", "next": "//evil.example",
                                     "login_token": login_token(portal)})
    assert ok.status_code == 303 and ok.headers["location"] == "/partner"
    cookie = ok.headers["set-cookie"]
    assert "atlas_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie
    tls = TestClient(portal.app, base_url="https://testserver", follow_redirects=False)
    signed = tls.post("/login", data={"username": "paula", "password": "partner-pass-1", "login_token": login_token(tls)})
    assert "Secure" in signed.headers["set-cookie"]
    portal.cookies.clear()


def test_sign_in_attempts_are_slowed_down(fresh: TestClient) -> None:
    statuses = [fresh.post("/login", data={"username": "paula", "password": "guess",
                                           "login_token": login_token(fresh)}).status_code for _ in range(16)]
    assert statuses[:10] == [401] * 10 and 429 in statuses  # 10 at once, then one every 6 s


def test_forms_without_the_session_csrf_token_are_refused(portal: TestClient) -> None:
    token = signed_in(portal, "paula")
    form = {"agreement": "aid-agency-2026", "purpose": "preparedness", "name": "x", "dimensions": ["sex"]}
    assert portal.post("/partner/requests", data=form).status_code == 403
    assert portal.post("/partner/requests", data={**form, "csrf_token": "0" * 32}).status_code == 403
    assert portal.post("/logout", data={}).status_code == 403
    assert "Nothing here yet." in portal.get("/partner").text.split('id="h-requests"')[1]
    assert portal.post("/logout", data={"csrf_token": token}).status_code == 303
    assert portal.get("/partner").status_code == 303


# --- partner and steward work ---------------------------------------------------------------------------

def test_special_run_request_approved_by_a_steward(fresh: TestClient) -> None:
    token = signed_in(fresh, "paula")
    form = {"agreement": "aid-agency-2026", "purpose": "preparedness", "name": "by_nationality_sex",
            "title": "Nationalities by sex", "dimensions": ["nationality", "sex"], "csrf_token": token}
    r = fresh.post("/partner/requests", data=form)
    assert r.status_code == 303
    status = r.headers["location"]
    assert "Waiting for a steward" in fresh.get(status).text
    token = signed_in(fresh, "stella")
    queue = fresh.get("/steward/requests").text
    assert "paula" in queue and "aid-agency-2026" in queue
    rid = status.rsplit("/", 1)[1]
    assert fresh.post(f"/steward/requests/{rid}", data={"decision": "approve", "csrf_token": token}).status_code == 422
    r = fresh.post(f"/steward/requests/{rid}", data={"decision": "approve", "reason": "for the shelter plan",
                                                    "csrf_token": token})
    assert r.status_code == 303
    signed_in(fresh, "paula")
    page = fresh.get(status).text
    assert "Approved, protected and released" in page and "for the shelter plan" in page
    link = re.search(r'href="(/releases/aid-agency-2026/\d+/aid-agency)"', page).group(1)
    released = fresh.get(link).text
    assert "Nationalities by sex" in released and f'src="{link}/figures/by_nationality_sex.bars.svg' in released
    bars = fresh.get(f"{link}/figures/by_nationality_sex.bars.svg?lang=es")
    assert bars.status_code == 200 and bars.text.lstrip().startswith("<svg") and "Nacionalidad" in bars.text
    signed_in(fresh, "otto")
    assert fresh.get(link).status_code == 403
    assert fresh.get(status).status_code == 404


def test_a_request_outside_the_agreement_names_the_clause(fresh: TestClient) -> None:
    token = signed_in(fresh, "paula")
    r = fresh.post("/partner/requests", data={"agreement": "aid-agency-2026", "purpose": "preparedness",
                                              "name": "by_district", "dimensions": ["area"], "level": "adm2",
                                              "csrf_token": token})
    assert r.status_code == 403 and "finest_geography" in r.text and 'role="alert"' in r.text
    assert 'value="by_district"' in r.text
    assert 'href="/partner/requests/new?lang=fr"' in r.text  # the language switch leads back to the form


@pytest.mark.parametrize(("path", "text"), [
    ("/steward", "requests waiting for approval"), ("/steward/ingest", 'enctype="multipart/form-data"'),
    ("/steward/quarantine", "Atlantisland"), ("/steward/requests", "Waiting for approval"),
    ("/steward/agreements", "Activate the crisis clause"), ("/steward/audit", "Audit trail intact")])
def test_steward_pages(portal: TestClient, path: str, text: str) -> None:
    signed_in(portal, "stella")
    r = portal.get(path)
    assert r.status_code == 200 and text in r.text


def test_auditor_reads_the_audit_summary_only(portal: TestClient) -> None:
    signed_in(portal, "audrey")
    assert portal.get("/steward/audit").status_code == 200
    assert portal.get("/steward/ingest").status_code == 403


def test_ingest_upload_shows_its_validation_report(fresh: TestClient) -> None:
    token = signed_in(fresh, "stella")
    messy = MESSY.replace("1,F,34", "11,F,35").replace("2,M,300", "12,M,301").replace("3,F,20", "13,F,21")
    r = fresh.post("/steward/ingest", data={"csrf_token": token, "country": "XAT", "kind": "person"},
                   files={"file": ("partner.csv", messy.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    report = r.text.split('id="h-report"')[1]
    assert "3 rows read, 1 stored, 2 quarantined" in report
    assert "Atlantisland" in report and "<caption>" in report


def test_quarantined_rows_are_corrected_and_retried(fresh: TestClient) -> None:
    token = signed_in(fresh, "stella")
    page = fresh.get("/steward/quarantine").text
    batch, rows = re.search(r"/steward/quarantine/(\d+)/retry", page).group(1), \
        re.findall(r"/steward/quarantine/\d+/(\d+)/fix", page)
    assert len(rows) == 2
    fixes = {"age": "30", "nationality": "VEN"}
    for row in rows:
        column = re.search(rf'action="/steward/quarantine/{batch}/{row}/fix".*?<option value="([^"]+)"', page,
                           re.DOTALL).group(1)
        r = fresh.post(f"/steward/quarantine/{batch}/{row}/fix",
                       data={"column": column, "value": fixes[column], "csrf_token": token})
        assert r.status_code == 303
    assert fresh.post(f"/steward/quarantine/{batch}/retry", data={"csrf_token": token}).status_code == 303
    assert "0 rows wait in quarantine." in fresh.get("/steward/quarantine").text


def test_crisis_activation_from_the_agreements_page(fresh: TestClient) -> None:
    token = signed_in(fresh, "stella")
    assert fresh.post("/steward/agreements/aid-agency-2026/crisis",
                      data={"action": "activate", "csrf_token": token}).status_code == 422
    r = fresh.post("/steward/agreements/aid-agency-2026/crisis",
                   data={"action": "activate", "trigger": "Hurricane Ana warning", "days": "7", "csrf_token": token})
    assert r.status_code == 303
    page = fresh.get("/steward/agreements").text
    assert "Hurricane Ana warning" in page and "End the crisis activation" in page
    signed_in(fresh, "paula")
    assert "crisis activation" in fresh.get("/partner").text
    assert fresh.post("/steward/agreements/aid-agency-2026/crisis",
                      data={"action": "end", "csrf_token": csrf_of(fresh.get("/partner").text)}).status_code == 403


# --- accessibility --------------------------------------------------------------------------------------

class _Audit(HTMLParser):
    """Collects form controls with their labels, and tables with their captions and header scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str | None, bool]] = []
        self.label_for: set[str] = set()
        self.in_label = 0
        self.tables: list[dict[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append((a.get("id"), self.in_label > 0))
        elif tag == "table":
            self.tables.append({"caption": 0, "th": 0, "scoped": 0})
        elif tag == "caption" and self.tables:
            self.tables[-1]["caption"] += 1
        elif tag == "th" and self.tables:
            self.tables[-1]["th"] += 1
            self.tables[-1]["scoped"] += a.get("scope") in ("col", "row")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


@pytest.mark.parametrize(("user", "paths"), [
    (None, ["/", "/catalogue", PUBLIC_RELEASE, "/login"]),
    ("paula", ["/partner", "/partner/requests/new", "/partner/agreements/aid-agency-2026",
               "/releases/aid-agency-2026/1/aid-agency"]),
    ("stella", ["/steward", "/steward/ingest", "/steward/quarantine", "/steward/requests", "/steward/agreements",
                "/steward/audit"])])
def test_every_field_is_labelled_and_every_table_captioned(portal: TestClient, user: str | None,
                                                          paths: list[str]) -> None:
    if user:
        signed_in(portal, user)
    else:
        portal.cookies.clear()
    for path in paths:
        audit = _Audit()
        audit.feed(portal.get(path).text)
        for control_id, wrapped in audit.controls:
            assert wrapped or control_id in audit.label_for, f"{path}: unlabelled field {control_id}"
        for table in audit.tables:
            assert table["caption"] == 1 and table["th"] == table["scoped"], f"{path}: {table}"


def test_stylesheet_is_served_from_the_package(portal: TestClient) -> None:
    css = portal.get("/static/portal/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text and "@media (max-width" in css.text and "inset-inline-start" in css.text
    assert portal.get("/static/portal/../i18n/en.json").status_code == 404


def _routes(router: object) -> list[tuple[str, str]]:
    out = []
    for r in getattr(router, "routes", []):
        if hasattr(r, "original_router"):
            out += _routes(r.original_router)
        elif hasattr(r, "methods"):
            out += [(m, r.path) for m in sorted(r.methods) if m != "HEAD"]
    return out


def test_every_portal_route_is_documented() -> None:
    from atlas.web.portal.routes import router

    doc = (Path(__file__).resolve().parents[2] / "docs" / "portal.md").read_text(encoding="utf-8")
    routes = _routes(router)
    assert len(routes) > 20
    for method, path in routes:
        assert f"`{method} {path}`" in doc, f"{method} {path} is not in docs/portal.md"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    css = (Path(__file__).resolve().parents[2] / "src/atlas/web/portal/static/portal.css").read_text()
    v = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [(v["ink"], v["paper"]), (v["muted"], v["paper"]), (v["muted"], v["wash"]), (v["link"], v["paper"]),
             (v["brand-ink"], v["brand"]), (v["brand"], v["wash"]), ("#ffffff", "#083b51"), (v["alert"], "#fdecee"),
             (v["ink"], "#fdecee"), (v["ok"], "#e9f6ee"), ("#7a4b00", v["paper"]), (v["ink"], v["focus"])]
    for fg, bg in pairs:
        assert contrast(fg, bg) >= 4.5, (fg, bg, round(contrast(fg, bg), 2))
