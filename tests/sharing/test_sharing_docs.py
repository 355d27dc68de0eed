"""docs/sharing.md stays true: its worked agreement validates, and its clauses are the ones the code refuses with."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from atlas.sharing.agreement import parse_agreement, render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "sharing.md"


def test_worked_agreement_is_valid_and_names_three_parties() -> None:
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    a = parse_agreement(yaml.safe_load(block.group(1)))
    assert a.parties.provider == "host-statistics-office"
    assert a.parties.recipients == ["consulate-VEN", "humanitarian-agency"]
    assert a.circumstances.crisis is not None and a.circumstances.crisis.finest_geography == "adm2"
    assert "Crisis activation" in render_markdown(a)


def test_worked_agreement_releases_to_both_recipients(populated) -> None:
    from atlas.privacy.users import actor_for
    from atlas.sharing.catalog import add_agreement
    from atlas.sharing.release import run_release, verify_release

    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    a = parse_agreement(yaml.safe_load(block.group(1)))
    with populated.connect() as con:
        add_agreement(con, actor_for(con, populated.settings.user), a)
    r = run_release(populated, a.name, purpose="preparedness")
    assert set(r.packages) == {"consulate-VEN", "humanitarian-agency"}
    assert verify_release(r.path).ok and verify_release(r.path).packages == 2
