"""Renderer registry: built-in formats, extensions, and only ProtectedTable objects accepted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from atlas.errors import NotFound, PolicyRefused
from atlas.outputs.registry import formats, get_renderer, register, render
from atlas.protection.protected import ProtectedTable


def test_formats_registered() -> None:
    assert {"csv", "json", "xlsx", "structure"} <= set(formats())
    with pytest.raises(NotFound):
        get_renderer("pdf")


def test_only_protected_tables_render(tmp_path: Path) -> None:
    raw = pd.DataFrame({"a": ["x"], "value": [1], "flag": [""]})
    with pytest.raises(PolicyRefused):
        render(raw, "csv", tmp_path)  # type: ignore[arg-type]


def test_register_extension(table: ProtectedTable, tmp_path: Path) -> None:
    class Tsv:
        name, suffix, media_type = "tsv-test", ".tsv", "text/tab-separated-values"

        def render(self, t: ProtectedTable, out: Path) -> Path:
            t.cells.to_csv(out, sep="\t", index=False)
            return out

    register(Tsv())
    with pytest.raises(ValueError):
        register(Tsv())
    assert render(table, "tsv-test", tmp_path).suffix == ".tsv"


def test_every_visual_format_is_registered_and_documented() -> None:
    from atlas.outputs.visual import FORMATS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert set(FORMATS) <= set(formats())
    assert [f for f in FORMATS if f"`{f}`" not in doc] == []
