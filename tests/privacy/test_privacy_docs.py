"""docs/privacy.md is an audit map: every test it cites must exist, every privacy test file must be cited."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "privacy.md"


def _tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_cited_test_exists() -> None:
    cited = set(re.findall(r"(test_\w+\.py)::(test_\w+)", DOC.read_text(encoding="utf-8")))
    assert cited
    missing = [f"{f}::{t}" for f, t in sorted(cited) if t not in _tests(Path(__file__).parent / f)]
    assert missing == []


def test_every_privacy_test_module_is_cited() -> None:
    text = DOC.read_text(encoding="utf-8")
    modules = {p.name for p in Path(__file__).parent.glob("test_*.py")} - {"test_privacy_docs.py"}
    assert sorted(m for m in modules if m not in text) == []
