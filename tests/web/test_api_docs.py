"""Docs kept honest: every API operation is documented (docs/api.md, or the page of the package that owns
it), and every server setting in docs/api.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas.settings import Settings
from atlas.web.config import ServerSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _operations() -> list[str]:
    from fastapi import FastAPI

    from atlas.web.app import api_router

    app = FastAPI()
    app.include_router(api_router())
    return sorted(f"{m.upper()} {path}" for path, ops in app.openapi()["paths"].items() for m in ops)


@pytest.mark.parametrize("operation", _operations())
def test_every_operation_is_documented(operation: str) -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DOC.parent.glob("*.md"))
    assert f"`{operation}" in pages, f"{operation} is documented in no page of docs/ (the API's are in docs/api.md)"


@pytest.mark.parametrize("name", sorted(set(ServerSettings.model_fields) - set(Settings.model_fields)))
def test_every_server_setting_is_documented(name: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"`{name}`" in text and f"ATLAS_{name.upper()}" in text
