"""The portal's public pages: home, catalogue, releases with downloads and figures, sign-in, static files.

`router` also carries the partner and steward areas (`partner.py`, `steward.py`). Pages are rendered on the
server and work without JavaScript; figures are SVG drawn from released tables, never from records.
"""

from __future__ import annotations

import hmac
import json
import secrets
from importlib import resources
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from atlas.errors import NotFound, PolicyRefused
from atlas.privacy.audit import log_event
from atlas.sharing.catalog import get_agreement
from atlas.web.auth import (
    Principal,
    clear_session_cookie,
    close_session,
    open_session,
    served_workspace,
    set_session_cookie,
)
from atlas.web.portal import catalogue as cat
from atlas.web.portal import figures
from atlas.web.portal.guard import FormText, Visitor, html_errors, posted
from atlas.web.portal.published import read_release
from atlas.web.portal.render import page, translator
from atlas.web.ratelimit import TokenBuckets

router = APIRouter(include_in_schema=False)
STATIC = {"portal.css": "text/css"}
LOGIN_COOKIE = "atlas_login"
LOGINS_PER_MINUTE = 10


def _cache(request: Request) -> figures.FigureCache:
    state = request.app.state
    if not hasattr(state, "portal_figures"):
        state.portal_figures = figures.FigureCache(int(getattr(state.settings, "table_cache", 64)))
    return state.portal_figures  # type: ignore[no-any-return]


def _titles(request: Request, rows: list[cat.ReleaseRow]) -> dict[str, str]:
    out: dict[str, str] = {}
    with served_workspace(request).connect() as con:
        for name in {r.agreement for r in rows}:
            try:
                out[name] = get_agreement(con, name).title or name
            except NotFound:
                out[name] = name
    return out


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _release_view(request: Request, row: cat.ReleaseRow) -> dict:
    """Tables of a package with what can be drawn of each, for the home and release pages."""
    tables = read_release(row.path)
    return {"row": row, "tables": tables, "meta": row.metadata(),
            "maps": [t for t in tables if figures.can_draw(t, "map")],
            "pyramids": [t for t in tables if figures.can_draw(t, "pyramid")],
            "bars": [t for t in tables if figures.can_draw(t, "bars")],
            "areas": {t.name: figures.area_rows(t) for t in tables}}


@router.get("/")
@html_errors
def home(request: Request, who: Visitor) -> Response:
    """Headline figures, map, pyramid and narrative of the latest public release."""
    t = translator(request)
    with served_workspace(request).connect() as con:
        row = cat.latest_public(con)
    if row is None:
        return page(request, "home.html", who, release=None)
    view = _release_view(request, row)
    main = figures.first_with(view["tables"], "map") or view["tables"][0]
    return page(request, "home.html", who, release=view, title=t("home_title"),
                headline=figures.headline(view["tables"], t), story=figures.story(main, t.lang),
                agreement_title=_titles(request, [row]).get(row.agreement))


@router.get("/catalogue")
@html_errors
def catalogue(request: Request, who: Visitor) -> Response:
    """Public releases with their downloads and their DCAT description."""
    t = translator(request)
    with served_workspace(request).connect() as con:
        rows = cat.visible(con, who, public_only=True)
    titles = _titles(request, rows)
    jsonld = json.dumps(cat.catalog(rows, _base(request), t("catalogue_title"), titles), ensure_ascii=False)
    return page(request, "catalogue.html", who, title=t("catalogue_title"), rows=rows, titles=titles,
                jsonld=jsonld.replace("</", "<\\/"))


@router.get("/catalogue.jsonld")
@html_errors
def catalogue_jsonld(request: Request, who: Visitor) -> Response:
    with served_workspace(request).connect() as con:
        rows = cat.visible(con, who, public_only=True)
    body = cat.catalog(rows, _base(request), translator(request)("catalogue_title"), _titles(request, rows))
    return JSONResponse(body, media_type="application/ld+json")


def _row(request: Request, who: Principal, agreement: str, version: int, recipient: str) -> cat.ReleaseRow:
    with served_workspace(request).connect() as con:
        return cat.get_release(con, who, agreement, version, recipient)


@router.get("/releases/{agreement}/{version}/{recipient}")
@html_errors
def release(request: Request, who: Visitor, agreement: str, version: int, recipient: str) -> Response:
    """One package: its tables drawn, its files to download, its disclosure report."""
    row = _row(request, who, agreement, version, recipient)
    view = _release_view(request, row)
    disclosure = json.loads((row.path / "disclosure_report.json").read_text(encoding="utf-8"))
    title = _titles(request, [row]).get(row.agreement)
    jsonld = json.dumps(cat.single(row, _base(request), title), ensure_ascii=False).replace("</", "<\\/")
    return page(request, "release.html", who, title=row.release_id, release=view, files=row.files(),
                disclosure=disclosure, jsonld=jsonld, agreement_title=title)


