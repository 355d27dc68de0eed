"""Right-to-left text for figures drawn by Matplotlib, which neither joins Arabic letters nor reorders bidi runs.

Text is reshaped to Arabic presentation forms (arabic-reshaper) and put in visual order (python-bidi), so a
left-to-right renderer shows it correctly; right-to-left figures save their text as glyph outlines, so the
shaping survives renderers (WeasyPrint) that lay out SVG text on their own.
"""

from __future__ import annotations

import re
from typing import Any

import arabic_reshaper
from bidi import get_display

from atlas.outputs.narrative.phrases import RTL

_RTL_CHARS = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
FONT = "DejaVu Sans"  # ships with Matplotlib and Debian; covers Latin, Arabic and Arabic presentation forms


def needs_shaping(text: str) -> bool:
    """True when the text holds Hebrew or Arabic letters."""
    return bool(_RTL_CHARS.search(text))


def display(text: str) -> str:
    """Text as a left-to-right renderer must draw it: Arabic joined and every line in visual order."""
    if not needs_shaping(text):
        return text
    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def is_rtl(lang: str) -> bool:
    """Languages written right to left."""
    return lang in RTL


def rc_for(lang: str) -> dict[str, Any]:
    """Matplotlib settings: text kept as <text> for left-to-right languages, as outlines for right-to-left ones."""
    return {"svg.fonttype": "path" if is_rtl(lang) else "none", "svg.hashsalt": "atlas", "font.family": FONT}
