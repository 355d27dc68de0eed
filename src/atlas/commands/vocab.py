"""`atlas vocab`: browse the shipped vocabulary and see how a raw value would be read."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from atlas.commands.common import console
from atlas.errors import NotFound

app = typer.Typer(help="The canonical vocabulary: countries, languages, regions, subdivisions and code lists.",
                  no_args_is_help=True)

ALIASES = {"countries": "country", "languages": "language", "regions": "region", "subdivisions": "subdivision",
           "categories": None}
LANG_HELP = "Language of names and labels: en, fr, es, ar (and ru, zh for countries and languages)."


def _vocab(name: str) -> str:
    from atlas.vocab import vocab_names

    vocab = ALIASES.get(name, name)
    if vocab not in vocab_names():
        raise NotFound(f"no vocabulary named {name!r}", detail={"known": list(vocab_names())})
    return vocab


@app.command("list")
def list_(
    name: Annotated[str | None, typer.Argument(help="countries, languages, regions, subdivisions, sex, ... "
                                                    "(omit to list the vocabularies).")] = None,
    lang: Annotated[str, typer.Option(help=LANG_HELP)] = "en",
    search: Annotated[str | None, typer.Option(help="Only rows whose code or name contains this text.")] = None,
    country: Annotated[str | None, typer.Option(help="Subdivisions of this ISO3 country only.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows (0: all).")] = 300,
) -> None:
    """List the vocabularies, or the codes of one with their names."""
    if name is None:
        _list_vocabularies()
        return
    rows, columns = _rows(_vocab(name), lang, country)
    if search:
        from atlas.vocab import fold

        needle = fold(search) or ""
        rows = [r for r in rows if any(needle in (fold(str(v)) or "") for v in r.values() if v)]
    shown = rows if limit <= 0 else rows[:limit]
    table = Table(*columns, title=f"{name} ({len(rows)})")
    for r in shown:
        table.add_row(*("" if r[c] is None else str(r[c]) for c in columns))
    console.print(table)
    if len(shown) < len(rows):
        console.print(f"... {len(rows) - len(shown)} more (use --search or --limit 0)")


def _list_vocabularies() -> None:
    from atlas.vocab import category_names, lookup_table, vocab_names, vocab_version

    table = Table("vocabulary", "codes", "accepted spellings", title=vocab_version())
    for vocab in vocab_names():
        codes = lookup_table(vocab).column("code").unique()
        table.add_row(vocab, str(len(codes)), str(lookup_table(vocab).num_rows))
    console.print(table)
    console.print(f"code lists: {', '.join(category_names())}")


def _rows(vocab: str, lang: str, country: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    from atlas import vocab as v

    if vocab == "country":
        rows = v.countries().to_pylist()
        for r in rows:
            r["name"] = r.get(f"name_{lang}") or r["name"]
        return rows, ["iso3", "iso2", "m49", "name", "region_name", "sub_region_name", "user_assigned"]
    if vocab == "language":
        rows = v.languages().to_pylist()
        for r in rows:
            r["name"] = r.get(f"name_{lang}") or r["name"]
        return rows, ["code", "alpha_2", "name", "scope", "macrolanguage"]
    if vocab == "region":
        rows = v.regions().to_pylist()
        for r in rows:
            r["name"] = r.get(f"name_{lang}") or r["name_en"]
        return rows, ["code", "level", "parent", "name"]
    if vocab == "subdivision":
        return v.subdivisions(country.upper() if country else None).to_pylist(), ["code", "country", "name", "type",
                                                                                   "parent"]
    if vocab == "missing":
        return [{"spelling": s} for s in v.missing_variants()], ["spelling"]
    cat = v.category(vocab)
    return [{"code": c.code, "label": c.label(lang), "variants": ", ".join(c.variants[:8])} for c in cat.codes], [
        "code", "label", "variants"]


@app.command()
def lookup(
    value: Annotated[str, typer.Argument(help="A raw value as found in a source, e.g. 'Syrie' or 'femme'.")],
    kind: Annotated[str | None, typer.Option(help="Vocabulary to look in (default: all but subdivisions).")] = None,
    country: Annotated[str | None, typer.Option(help="ISO3 country, for --kind subdivision.")] = None,
) -> None:
    """Show the code a value maps to and how it matched, or the closest known spellings."""
    from atlas.vocab import match, suggestions, vocab_names

    kinds = [_vocab(kind)] if kind else [k for k in vocab_names() if k != "subdivision"]
    scope = (country or "").upper() if kinds == ["subdivision"] else ""
    found = [(k, match(k, value, country=scope)) for k in kinds]
    hits = [(k, m) for k, m in found if m.code is not None]
    if hits:
        table = Table("vocabulary", "code", "folded key", "matched", "source", title=f"{value!r}")
        for k, m in hits:
            table.add_row(k, m.code, m.key, m.text or "", m.source or "")
        console.print(table)
        return
    console.print(f"No match for {value!r} (folded key {found[0][1].key!r}).")
    for k, m in found:
        if m.candidates:
            console.print(f"  {k}: shared by {', '.join(m.candidates)}; map it in the mapping file's values:")
        elif m.unresolved:
            console.print(f"  {k}: {m.unresolved}; map it in the mapping file's values: if the source is clear")
    hints = Table("vocabulary", "did you mean", "similar to", "score", title="Suggestions")
    for k in kinds if kind else ["country", "language", *[k for k in kinds if k not in ("country", "language")]]:
        for s in suggestions(k, value, limit=3, country=scope):
            hints.add_row(k, s.code, s.key, f"{s.score:.0f}")
    if hints.row_count:
        console.print(hints)
    raise NotFound(f"{value!r} is not a known spelling in {', '.join(kinds) if kind else 'any vocabulary'}")


@app.command()
def collisions(
    name: Annotated[str, typer.Argument(help="Vocabulary, e.g. countries or languages.")],
) -> None:
    """Spellings deliberately left unresolved: blocked as ambiguous, or shared by two codes."""
    from atlas.vocab import collisions as find

    bad = find(_vocab(name)).to_pylist()
    table = Table("key", "codes", "why", title=f"{name}: {len(bad)} unresolved spellings")
    for r in bad:
        table.add_row(r["key"], ", ".join(r["codes"]), r["source"])
    console.print(table)


@app.command()
def version() -> None:
    """Print the vocabulary version recorded in lineage and releases."""
    from atlas.vocab import vocab_version

    console.print(vocab_version())
