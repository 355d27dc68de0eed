"""HXL-tagged CSV: libhxl parses it, tags are the ones ingest maps back, formula-like codes are defused."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas.ingest.synonyms import HXL_TAGS
from atlas.outputs.hxl import HxlRenderer, hashtag
from atlas.outputs.registry import render
from atlas.protection.protected import ProtectedTable


def test_libhxl_reads_the_file(table: ProtectedTable, tmp_path: Path) -> None:
    hxl = pytest.importorskip("hxl")
    path = render(table, "hxl", tmp_path)
    assert path.name == "demo.hxl.csv"
    data = hxl.data(str(path), hxl.InputOptions(allow_local=True))
    assert [c.display_tag for c in data.columns] == ["#loc+code", "#sex", "#value", "#meta+flag"]
    rows = list(data)
    assert len(rows) == len(table)
    suppressed = [r for r in rows if r.get("#meta+flag") in ("p", "s")]
    assert suppressed and all(r.get("#value") in ("", None) for r in suppressed)
    assert all(not str(r.get("#loc+code")).startswith("=") for r in rows)


@pytest.mark.parametrize("field", ["area", "sex", "age", "nationality", "migration_status"])
def test_tags_map_back_to_the_same_field_at_ingest(field: str) -> None:
    assert HXL_TAGS.get(hashtag(field)) == field


def test_unknown_fields_get_a_valid_indicator_tag() -> None:
    assert hashtag("wg_seeing") == "#indicator+wg_seeing"
    assert HxlRenderer.suffix == ".hxl.csv"
