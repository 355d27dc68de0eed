"""Headline figures, maps, charts and narratives of a released package, drawn once and kept per language."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from atlas.errors import AtlasError
from atlas.outputs import charts
from atlas.outputs.maps import AREA_NAMES, MapOptions, geometries_at, svg_text
from atlas.outputs.narrative import narrative
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.protection.protected import ProtectedTable
from atlas.web.portal.i18n import Translator
from atlas.web.state import ServedWorkspace

KINDS = ("map", "pyramid", "bars")
_draw_lock = threading.Lock()  # Matplotlib and vl-convert are not safe to drive from several threads at once


class FigureCache:
    """Rendered SVGs by (package, table, kind, language); releases never change, so entries never go stale."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str, str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str, str], make: Callable[[], str]) -> str:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        with _draw_lock:
            svg = make()
        if self.size:
            with self._lock:
                self._items[key] = svg
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return svg


def area_dim(table: ProtectedTable) -> str | None:
    return next((d.name for d in table.dimensions if d.name in AREA_NAMES), None)


def can_draw(table: ProtectedTable, kind: str) -> bool:
    names = set(table.dim_names)
    if kind == "map":
        return area_dim(table) is not None
    return {"age", "sex"} <= names if kind == "pyramid" else "nationality" in names


def first_with(tables: list[ProtectedTable], kind: str) -> ProtectedTable | None:
    return next((t for t in tables if can_draw(t, kind)), None)


def _map(ws: ServedWorkspace, table: ProtectedTable, lang: str, source: str) -> str:
    dim = table.dimension(area_dim(table) or "area")
    level = max(dim.level(c) for c in dim.parent if c != TOTAL)
    with ws.connect(read_only=True) as con:
        geoms = geometries_at(con, table, level)
    return svg_text(table, geoms, MapOptions(lang=lang, source=source))


def _pyramid(table: ProtectedTable, lang: str) -> str:
    return charts.to_svg(charts.pyramid(table, lang=lang))


def _bars(table: ProtectedTable, lang: str) -> str:
    return charts.to_svg(charts.nationality_bars(table, lang=lang))


def draw(cache: FigureCache, ws: ServedWorkspace, folder: Path, table: ProtectedTable, kind: str, lang: str,
         source: str) -> str:
    """The SVG of one figure of one released table (map, population pyramid or nationality bars)."""
    if not can_draw(table, kind):
        raise AtlasError(f"table {table.name} cannot be drawn as a {kind}")
    makers = {"map": lambda: _map(ws, table, lang, source), "pyramid": lambda: _pyramid(table, lang),
              "bars": lambda: _bars(table, lang)}
    make = makers[kind]
    return cache.get((str(folder), table.name, kind, lang), make)


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


def _published(table: ProtectedTable, **at: str) -> float | None:
    cells = table.cells
    mask = None
    for d in table.dim_names:
        hit = cells[d] == at.get(d, TOTAL)
        mask = hit if mask is None else mask & hit
    row = cells[mask]
    if row.empty or row["flag"].iloc[0] in (PRIMARY, SECONDARY) or row["value"].isna().iloc[0]:
        return None
    return float(row["value"].iloc[0])


def headline(tables: list[ProtectedTable], t: Translator) -> list[Figure]:
    """The few numbers the home page leads with, each a published cell or a ratio of two."""
    if not tables:
        return []
    main = first_with(tables, "map") or tables[0]
    out = []
    total = _published(main)
    if total is not None:
        out.append(Figure(t("fig_total"), t.num(round(total))))
    if "sex" in main.dim_names and total:
        women = _published(main, sex="female")
        if women is not None:
            out.append(Figure(t("fig_women"), t.pct(women / total)))
    dim = area_dim(main)
    if dim is not None:
        leaves = [c for c in main.dimension(dim).leaves() if c != TOTAL]
        shown = sum(1 for c in leaves if _published(main, **{dim: c}) is not None)
        out.append(Figure(t("fig_areas"), t("fig_areas_value", shown=t.num(shown), total=t.num(len(leaves)))))
    suppressed = sum(int(x.cells["flag"].isin([PRIMARY, SECONDARY]).sum()) for x in tables)
    out.append(Figure(t("fig_suppressed"), t.num(suppressed)))
    return out


@dataclass(frozen=True)
class AreaRow:
    code: str
    label: str
    value: float | None


def area_rows(table: ProtectedTable) -> list[AreaRow]:
    """Values by area (others at their total), for the accessible table under each map; suppressed rows say so."""
    dim = area_dim(table)
    if dim is None:
        return []
    d = table.dimension(dim)
    return [AreaRow(c, d.labels.get(c, c), _published(table, **{dim: c})) for c in d.parent if c != TOTAL]


def story(table: ProtectedTable, lang: str) -> list[str]:
    """The narrative's sentences (every number a published cell); empty when the table does not fit one."""
    try:
        return narrative(table, lang).sentences
    except (AtlasError, KeyError, ValueError):
        return []
