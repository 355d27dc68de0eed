"""What every reader returns: a typed description of one input file and a lazy DuckDB relation over it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from atlas.errors import Issue, RejectedInput

VALUE_PREVIEW = 200
ROW_COLUMN = "_row"


@dataclass(frozen=True)
class ReadLimits:
    """Ceilings that keep a hostile or broken file from exhausting memory, disk or patience."""

    max_field_bytes: int = 1_000_000
    max_file_bytes: int = 50_000_000_000
    max_xlsx_uncompressed: int = 2_000_000_000
    max_xlsx_ratio: int = 200
    max_columns: int = 2000


@dataclass(frozen=True)
class SourceColumn:
    """One column: a safe SQL name, the header as written, and its HXL tag if any."""

    name: str
    original: str
    hxl: str | None = None


RelationFactory = Callable[[duckdb.DuckDBPyConnection], duckdb.DuckDBPyRelation]


@dataclass
class Source:
    """An opened input: format facts, columns, structural issues, and a way to scan its rows."""

    path: Path
    format: str
    encoding: str | None
    delimiter: str | None
    sha256: str
    size: int
    columns: list[SourceColumn]
    issues: list[Issue]
    factory: RelationFactory = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    close: Callable[[], None] = field(repr=False, compare=False, default=lambda: None)
    """Release what the reader keeps for the rows (a parked parse file); call once the batch is done."""

    def relation(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        """All columns as VARCHAR named by `SourceColumn.name`, plus `_row`, the row number a person sees."""
        return self.factory(con)


def preview(value: object) -> str | None:
    """Truncate a value for a report so a huge or sensitive cell never travels whole."""
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= VALUE_PREVIEW else text[:VALUE_PREVIEW] + "…"


def reject(path: Path, code: str, message: str, *, hint: str | None = None, row: int | None = None) -> RejectedInput:
    """Build the error for a file that cannot be read at all."""
    issue = Issue(code=code, message=message, file=str(path), row=row, hint=hint)
    return RejectedInput(f"{path.name}: {message}", issues=[issue])


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


_KOBO_PATH = re.compile(r"^[a-z_][a-z0-9_.-]*(/[A-Za-z_][A-Za-z0-9_.-]*)+$")


def _kobo_leaf(header: str) -> str | None:
    """Leaf of a KoBo/ODK `group/subgroup/field` header, None for ordinary headers."""
    return header.rsplit("/", 1)[1] if _KOBO_PATH.match(header) else None


def build_columns(
    path: Path,
    headers: Sequence[str],
    hxl: Sequence[str | None] | None = None,
    *,
    limits: ReadLimits,
) -> tuple[list[SourceColumn], list[Issue]]:
    """Name columns `c_<slug>` uniquely, keep originals, and flag duplicate headers as issues."""
    if len(headers) > limits.max_columns:
        raise reject(path, "too-many-columns", f"{len(headers)} columns, more than the limit of {limits.max_columns}")
    originals = [h.strip() for h in headers]
    leaves = [_kobo_leaf(h) for h in originals]
    leaf_slugs = [_slug(leaf) if leaf else None for leaf in leaves]
    bases: list[str] = []
    for position, (original, leaf_slug) in enumerate(zip(originals, leaf_slugs, strict=True), start=1):
        unique_leaf = leaf_slug and leaf_slugs.count(leaf_slug) == 1
        bases.append("c_" + ((leaf_slug if unique_leaf else _slug(original)) or f"column_{position}"))
    names: list[str] = []
    taken: set[str] = set()
    for base in bases:
        name, n = base[:60], 2
        while name in taken:
            name, n = f"{base[:56]}_{n}", n + 1
        taken.add(name)
        names.append(name)
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for index, original in enumerate(originals):
        if original and original in seen:
            issues.append(
                Issue(
                    code="duplicate-header",
                    message=f"header {original!r} appears in columns {seen[original] + 1} and {index + 1}",
                    file=str(path),
                    row=None,
                    column=names[index],
                    value=preview(original),
                    hint="rename one of the columns, or map each explicitly by position",
                )
            )
        seen.setdefault(original, index)
    tags = list(hxl) if hxl is not None else [None] * len(originals)
    columns = [SourceColumn(n, o, t) for n, o, t in zip(names, originals, tags, strict=True)]
    return columns, issues
