"""Docs kept honest: every command and every setting is documented, and the README has its two commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command

from atlas.cli import app
from atlas.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    out: list[str] = []

    def walk(c, prefix: list[str]) -> None:
        subs = getattr(c, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*prefix, name])
        else:
            out.append(" ".join(prefix))

    walk(get_command(app), ["atlas"])
    return out


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_cli_doc(command: str) -> None:
    assert f"`{command}`" in (ROOT / "docs" / "cli.md").read_text(), f"{command} is not documented in docs/cli.md"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert f"`{name}`" in doc and f"ATLAS_{name.upper()}" in doc


def test_readme_has_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/demo.sh" in readme and "bash scripts/test.sh" in readme
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_docs_links_resolve() -> None:
    import re

    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / link).is_file(), link
