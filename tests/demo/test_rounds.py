"""Partner rounds for trends: four periods, a coverage break, a revised method that re-reports a period."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from atlas.demo.country import demo_areas
from atlas.demo.rounds import SOURCE, SOURCE_V2, write_rounds


def test_rounds_hold_the_breaks_and_the_revision_trends_must_handle(tmp_path: Path) -> None:
    rounds = write_rounds(tmp_path, demo_areas(), "XAT", seed=5)
    frames = [pd.read_csv(r.file, dtype={"count": int}) for r in rounds]
    assert [r.periods for r in rounds] == [("2024-12",), ("2025-06",), ("2025-12",), ("2025-12", "2026-06")]
    assert [r.source for r in rounds] == [SOURCE, SOURCE, SOURCE, SOURCE_V2]
    districts = [f["district"].nunique() for f in frames]
    assert districts[2] > 1.2 * districts[1], "round 3 covers more districts"
    assert set(frames[0].columns) == {"period", "district", "nationality", "indicator", "count", "source"}
    assert (pd.concat(frames)["count"] > 0).all() and (pd.concat(frames)["count"] < 10).any()
    revised = frames[3][frames[3]["period"] == "2025-12"].merge(
        frames[2], on=["period", "district", "nationality"], suffixes=("", "_before"))
    assert (revised["count"] != revised["count_before"]).any()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_rounds(tmp_path / "a", demo_areas(), "XAT", seed=5)
    b = write_rounds(tmp_path / "b", demo_areas(), "XAT", seed=5)
    assert [x.file.read_bytes() for x in a] == [y.file.read_bytes() for y in b]
