"""Trends: one vocabulary over successive batches, the latest round wins, breaks flagged, revisions read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from atlantis_store import shared_atlantis

from atlas.communities import trends
from atlas.demo.rounds import SOURCE, SOURCE_V2
from atlas.errors import RejectedInput
from atlas.protection.cube import PRIMARY, SECONDARY, TOTAL
from atlas.tables.spec import ProtectionSpec


@pytest.fixture(scope="module")
def ws():
    return shared_atlantis()


@pytest.fixture(scope="module")
def stock(ws) -> trends.TrendResult:
    return trends.partner_trend(ws, "stock", level="adm1", granularity="month")


def test_a_later_round_revises_a_period_it_reports_again(ws, stock: trends.TrendResult) -> None:
    by = {v.period: v for v in stock.trend.vintages}
    assert set(by) == {"2024-12", "2025-06", "2025-12", "2026-06"}
    assert by["2025-12"].superseded and by["2025-12"].source == SOURCE_V2
    assert by["2024-12"].superseded == [] and by["2024-12"].source == SOURCE
    with ws.connect() as con:
        rows = trends.harmonised(con, "stock", "month")
    live = rows[~rows["superseded"] & (rows["reported"] == "2025-12")]
    assert set(live["batch_id"]) == {by["2025-12"].batch}
    (total,) = [p for p in trends.series(stock.trend) if p.period == "2025-12"]
    assert total.value == round(live["value"].sum()), "the total is the latest round's, never both summed"


def test_breaks_are_flagged_where_source_or_coverage_changes(stock: trends.TrendResult) -> None:
    kinds = {(b.period, b.kind) for b in stock.trend.breaks}
    assert ("2025-12", "coverage") in kinds and ("2025-12", "source") in kinds
    assert not any(b.period == "2025-06" for b in stock.trend.breaks)


def test_points_are_the_protected_cells(stock: trends.TrendResult) -> None:
    cells = stock.table.cells
    cells = cells[cells["period"] != TOTAL]
    assert len(stock.trend.points) == len(cells)
    hidden = cells["flag"].isin([PRIMARY, SECONDARY]).to_numpy()
    values = [p.value for p in stock.trend.points]
    assert all(v is None for v, h in zip(values, hidden, strict=True) if h)
    assert not [v for v in values if v is not None and 0 < v < 10]


@pytest.mark.parametrize("granularity", ["quarter", "year"])
def test_flows_are_summed_to_a_coarser_period(ws, granularity: str) -> None:
    monthly = trends.partner_trend(ws, "flows", granularity="month").trend
    coarse = trends.partner_trend(ws, "flows", granularity=granularity).trend  # type: ignore[arg-type]
    months = {p.period: p.value for p in trends.series(monthly)}
    for p in trends.series(coarse):
        if granularity == "year":
            inside = [v for k, v in months.items() if k.startswith(p.period)]
        else:
            q = int(p.period[-1])
            inside = [v for k, v in months.items()
                      if k.startswith(p.period[:4]) and (int(k[5:7]) - 1) // 3 + 1 == q]
        if p.value is not None and None not in inside:
            assert p.value == sum(inside)  # type: ignore[arg-type]


def test_a_selection_is_its_own_small_table(ws) -> None:
    one = trends.partner_trend(ws, "stock", level="adm2", areas=("XAT0101",), nationality="VEN")
    assert {p.area for p in one.trend.points} <= {"XAT0101", TOTAL}
    assert {p.nationality for p in one.trend.points} <= {"VEN", TOTAL}


def test_arrivals_come_from_the_register_with_cell_key(ws) -> None:
    result = trends.arrivals_trend(ws, level="adm1", since=2018)
    years = [p.period for p in trends.series(result.trend)]
    assert years == sorted(years) and years[0] >= "2018"
    assert set(result.table.cells["flag"]) == {"c"}


def test_cell_key_is_refused_for_partner_aggregates(ws) -> None:
    with pytest.raises(RejectedInput):
        trends.partner_trend(ws, "stock", protection=ProtectionSpec(method="cell_key"))


def test_revisions_say_which_release_showed_which_figure(ws, stock: trends.TrendResult, tmp_path: Path) -> None:
    """Two packages holding the trend table with different figures for one period: both are listed, in order."""
    name = stock.table.name
    with ws.connect() as con:
        for i, value in enumerate(("812", "")):
            folder = tmp_path / f"r{i}"
            folder.mkdir()
            pd.DataFrame({"period": ["2025-12"], "area": [TOTAL], "nationality": [TOTAL], "value": [value],
                          "flag": ["" if value else "s"]}).to_csv(folder / f"{name}.csv", index=False)
            con.execute("INSERT INTO releases (release_id, agreement, version, kind, recipient, path, created_at) "
                        "VALUES (?, 'trend-test', ?, 'routine', 'public', ?, now() + to_seconds(?))",
                        [f"trend-test/{i + 1}", i + 1, str(folder), i])
    got = trends.revisions(ws, name, period="2025-12", area=TOTAL, nationality=TOTAL)
    assert [(r.release_id, r.value, r.flag, r.revised) for r in got] == [
        ("trend-test/1", "812", "", False), ("trend-test/2", "", "s", True)]
    assert trends.revisions(ws, name, period="2025-12") == got, "dimensions not named are read at the total"
    from typer.testing import CliRunner

    from atlas.commands.profile import register

    app = typer.Typer()
    register(app)
    r = CliRunner().invoke(app, ["trends", "releases", "--home", str(ws.home), "--table", name,
                                 "--cell", "period=2025-12"])
    assert r.exit_code == 0, r.output
    assert "trend-test/1" in r.output and "trend-test/2" in r.output


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory: pytest.TempPathFactory):
    """A register ingested twice: a round a year earlier (a subset) and the current one."""
    from importlib import resources

    from atlantis_store import build_atlantis

    from atlas.ingest.pipeline import IngestOptions, ingest_file

    root = tmp_path_factory.mktemp("rounds")
    ws = build_atlantis(root / "ws", root / "scratch", rows=1500, seed=4)
    people = pd.read_csv(root / "scratch" / "people.csv", dtype=str, keep_default_na=False)
    earlier = people.iloc[:900].copy()
    earlier["interview_date"] = "2024-11-15"
    earlier["consent_date"] = earlier["consent_date"].where(earlier["consent_date"] == "", "2024-11-15")
    earlier["record_id"] = earlier["record_id"].str.replace("HOST-P", "HOST-Q")
    earlier.loc[earlier["arrival_year"] > "2024", "arrival_year"] = "2024"
    path = root / "scratch" / "round_2024.csv"
    earlier.to_csv(path, index=False)
    mapping = Path(str(resources.files("atlas.demo").joinpath("people_mapping.yaml")))
    ingest_file(ws, path, IngestOptions(mapping=mapping, source_name="Demo register"))
    return ws


def test_register_rounds_give_a_stock_series(two_rounds) -> None:
    result = trends.register_trend(two_rounds, source="Demo register", granularity="year")
    line = trends.series(result.trend)
    assert [p.period for p in line] == ["2024", "2026"]
    assert line[0].value is not None and line[1].value is not None and line[0].value < line[1].value
    assert set(result.table.cells["flag"]) == {"c"}
    assert not [p.value for p in result.trend.points if p.value is not None and 0 < p.value < 10]
