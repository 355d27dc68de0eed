"""`atlas vocab`: list, lookup (with how it matched or hints), collisions, version."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from atlas.commands.vocab import app
from atlas.errors import NotFound
from atlas.vocab import vocab_version

runner = CliRunner()


def test_list_vocabularies() -> None:
    result = runner.invoke(app, ["list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for name in ("country", "language", "sex", "wg_level", "age_band_humanitarian", "subdivision"):
        assert name in result.output


@pytest.mark.parametrize(("args", "expected"), [
    (["list", "countries", "--search", "syr", "--lang", "fr"], "Syrie"),
    (["list", "languages", "--search", "tigrinya"], "tir"),
    (["list", "sex", "--lang", "es"], "Mujer"),
    (["list", "regions", "--lang", "ar"], "أفريقيا"),
    (["list", "subdivisions", "--country", "SYR"], "SY-DI"),
    (["list", "missing"], "inconnu"),
])
def test_list_one(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_lookup_shows_how_it_matched() -> None:
    result = runner.invoke(app, ["lookup", "Syrie"], terminal_width=200)
    assert result.exit_code == 0
    assert "SYR" in result.output and "curated variant" in result.output


def test_lookup_kind() -> None:
    result = runner.invoke(app, ["lookup", "femme", "--kind", "sex"], terminal_width=200)
    assert "female" in result.output


def test_lookup_unknown_gives_hints_and_not_found() -> None:
    result = runner.invoke(app, ["lookup", "Syira", "--kind", "country"], terminal_width=200)
    assert isinstance(result.exception, NotFound)
    assert "SYR" in result.output


def test_lookup_blocked_says_why() -> None:
    result = runner.invoke(app, ["lookup", "Korea", "--kind", "countries"], terminal_width=200)
    assert isinstance(result.exception, NotFound)
    assert "ambiguous" in result.output


def test_unknown_vocabulary() -> None:
    result = runner.invoke(app, ["list", "colours"])
    assert isinstance(result.exception, NotFound)


def test_collisions_and_version() -> None:
    assert "blocked" in runner.invoke(app, ["collisions", "countries"], terminal_width=200).output
    assert vocab_version().split(";")[0] in runner.invoke(app, ["version"], terminal_width=200).output
