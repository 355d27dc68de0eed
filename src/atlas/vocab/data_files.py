"""Reads the shipped YAML code lists with every scalar kept as text (so NO stays Norway, not False)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


def load_data_yaml(name: str) -> dict[str, Any]:
    """Parse vocab/data/<name> without YAML 1.1 implicit types: codes like NO, 1, yes stay strings."""
    text = resources.files("atlas.vocab").joinpath(f"data/{name}").read_text(encoding="utf-8")
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    return yaml.load(text, Loader=loader)  # (C)BaseLoader builds only str, list and dict
