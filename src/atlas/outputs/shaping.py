"""Right-to-left text in figures drawn by Matplotlib.

Matplotlib 3.11 lays text out with libraqm (bidi reordering and Arabic joining), so strings are passed as they
are; an older Matplotlib without libraqm gets them reshaped (arabic-reshaper) and put in visual order
(python-bidi) when those packages are installed. Right-to-left figures save their text as glyph outlines, so
the shaping survives renderers (WeasyPrint) that lay out SVG text themselves without shaping Arabic.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from atlas.outputs.narrative.phrases import RTL

_RTL_CHARS = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
FONT = "DejaVu Sans"  # ships with Matplotlib and Debian; covers Latin, Arabic and Arabic presentation forms


def needs_shaping(text: str) -> bool:
    """True when the text holds Hebrew or Arabic letters."""
    return bool(_RTL_CHARS.search(text))


@cache
def matplotlib_shapes() -> bool:
    """True when Matplotlib lays out complex scripts itself (built with libraqm)."""
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", ""))


def display(text: str) -> str:
    """Text as Matplotlib must be given it to show right-to-left lines joined and in the right order."""
    if not needs_shaping(text) or matplotlib_shapes():
        return text
    try:
        import arabic_reshaper
        from bidi import get_display
    except ImportError:
        return text
    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def is_rtl(lang: str) -> bool:
    """Languages written right to left."""
    return lang in RTL


def rc_for(lang: str) -> Any:
    """Matplotlib settings: text kept as <text> for left-to-right languages, as outlines for right-to-left ones."""
    return {"svg.fonttype": "path" if is_rtl(lang) else "none", "svg.hashsalt": "atlas", "font.family": FONT}
