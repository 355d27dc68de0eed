"""`atlas profile`, `atlas diaspora`, `atlas trends`: community views read from protected tables."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from atlas.commands.common import console, open_workspace

Home = Annotated[Path | None, typer.Option(help="Workspace folder.")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="Output file (default: print to the terminal).")]


class Fmt(str, Enum):
    json = "json"
    md = "md"
    html = "html"


class Method(str, Enum):
    suppression = "suppression"
    cell_key = "cell_key"


def _protection(method: Method, min_count: int | None):
    from atlas.tables.spec import ProtectionSpec

    return ProtectionSpec(method=method.value, min_count=min_count or 10,
                          secondary="fast" if method is Method.suppression else "auto")


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"[green]written[/green] {out}")


def _csv_list(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def register(app: typer.Typer) -> None:
    @app.command()
    def profile(
        area: Annotated[str | None, typer.Argument(help="Admin code (P-code) or country ISO3; omit with --polygon.")] = None,
        nationality: Annotated[str | None, typer.Option(help="Only this nationality (ISO 3166-1 alpha-3).")] = None,
        polygon: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="GeoJSON polygon, resolved to the admin areas mostly inside it.")] = None,
        format: Annotated[Fmt, typer.Option("--format", "-f", help="json (API form), md or html.")] = Fmt.md,
        out: Out = None,
        method: Annotated[Method, typer.Option(help="cell_key (consistent across profiles) or suppression (linked across sections; serve one method per audience).")] = Method.cell_key,
        min_count: Annotated[int | None, typer.Option(help="Minimum frequency k (default 10; never below 3).")] = None,
        purpose: Annotated[str, typer.Option(help="Purpose; only records collected for it are counted.")] = "statistics",
        lang: Annotated[str, typer.Option(help="Language of the narrative: en, fr, es, ar.")] = "en",
        home: Home = None,
    ) -> None:
        """Community profile of an area: size, sex and age, origins, languages, vulnerability, purposes, arrival."""
        from atlas.communities.profile import build_profile
        from atlas.communities.render import profile_html, profile_md, profile_narrative

        ws = open_workspace(home)
        with console.status("Protecting the profile's tables…"):
            result = build_profile(ws, area, polygon=polygon, nationality=nationality,
                                   protection=_protection(method, min_count), purpose=purpose)
        if format is Fmt.json:
            text = result.profile.model_dump_json(indent=2)
        elif format is Fmt.html:
            text = profile_html(result, lang=lang)
        else:
            text = profile_md(result, profile_narrative(result, lang))
        _emit(text, out)

    @app.command()
    def diaspora(
        origin: Annotated[str | None, typer.Option(help="Origin State (ISO3) when the registry holds several.")] = None,
        skill: Annotated[str | None, typer.Option(help="Preset: medical, teachers, engineers_technicians, tertiary_educated, construction.")] = None,
        isco: Annotated[str | None, typer.Option(help="ISCO-08 major groups, comma-separated (e.g. 2,3).")] = None,
        sector: Annotated[str | None, typer.Option(help="ISIC sections, comma-separated (e.g. Q).")] = None,
        isced: Annotated[str | None, typer.Option(help="ISCED levels, comma-separated (e.g. 6,7,8).")] = None,
        format: Annotated[Fmt, typer.Option("--format", "-f", help="json or md.")] = Fmt.md,
        out: Out = None,
        method: Annotated[Method, typer.Option(help="cell_key (default) or suppression.")] = Method.cell_key,
        min_count: Annotated[int | None, typer.Option(help="Minimum frequency k (default 10).")] = None,
        purpose: Annotated[str, typer.Option(help="Purpose of the view.")] = "preparedness",
        home: Home = None,
    ) -> None:
        """Origin-State view: citizens abroad by host country and area, characteristics and diaspora skills."""
        from atlas.communities.diaspora import diaspora_view
        from atlas.communities.render import diaspora_md, md_to_html

        codes = {"isco_major": _csv_list(isco), "sector_isic": _csv_list(sector), "isced_level": _csv_list(isced)}
        ws = open_workspace(home)
        with console.status("Protecting the diaspora tables…"):
            view = diaspora_view(ws, origin, skill=skill, skill_codes={k: v for k, v in codes.items() if v} or None,
                                 protection=_protection(method, min_count), purpose=purpose)
        text = (view.model_dump_json(indent=2) if format is Fmt.json
                else md_to_html(diaspora_md(view), "Citizens abroad") if format is Fmt.html else diaspora_md(view))
        _emit(text, out)

    @app.command()
    def trends(
        measure: Annotated[str, typer.Argument(help="stock or flows (partner rounds), register (register rounds), arrivals (register), or releases (what each release of --table showed).")] = "stock",
        level: Annotated[str, typer.Option(help="Admin level of the areas: adm1 or adm2.")] = "adm1",
        granularity: Annotated[str, typer.Option(help="year, quarter or month (partner series).")] = "month",
        area: Annotated[list[str] | None, typer.Option(help="Only these areas (codes at --level); repeat.")] = None,
        nationality: Annotated[str | None, typer.Option(help="Only this nationality (ISO3).")] = None,
        revisions: Annotated[bool, typer.Option(help="Also list which release showed which figure of the total series.")] = False,
        table: Annotated[str | None, typer.Option(help="With `releases`: a released table, e.g. migrants_by_district_nationality_sex.")] = None,
        cell: Annotated[list[str] | None, typer.Option(help="With `releases`: DIMENSION=CODE (others at their total); repeat.")] = None,
        source: Annotated[str | None, typer.Option(help="With `register`: only batches of this source (as ingested).")] = None,
        format: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "csv",
        out: Out = None,
        home: Home = None,
    ) -> None:
        """Time series of stocks and flows by area and nationality, protected, with breaks and revisions."""
        from atlas.communities import trends as tr
        from atlas.errors import RejectedInput

        if measure not in ("stock", "flows", "register", "arrivals", "releases") or granularity not in (
                "year", "quarter", "month"):
            raise RejectedInput("measure is stock, flows, register, arrivals or releases; "
                                "granularity year, quarter or month")
        ws = open_workspace(home)
        if measure == "releases":
            if not table or any("=" not in c for c in cell or []):
                raise RejectedInput("releases needs --table NAME and cells as --cell DIMENSION=CODE")
            coords = dict(c.split("=", 1) for c in cell or [])
            history = [r.model_dump() for r in tr.revisions(ws, table, **coords)]
            if format == "json":
                _emit(json.dumps(history, indent=2, ensure_ascii=False), out)
            else:
                _emit("release_id,created_at,value,flag,revised\n" + "".join(
                    f"{r['release_id']},{r['created_at']},{r['value']},{r['flag']},{r['revised']}\n" for r in history), out)
            return
        with console.status("Protecting the series…"):
            if measure == "arrivals":
                result = tr.arrivals_trend(ws, level=level)
            elif measure == "register":
                result = tr.register_trend(ws, source=source, level=level, granularity=granularity,  # type: ignore[arg-type]
                                           nationality=nationality, areas=tuple(area or ()))
            else:
                result = tr.partner_trend(ws, measure, level=level, granularity=granularity,  # type: ignore[arg-type]
                                          nationality=nationality, areas=tuple(area or ()))
        trend = result.trend
        doc = trend.model_dump()
        if revisions:
            doc["revisions"] = {p.period: [r.model_dump() for r in tr.revisions(ws, trend.table, **(
                {"period": p.period} if measure != "arrivals" else {"arrival_year": p.period}))]
                for p in tr.series(trend)}
        if format == "json":
            _emit(json.dumps(doc, indent=2, ensure_ascii=False), out)
            return
        lines = ["period,area,nationality,value,flag"] + [
            f"{p.period},{p.area},{p.nationality},{'' if p.value is None else p.value},{p.flag}" for p in trend.points]
        _emit("\n".join(lines) + "\n", out)
        for b in trend.breaks:
            console.print(f"[yellow]break[/yellow] at {b.period}: {b.detail}")
