"""The portal in headless Chromium: a visitor sees the map and downloads a release, a partner asks for a
special run and a steward approves it, and the Arabic portal reads right to left, on a desktop and a phone.

Screenshots go to /tmp/h3_*.png (or $ATLAS_SCREENSHOTS) so a person can look at them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .portal_fixtures import PASSWORD, Server, copy_world, serve, template

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("ATLAS_SCREENSHOTS", "/tmp"))
PHONE = {"width": 390, "height": 844}
pytestmark = pytest.mark.browser


def _need_browser() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _need_browser()
    home = copy_world(template(tmp_path_factory.getbasetemp()), tmp_path_factory.mktemp("portal-browser") / "ws")
    yield from serve(home)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, name: str) -> Path:
    path = SHOTS / f"h3_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(browser: Any, server: Server, user: str, **context: Any) -> Any:
    page = browser.new_context(locale="en-GB", **context).new_page()
    page.goto(f"{server.url}/login?lang=en")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD[user])
    page.get_by_role("button", name="Sign in").click()
    return page


def image_loaded(page: Any, selector: str) -> bool:
    return bool(page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0"))


def test_public_visitor_sees_the_map_and_downloads_a_release(browser: Any, server: Server, tmp_path: Path) -> None:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server.url}/")
    assert page.locator("h1").inner_text() == "Migrants in figures"
    page.wait_for_load_state("networkidle")
    assert image_loaded(page, 'img[src*=".map.svg"]') and image_loaded(page, 'img[src*=".pyramid.svg"]')
    assert page.locator(".headline li").count() >= 3
    shot(page, "home_en")
    page.get_by_role("link", name="Catalogue", exact=True).click()
    assert page.locator("h1").inner_text() == "Catalogue of releases"
    with page.expect_download() as info:
        page.get_by_role("link", name="migrants_by_region_sex.csv").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.read_text(encoding="utf-8").splitlines()[0] == "area,sex,value,flag"
    shot(page, "catalogue_en")
    page.get_by_role("link", name="public-figures/1").click()
    page.wait_for_load_state("networkidle")
    assert image_loaded(page, 'img[src*=".map.svg"]')
    page.get_by_text("Show the figures as a table").first.click()
    assert page.get_by_role("table", name="Migrants by region and sex").first.is_visible()
    shot(page, "release_en")
    context.close()


def test_keyboard_reaches_the_skip_link_first(browser: Any, server: Server) -> None:
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{server.url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top >= 0")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.context.close()


def test_partner_requests_a_special_run_and_a_steward_approves_it(browser: Any, server: Server) -> None:
    partner = sign_in(browser, server, "paula", viewport={"width": 1280, "height": 900})
    assert partner.url.endswith("/partner")
    partner.get_by_role("link", name="Request a special data run").first.click()
    partner.get_by_label("Agreement").select_option("aid-agency-2026")
    partner.get_by_label("Purpose").select_option("preparedness")
    partner.get_by_label("Table name").fill("by_nationality_sex")
    partner.get_by_label("Title").fill("Nationalities by sex")
    partner.get_by_label("nationality", exact=True).check()
    partner.get_by_label("sex", exact=True).check()
    shot(partner, "request_form")
    partner.get_by_role("button", name="Submit the request").click()
    assert "Waiting for a steward" in partner.locator("main").inner_text()
    status_url = partner.url
    shot(partner, "request_pending")

    steward = sign_in(browser, server, "stella", viewport={"width": 1280, "height": 900})
    assert steward.url.endswith("/steward")
    steward.get_by_role("link", name="requests waiting for approval").click()
    card = steward.locator("article.card").filter(has_text="paula")
    card.get_by_label("Reason").fill("Needed for the shelter plan")
    shot(steward, "steward_requests")
    card.get_by_role("button", name="Approve").click()
    assert "Needed for the shelter plan" in steward.locator("main").inner_text()
    shot(steward, "steward_approved")

    partner.goto(status_url)
    assert "Approved, protected and released" in partner.locator("main").inner_text()
    partner.get_by_role("link", name="Open release").click()
    assert "Nationalities by sex" in partner.locator("main").inner_text()
    partner.wait_for_load_state("networkidle")
    assert image_loaded(partner, 'img[src*=".bars.svg"]')
    shot(partner, "special_release")
    partner.context.close()
    steward.context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_arabic_portal_reads_right_to_left(browser: Any, server: Server, viewport: str) -> None:
    size = PHONE if viewport == "phone" else {"width": 1280, "height": 900}
    context = browser.new_context(locale="ar", viewport=size, is_mobile=viewport == "phone",
                                  device_scale_factor=2 if viewport == "phone" else 1)
    page = context.new_page()
    page.goto(f"{server.url}/?lang=ar")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    assert page.locator("h1").inner_text() == "المهاجرون بالأرقام"
    h1 = page.locator("h1").bounding_box()
    assert h1 is not None and h1["x"] + h1["width"] > size["width"] * 0.6  # the heading starts at the right
    assert image_loaded(page, 'img[src*=".map.svg"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1  # no sideways scrolling
    shot(page, f"home_ar_{viewport}")
    page.goto(f"{server.url}/catalogue")
    assert page.evaluate("document.documentElement.dir") == "rtl"  # the language stays chosen
    shot(page, f"catalogue_ar_{viewport}")
    context.close()


def test_phone_layout_of_the_partner_area(browser: Any, server: Server) -> None:
    page = sign_in(browser, server, "paula", viewport=PHONE, is_mobile=True, device_scale_factor=2)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(page, "partner_phone")
    page.goto(f"{server.url}/partner/requests/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(page, "request_form_phone")
    page.goto(f"{server.url}/partner/agreements/aid-agency-2026?lang=fr")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(page, "agreement_fr_phone")
    page.context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_steward_pages_fit_the_screen(browser: Any, server: Server, viewport: str) -> None:
    size = PHONE if viewport == "phone" else {"width": 1280, "height": 900}
    page = sign_in(browser, server, "stella", viewport=size, is_mobile=viewport == "phone")
    for name in ("ingest", "quarantine", "agreements", "audit"):
        page.goto(f"{server.url}/steward/{name}")
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1, name
        shot(page, f"steward_{name}_{viewport}")
    page.context.close()
