"""docs/demo.md stays honest: every generated column and CLI option is documented."""

from __future__ import annotations

from pathlib import Path

from atlas.demo.columns import PERSON_COLUMNS
from atlas.demo.consular import CONSULAR_COLUMNS
from atlas.demo.exports import HXL_TAGS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "demo.md").read_text(encoding="utf-8")


def test_every_column_documented() -> None:
    for col in (*PERSON_COLUMNS, *CONSULAR_COLUMNS):
        assert f"`{col.name}`" in DOC, col.name


def test_every_option_documented() -> None:
    for option in ("--rows", "--country", "--seed", "--format", "--registry", "--areas", "--area-labels",
                   "--dirty", "--partners", "--chunk-rows", "--home"):
        assert option in DOC, option


def test_hxl_tags_documented() -> None:
    for tag in HXL_TAGS.values():
        if "+wg+" not in tag:
            assert f"`{tag}`" in DOC, tag
