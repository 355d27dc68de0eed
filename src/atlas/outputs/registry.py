"""Renderers of protected tables, registered through one protocol (built-ins register like extensions)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from atlas.errors import Issue, NotFound, PolicyRefused
from atlas.protection.protected import ProtectedTable


@runtime_checkable
class Renderer(Protocol):
    """Writes one ProtectedTable to one file; `name` is the format asked for (csv, xlsx...)."""

    name: str
    suffix: str
    media_type: str

    def render(self, table: ProtectedTable, out: Path) -> Path: ...


_RENDERERS: dict[str, Renderer] = {}


def register(renderer: Renderer, *, replace: bool = False) -> None:
    """Add a renderer; a second one for the same format needs `replace=True`."""
    if renderer.name in _RENDERERS and not replace:
        raise ValueError(f"a renderer for {renderer.name!r} is already registered")
    _RENDERERS[renderer.name] = renderer


def _builtins() -> None:
    if _RENDERERS:
        return
    from atlas.outputs.csvfile import CsvRenderer
    from atlas.outputs.datapackage import DataPackageRenderer
    from atlas.outputs.geojson import GeoJsonRenderer
    from atlas.outputs.hxl import HxlRenderer
    from atlas.outputs.jsonfile import JsonRenderer
    from atlas.outputs.sdmx import SdmxCsvRenderer
    from atlas.outputs.structure import StructureRenderer
    from atlas.outputs.xlsxfile import XlsxRenderer

    builtin: list[Renderer] = [CsvRenderer(), JsonRenderer(), XlsxRenderer(), StructureRenderer(), HxlRenderer(),
                               SdmxCsvRenderer(), DataPackageRenderer(), GeoJsonRenderer(), *_visual()]
    for r in builtin:
        _RENDERERS.setdefault(r.name, r)


def _visual() -> list[Renderer]:
    """Maps, charts and narratives (geometries for maps come from the active workspace)."""
    from atlas.outputs.brief import NarrativeRenderer
    from atlas.outputs.charts import ChartRenderer
    from atlas.outputs.maps import MapRenderer
    from atlas.outputs.visual import VisualRenderer

    newer = ("map-html", "flowmap-svg", "flowmap-png", "sankey-svg", "sankey-png", "timeseries-svg", "timeseries-png",
             "brief-html", "brief-pdf")
    return [MapRenderer("svg"), MapRenderer("png"), ChartRenderer("pyramid", "svg"), ChartRenderer("pyramid", "png"),
            ChartRenderer("nationality-bars", "svg"), ChartRenderer("nationality-bars", "png"), NarrativeRenderer(),
            *(VisualRenderer(f) for f in newer)]


def formats() -> list[str]:
    """Format names that can be rendered."""
    _builtins()
    return sorted(_RENDERERS)


def get_renderer(fmt: str) -> Renderer:
    """The renderer registered for `fmt`; NotFound lists the known formats."""
    _builtins()
    try:
        return _RENDERERS[fmt]
    except KeyError:
        raise NotFound(
            f"no renderer for format {fmt!r}",
            issues=[Issue("unknown-format", f"known formats: {', '.join(formats())}", value=fmt)],
        ) from None


def output_path(table: ProtectedTable, renderer: Renderer, out: str | Path) -> Path:
    """`out` itself, or `<out>/<name><suffix>` when `out` is a folder."""
    p = Path(out)
    return p / f"{table.name}{renderer.suffix}" if p.is_dir() else p


def render(protected: ProtectedTable, fmt: str, out_path: str | Path) -> Path:
    """Write `protected` as `fmt` to `out_path` (file or folder); only ProtectedTable objects are accepted."""
    if not isinstance(protected, ProtectedTable):
        raise PolicyRefused(
            "only protected tables can be rendered",
            clause="output",
            issues=[Issue("not-protected", f"got {type(protected).__name__}")],
        )
    renderer = get_renderer(fmt)
    target = output_path(protected, renderer, out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return renderer.render(protected, target)
