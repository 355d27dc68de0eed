"""Regenerate the command table of docs/cli.md from the Typer app (run after adding or renaming commands)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from atlas.cli import app

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def rows() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def walk(cmd, prefix: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*prefix, name])
        else:
            first = " ".join((cmd.help or "").strip().split("\n\n")[0].split())
            out.append((" ".join(prefix), first.replace("|", "\\|")))

    walk(get_command(app), ["atlas"])
    return sorted(out)


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = "| command | what it does |\n|---|---|\n" + "".join(f"| `{c}` | {h} |\n" for c, h in rows())
    new = re.sub(r"\| command \| what it does \|\n\|---\|---\|\n(?:\|.*\|\n)+", table, text, count=1)
    DOC.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
