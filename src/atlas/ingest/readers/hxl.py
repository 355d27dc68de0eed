"""HXL hashtag rows: find them the way libhxl does, so humanitarian files map by tag, not by header text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SEARCH_ROWS = 25
_TAG = re.compile(r"^\s*#([A-Za-z][_0-9A-Za-z]*)((?:\s*\+\s*[A-Za-z][_0-9A-Za-z]*)*)\s*$")


def normalise_tag(cell: str) -> str | None:
    """`#Adm1 +Code` -> `#adm1+code`; None when the cell is not a valid hashtag spec."""
    match = _TAG.match(cell)
    if not match:
        return None
    attributes = re.sub(r"\s+", "", match.group(2) or "").lower()
    return "#" + match.group(1).lower() + attributes


def is_hashtag_row(row: Sequence[str]) -> bool:
    """A row where most non-empty cells are valid hashtags (libhxl's rule: at least half of them)."""
    cells = [c.strip() for c in row if c is not None and str(c).strip()]
    if not cells:
        return False
    tags = sum(1 for c in cells if normalise_tag(str(c)) is not None)
    return tags > 0 and tags * 2 >= len(cells)


@dataclass(frozen=True)
class HxlHeader:
    """Where the hashtag row is (0-based among the rows given) and the tags of each column."""

    tag_row: int
    text_row: int | None
    tags: list[str | None]


def find_hashtag_row(rows: Sequence[Sequence[str]]) -> HxlHeader | None:
    """First hashtag row among the first 25; the row above it, if any, is the text header."""
    for index, row in enumerate(rows[:SEARCH_ROWS]):
        if is_hashtag_row(row):
            tags = [normalise_tag(str(c)) if c is not None else None for c in row]
            return HxlHeader(index, index - 1 if index > 0 else None, tags)
    return None
