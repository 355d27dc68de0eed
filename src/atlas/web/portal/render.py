"""Pages from Jinja2 templates, with the language, direction, caller and CSRF token every page needs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from atlas.web.auth import Principal, csrf_token
from atlas.web.portal.i18n import COOKIE, Translator, languages, negotiate

env = Environment(loader=PackageLoader("atlas.web.portal", "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)


def translator(request: Request) -> Translator:
    """The language of this request: `?lang=`, then the cookie, then Accept-Language."""
    return Translator(negotiate(request.query_params.get("lang"), request.cookies.get(COOKIE),
                                request.headers.get("accept-language")))


def lang_url(request: Request, lang: str, here: str | None = None) -> str:
    """This page in another language (other query parameters kept); after a form, the page to go back to."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    if request.method != "GET":
        here = here or "/"
    return (here or request.url.path) + "?" + urlencode({**params, "lang": lang})


def page(request: Request, template: str, who: Principal, *, status: int = 200, title: str = "",
         here: str | None = None, **context: Any) -> HTMLResponse:
    """Render one page; the chosen language is remembered in a cookie when it came from `?lang=`."""
    t = translator(request)
    html = env.get_template(template).render(
        request=request, t=t, lang=t.lang, dir=t.dir, who=who, title=title or t("site_name"),
        csrf=csrf_token(who) if who.method == "session" else "", languages=languages(),
        lang_url=lambda code: lang_url(request, code, here), path=here or request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Language"] = t.lang
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not who.anonymous:
        response.headers["Cache-Control"] = "private, no-store"  # signed-in pages never sit in a shared cache
    response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                                   "script-src 'none'; frame-ancestors 'none'; form-action 'self'")
    if request.query_params.get("lang") == t.lang:
        response.set_cookie(COOKIE, t.lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
