"""Profiles and diaspora views as Markdown or HTML text: published figures only, suppression said in words."""

from __future__ import annotations

import html
from collections.abc import Callable

from atlas.communities.diaspora import DiasporaView
from atlas.communities.profile import Cell, Profile, ProfileResult, SectionOut
from atlas.protection.cube import TOTAL

SUPPRESSED = "suppressed"
APPROX = " Every figure is approximate (noise of a few people) and no count below the minimum is shown."
TOP = 15


def _fmt(cell_value: int | None, flag: str) -> str:
    if cell_value is None:
        return SUPPRESSED
    return f"{cell_value:,}"


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


def _rows_1d(s: SectionOut) -> list[list[str]]:
    cells = sorted(s.cells, key=lambda c: -1 if c.value is None else -c.value)
    shown = [c for c in cells if c.value != 0][:TOP]
    rows = [[c.labels[s.dimensions[0]], _fmt(c.value, c.flag), _pct(c.share)] for c in shown]
    hidden_rest = len([c for c in cells if c.value != 0]) - len(shown)
    if hidden_rest > 0:
        rows.append([f"({hidden_rest} more categories listed in the JSON form)", "", ""])
    return rows


def _grid(s: SectionOut) -> tuple[list[str], list[list[str]]]:
    """Rows of the first dimension, columns of the second (totals included)."""
    a, b = s.dimensions
    cols = list(dict.fromkeys(c.codes[b] for c in s.cells if c.codes[b] != TOTAL))
    col_labels = {c.codes[b]: c.labels[b] for c in s.cells}
    by = {(c.codes[a], c.codes[b]): c for c in s.cells}
    row_codes = list(dict.fromkeys([TOTAL, *(c.codes[a] for c in s.cells if c.codes[a] != TOTAL)]))
    header = [a.replace("_", " "), *(col_labels[c] for c in cols), "total"]
    rows = []
    for r in row_codes:
        total = by.get((r, TOTAL))
        if r != TOTAL and total is not None and total.value == 0:
            continue
        label = "total" if r == TOTAL else next(c.labels[a] for c in s.cells if c.codes[a] == r)
        values = [by.get((r, c)) for c in cols]
        total_text = _fmt(s.total, "") if r == TOTAL else (_fmt(total.value, total.flag) if total else "")
        rows.append([label, *(_fmt(v.value, v.flag) if v else "" for v in values), total_text])
    return header, rows


