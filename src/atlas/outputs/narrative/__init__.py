"""Narratives of protected tables in English, French, Spanish and Arabic."""

from __future__ import annotations

from atlas.outputs.narrative.compose import HiddenValue, Narrative, Stated, narrative
from atlas.outputs.narrative.phrases import LANGS, RTL, ui

__all__ = ["LANGS", "RTL", "HiddenValue", "Narrative", "Stated", "narrative", "ui"]
