"""Frictionless Data Package: `frictionless validate` passes; suppressed values are missing, not 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas.outputs.datapackage import descriptor
from atlas.outputs.registry import render
from atlas.protection.protected import ProtectedTable


def test_frictionless_validates_the_package(table: ProtectedTable, tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    path = render(table, "datapackage", tmp_path)
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["type", "note"])
    doc = json.loads(path.read_text())
    rows = doc["resources"][0]["data"][1:]
    assert any(r[-1] in ("p", "s") and r[-2] is None for r in rows)


def test_descriptor_has_licence_when_given(table: ProtectedTable) -> None:
    assert descriptor(table, licence="CC-BY-4.0")["licenses"] == [{"name": "CC-BY-4.0"}]