def _table_md(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def section_md(s: SectionOut) -> str:
    head = f"### {s.title}\n\n" + (f"{s.note}\n\n" if s.note else "")
    if len(s.dimensions) == 1:
        return head + _table_md([s.dimensions[0].replace("_", " "), "people", "share"], _rows_1d(s))
    return head + _table_md(*_grid(s))


def _suppressed_md(cells: list, sections: list[SectionOut], method: str = "suppression", k: int = 10) -> str:
    if not cells and method != "suppression":
        return (f"No cell was suppressed: cell-key perturbation protects small counts instead (a count from 1 to "
                f"{k - 1} is shown as 0 or {k}, and the same people always get the same figure).")
    if not cells:
        return "Nothing was suppressed."
    titles = {s.key: s.title for s in sections}
    by: dict[str, list[str]] = {}
    for c in cells:
        what = ", ".join(v for k, v in c.labels.items() if c.codes[k] != TOTAL) or "total"
        by.setdefault(titles.get(c.section, c.section), []).append(f"{what} ({'primary' if c.flag == 'p' else 'secondary'})")
    return "\n".join(f"- **{t}**: {', '.join(v)}" for t, v in by.items())


def profile_md(result: ProfileResult | Profile, narrative_text: str = "") -> str:
    """The profile as Markdown: size, narrative, sections by theme, trend, what was suppressed, notes."""
    p = result.profile if isinstance(result, ProfileResult) else result
    who = f" — {p.nationality_name or p.nationality}" if p.nationality else ""
    out = [f"# Community profile: {p.area.label}{who}", "",
           (f"Generated {p.generated_at} for the purpose *{p.purpose}*; {p.method.replace('_', ' ')}, "
           f"minimum {p.min_count}.{APPROX if p.method != 'suppression' else ''}"), "",
           f"**Estimated size:** {_fmt(p.size, p.size_flag)} registered people.", ""]
    if narrative_text:
        out += [narrative_text, ""]
    groups = {"size": "Size, sex and age", "origin": "Nationalities, ethnic groups and languages",
              "vulnerability": "Conditions of vulnerability", "migration": "Purposes and arrival"}
    for key, heading in groups.items():
        parts = [section_md(s) for s in p.sections if s.group == key]
        if parts:
            out += [f"## {heading}", "", *[x + "\n" for x in parts]]
    if p.trend:
        out += ["## Trend (partner rounds)", "",
                _table_md(["period", "people"], [[t.period, _fmt(t.value, t.flag)] for t in p.trend]), ""]
        out += [f"- break at {b.period}: {b.detail}" for b in p.trend_breaks] + [""]
    out += ["## What was suppressed", "", _suppressed_md(p.suppressed, p.sections, p.method, p.min_count), ""]
    if p.withheld:
        out += ["## Sections withheld", "", *[f"- **{w.title}**: {w.reason}" for w in p.withheld], ""]
    if p.not_collected:
        out += ["## Not collected", "", *[f"- {v}" for v in p.not_collected.values()], ""]
    out += ["## Notes", "", *[f"- {n}" for n in p.notes], ""]
    return "\n".join(out)


def diaspora_md(v: DiasporaView) -> str:
    """The origin-State view as Markdown."""
    out = [f"# Citizens abroad{' of ' + v.origin if v.origin else ''}", "",
           (f"Generated {v.generated_at}; {v.method.replace('_', ' ')}, minimum {v.min_count}."
           f"{APPROX if v.method != 'suppression' else ''}"), "",
           f"**Registered citizens abroad:** {_fmt(v.size, 'c' if v.method != 'suppression' else '')}.", ""]
    for key, heading in (("distribution", "Where they live"), ("characteristics", "Who they are"),
                         ("skills", "Skills")):
        parts = [section_md(s) for s in v.sections if s.group == key]
        if parts:
            out += [f"## {heading}", "", *[x + "\n" for x in parts]]
    if v.skill:
        out += ["## Skill query", "", section_md(v.skill), ""]
    out += ["## What was suppressed", "", _suppressed_md(v.suppressed, v.sections, v.method, v.min_count), ""]
    if v.withheld:
        out += ["## Sections withheld", "", *[f"- **{w.title}**: {w.reason}" for w in v.withheld], ""]
    out += ["## Notes", "", *[f"- {n}" for n in v.notes], ""]
    return "\n".join(out)


def md_to_html(md: str, title: str, extra: str = "", lang: str = "en") -> str:
    """A self-contained page (no script, no external URL) from the Markdown this module writes."""
    style = ("body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}table{border-collapse:collapse;"
             "margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}td:first-child,"
             "th:first-child{text-align:left}")
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width"><title>{html.escape(title)}</title><style>{style}</style></head><body>'
            + md_to_fragment(md) + extra + "</body></html>")


def md_to_fragment(md: str) -> str:
    """HTML elements (every text escaped) for the Markdown this module writes; the portal embeds them."""
    body: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            head, *rest = table
            body.append('<div class="table-wrap"><table class="data"><thead><tr>'
                        + "".join(f"<th>{c}</th>" for c in head) + "</tr></thead><tbody>"
                        + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rest)
                        + "</tbody></table></div>")
            table.clear()

    inline: Callable[[str], str] = lambda t: _bold(html.escape(t))
    for line in md.splitlines():
        if line.startswith("|"):
            if not line.startswith("|---"):
                table.append([inline(c.strip()) for c in line.strip().strip("|").split("|")])
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{inline(line[level:].strip())}</h{level}>")
        elif line.startswith("- "):
            body.append(f"<li>{inline(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>{inline(line)}</p>")
    flush()
    return "\n".join(body)


def _bold(text: str) -> str:
    parts = text.split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))


def profile_html(result: ProfileResult, *, lang: str = "en", charts: bool = True) -> str:
    """HTML page of a profile, with the narrative and, when asked, the population pyramid as inline SVG."""
    text = profile_narrative(result, lang)
    extra = pyramid_figure(result, lang) if charts else ""
    return md_to_html(profile_md(result, text), f"Community profile: {result.profile.area.label}", extra, lang)


def pyramid_figure(result: ProfileResult, lang: str = "en") -> str:
    """The sex-and-age pyramid as an inline SVG figure (suppressed bars are marked gaps)."""
    if "sex_age" not in result.tables:
        return ""
    from atlas.outputs.charts import pyramid, to_svg

    chart = pyramid(result.tables["sex_age"], lang=lang, title=f"{result.profile.area.label}: sex and age")
    return '<figure class="pyramid">' + to_svg(chart) + "</figure>"


def profile_narrative(result: ProfileResult, lang: str = "en") -> str:
    """Sentences about size, women and children from the protected sex-and-age table (outputs.narrative)."""
    from atlas.outputs.narrative import narrative

    table = result.tables.get("sex_age")
    if table is None:
        return ""
    return narrative(table, lang, names={TOTAL: result.profile.area.label}).text


def cell_text(c: Cell) -> str:
    """One figure as written in the text forms (for tests that read the text back)."""
    return _fmt(c.value, c.flag)
