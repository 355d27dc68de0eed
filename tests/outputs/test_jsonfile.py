"""JSON cells and <name>.structure.json (codes with parents and labels, the policy applied)."""

from __future__ import annotations

import json
from pathlib import Path

from atlas.outputs.registry import render
from atlas.protection.cube import TOTAL
from atlas.protection.protected import ProtectedTable


def test_json_and_structure(table: ProtectedTable, tmp_path: Path) -> None:
    doc = json.loads(render(table, "json", tmp_path).read_text(encoding="utf-8"))
    assert doc["cells"][0] == {"area": TOTAL, "sex": TOTAL, "value": 63, "flag": ""}
    assert any(c["value"] is None and c["flag"] == "p" for c in doc["cells"])
    st = json.loads(render(table, "structure", tmp_path).read_text(encoding="utf-8"))
    assert (tmp_path / "demo.structure.json").exists()
    codes = {c["code"]: c for c in st["dimensions"][0]["codes"]}
    assert (
        codes["a1"]["parent"] == "A" and codes["A"]["label"] == "Région A" and codes[TOTAL]["parent"] is None
    )
    assert st["policy"]["min_count"] == 3 and st["audit"]["ok"] is True
    assert "information_loss" not in st
