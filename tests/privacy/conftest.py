"""Fresh encrypted workspaces for the privacy tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from atlas.settings import Settings
from atlas.store.keys import encode_key, new_key
from atlas.store.workspace import Workspace


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    """An initialised workspace with a master key from the settings (no key file)."""
    settings = Settings(home=tmp_path / "ws", master_key=encode_key(new_key()), threads=2, memory_limit="1GB")
    Workspace.init(settings)
    return Workspace.open(settings)


@pytest.fixture()
def scan() -> Callable[[Path, Iterable[str]], dict[str, list[str]]]:
    """Which files under a folder contain which values (UTF-8 and UTF-16-LE), scanning every byte."""

    def files_containing(root: Path, needles: Iterable[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        encoded = [(n, (n.encode(), n.encode("utf-16-le"))) for n in needles]
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            for needle, forms in encoded:
                if any(f in data for f in forms):
                    found.setdefault(needle, []).append(path.name)
        return found

    return files_containing