@router.get("/releases/{agreement}/{version}/{recipient}/dcat.jsonld")
@html_errors
def release_jsonld(request: Request, who: Visitor, agreement: str, version: int, recipient: str) -> Response:
    row = _row(request, who, agreement, version, recipient)
    title = _titles(request, [row]).get(row.agreement)
    return JSONResponse(cat.single(row, _base(request), title), media_type="application/ld+json")


@router.get("/releases/{agreement}/{version}/{recipient}/files/{name}")
@html_errors
def download(request: Request, who: Visitor, agreement: str, version: int, recipient: str,
             name: str) -> Response:
    """A file of the package as released; downloads of restricted packages enter the audit trail."""
    row = _row(request, who, agreement, version, recipient)
    path = cat.release_file(row, name)
    if not row.public:
        with served_workspace(request).connect() as con:
            log_event(con, who.name, "release.download", row.release_id, row.purpose, {"file": name})
    return FileResponse(path, media_type=cat.MEDIA.get(path.suffix.lower(), "application/octet-stream"),
                        filename=name)


@router.get("/releases/{agreement}/{version}/{recipient}/figures/{table}.{kind}.svg")
@html_errors
def figure(request: Request, who: Visitor, agreement: str, version: int, recipient: str, table: str,
           kind: str) -> Response:
    """A map or population pyramid of one released table, as SVG in the page's language."""
    row = _row(request, who, agreement, version, recipient)
    found = [x for x in read_release(row.path) if x.name == table]
    if not found or kind not in figures.KINDS or not figures.can_draw(found[0], kind):
        raise NotFound(f"No {kind} for table {table}.")
    t = translator(request)
    svg = figures.draw(_cache(request), served_workspace(request), row.path, found[0], kind, t.lang,
                       row.metadata().get("provider") or "Atlas")
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600" if row.public else "private, no-store"})


@router.get("/static/portal/{name}")
def static(name: str) -> Response:
    """The portal's own stylesheet, shipped in the package (no CDN)."""
    if name not in STATIC:
        raise NotFound(f"No static file {name!r}.")
    body = resources.files("atlas.web.portal").joinpath("static", name).read_bytes()
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"})


def _next(target: str | None) -> str:
    """Only local paths: a login link cannot send anyone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/login")
@html_errors
def login_form(request: Request, who: Visitor) -> Response:
    """The sign-in form; a one-time token in a strict cookie and the form stops login CSRF."""
    t = translator(request)
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", who, title=t("login_title"), login_token=token,
                    next=_next(request.query_params.get("next")))
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/login",
                        secure=_secure(request))
    return response


def _secure(request: Request) -> bool:
    return bool(getattr(request.app.state.settings, "secure_cookies", False)) or request.url.scheme == "https"


def _throttle(request: Request, username: str) -> float:
    """Seconds to wait before the next sign-in as this user from this address (slows password guessing)."""
    state = request.app.state
    if not hasattr(state, "portal_logins"):
        state.portal_logins = TokenBuckets(LOGINS_PER_MINUTE, LOGINS_PER_MINUTE)
    client = request.client.host if request.client else "unknown"
    return float(state.portal_logins.take(f"login:{client}:{username.lower()[:64]}"))


@router.post("/login")
@html_errors
def login(request: Request, who: Visitor, username: FormText = "", password: FormText = "", next: FormText = "/",
          login_token: FormText = "") -> Response:
    """Password sign-in; the session cookie is HttpOnly, SameSite=Lax, and Secure behind TLS."""
    t = translator(request)
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    if not expected or not hmac.compare_digest(expected, login_token):
        raise PolicyRefused("The sign-in form expired or came from another site; reload it.", clause="access:csrf")
    wait = _throttle(request, username)
    if wait > 0:
        slowed = page(request, "login.html", who, status=429, title=t("login_title"), next=_next(next), here="/login",
                      error=t("login_wait", seconds=int(wait) + 1), username=username, login_token=login_token)
        slowed.headers["Retry-After"] = str(int(wait) + 1)
        return slowed
    try:
        key = open_session(request, username, password)
    except PolicyRefused:
        return page(request, "login.html", who, status=401, title=t("login_title"), next=_next(next), here="/login",
                    error=t("login_failed"), username=username, login_token=login_token)
    target = _next(next)
    if target == "/":
        target = _landing(request, username)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, key, secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _landing(request: Request, name: str) -> str:
    from atlas.privacy.users import actor_for

    with served_workspace(request).connect() as con:
        actor = actor_for(con, name)
    if "steward" in actor.roles:
        return "/steward"
    return "/partner" if "request_runs" in actor.permissions or "read_releases" in actor.permissions else "/"


@router.post("/logout")
@html_errors
def logout(request: Request, who: Visitor, csrf_token: FormText = "") -> Response:
    posted(who, csrf_token)
    close_session(request, who)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    return response


def _include() -> None:
    """The partner and steward areas, and the community profile page (`atlas.communities`) when present."""
    from atlas.web.portal import partner, steward

    router.include_router(partner.router)
    router.include_router(steward.router)
    try:
        from atlas.web.portal import communities, directory
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("atlas.communities"):
            raise
    else:
        router.include_router(communities.router)
        router.include_router(directory.router)


_include()
__all__ = ["router"]
