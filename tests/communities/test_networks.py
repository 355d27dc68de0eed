"""The network directory: validated entries, keepers-only listing, and protected coverage counts for everyone else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from atlas.communities.networks import (
    NetworkIn,
    add_networks,
    coverage_counts,
    list_networks,
    network_coverage,
    parse_networks,
)
from atlas.errors import PolicyRefused, RejectedInput
from atlas.privacy.users import actor_for, add_user


def network(i: int, areas: list[str], nats: list[str], **kw: object) -> NetworkIn:
    data = {"network_id": f"N{i}", "name": f"Network {i}", "kind": "diaspora_association", "areas": areas,
            "nationalities": nats}
    return NetworkIn.model_validate(data | kw)


@pytest.fixture
def directory(workspace):
    with workspace.connect() as con:
        add_user(con, actor_for(con, "x"), "ana", role="steward", organisation="INS")
        steward = actor_for(con, "ana")
        add_user(con, steward, "lia", role="liaison", organisation="INS")
        add_user(con, steward, "partner", role="partner", organisation="relief-agency")
        nets = [network(i, ["HT0111", "HT0112"], ["VEN"]) for i in range(12)]       # two communes of HT01 each
        nets += [network(20 + i, ["HT0921"], ["VEN", "CUB"]) for i in range(4)]
        nets += [network(30 + i, ["HT0121"], ["SYR"], public_listing=i == 0) for i in range(3)]
        add_networks(con, actor_for(con, "lia"), nets)
    return workspace


def test_rows_are_validated_with_their_location(directory) -> None:
    rows = [{"network_id": "A", "name": "x", "kind": "club", "areas": "HT0111"},
            {"network_id": "B", "name": "y", "kind": "faith_group", "areas": "", "services": "food;magic"}]
    with pytest.raises(RejectedInput) as exc:
        parse_networks(rows, source="nets.csv")
    where = {(i.row, i.column) for i in exc.value.issues}
    assert {(1, "kind"), (2, "areas"), (2, "services.1")} <= where
    with directory.connect() as con, pytest.raises(RejectedInput) as exc:
        add_networks(con, actor_for(con, "lia"), [network(99, ["HT0111", "XX99"], ["ZZZ"])])
    assert {i.code for i in exc.value.issues} == {"unknown-area", "unknown-country"}


def test_only_directory_keepers_list_networks_and_refusals_are_logged(directory) -> None:
    with directory.connect() as con:
        assert len(list_networks(con, actor_for(con, "lia"))) == 19
        with pytest.raises(PolicyRefused):
            list_networks(con, actor_for(con, "partner"))
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'access.refused' AND actor = 'partner'"
                           ).fetchone()[0] == 1
        assert list_networks(con, None, public_only=True)["network_id"].tolist() == ["N30"]


def test_coverage_counts_each_network_once_per_area_and_hides_small_counts(directory) -> None:
    with directory.connect() as con:
        finest = coverage_counts(con, "adm1").set_index(["area", "nationality"])["value"]
        assert finest[("HT01", "VEN")] == 12                      # not 24: two communes, one department
        assert finest[("HT09", "VEN")] == 4 and finest[("HT01", "SYR")] == 3
        fine = coverage_counts(con, "adm2").set_index(["area", "nationality"])["value"]
        assert fine[("HT0111", "VEN")] == 12 and fine[("HT0112", "VEN")] == 12
        cov = network_coverage(con, level="adm1")
        assert any(s.startswith("12 networks cover nationals of Venezuela (VEN) in") for s in cov.statements)
        communes = network_coverage(con, level="adm2").statements
        assert communes and all(s.endswith(("(HT0111)", "(HT0112)", "(HT0121)", "(HT0921)")) for s in communes)
        add_networks(con, actor_for(con, "lia"), [network(50, ["HT0111"], ["HTI"])])  # a lone network
        cov = network_coverage(con, level="adm1")
        cells = cov.table.cells.set_index(["area", "nationality"])
        assert pd.isna(cells.loc[("HT01", "HTI"), "value"]) and cells.loc[("HT01", "HTI"), "flag"] == "p"
        shown = cov.table.cells.dropna(subset=["value"])
        assert ((shown["value"] == 0) | (shown["value"] >= 3)).all() and cov.table.audit["ok"]
        assert not any("HTI" in s for s in cov.statements)
        with pytest.raises(RejectedInput):
            network_coverage(con, min_count=1)


def test_cli_commands_drive_the_same_services(directory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas.commands import evidence, networks, trafficking

    app = typer.Typer()
    for name, sub in (("networks", networks.app), ("evidence", evidence.app), ("trafficking", trafficking.app)):
        app.add_typer(sub, name=name)
    home = ["--home", str(directory.home)]
    monkeypatch.setenv("ATLAS_USER", "lia")
    rows = tmp_path / "focal.csv"
    rows.write_text("focal_id,network_id,full_name,phone,areas,consent_purposes,consent_given,consent_scope\n"
                    "F1,N1,Quinta Marlowe-Test,+509 1111 2222,HT0111,emergency_response,2026-01-02,always\n",
                    encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["networks", "focal-add", str(rows), *home]).exit_code == 0
    out = runner.invoke(app, ["networks", "coverage", "--out", str(tmp_path / "cov"), *home])
    assert out.exit_code == 0 and "networks cover" in out.stdout
    monkeypatch.setenv("ATLAS_USER", "partner")
    refused = runner.invoke(app, ["networks", "contact", "F1", "--purpose", "emergency_response", *home])
    assert isinstance(refused.exception, PolicyRefused) and refused.exception.clause == "agreement"
    monkeypatch.setenv("ATLAS_USER", "ana")
    out = runner.invoke(app, ["trafficking", "table", "--level", "adm2", *home])
    assert isinstance(out.exception, PolicyRefused) and out.exception.clause == "trafficking.finest_geography"
    text = tmp_path / "note.md"
    text.write_text("Women reported long queues at the clinic.", encoding="utf-8")
    out = runner.invoke(app, ["evidence", "add", "E1", "--file", str(text), "--title", "Clinic queues", "--themes",
                              "health", "--method", "interview", "--places", "HT0111", *home])
    assert out.exit_code == 0, out.stdout
    out = runner.invoke(app, ["evidence", "search", "clinic", *home])
    assert out.exit_code == 0 and "E1" in out.stdout


def test_demo_step_writes_only_protected_aggregates(tmp_path: Path) -> None:
    from atlas.demo.contingency import run_contingency
    from atlas.demo.country import demo_areas, write_cod_ab_style
    from atlas.demo.directory import demo_focal_points, demo_networks
    from atlas.geo.boundaries import import_boundaries
    from atlas.settings import Settings
    from atlas.store.keys import encode_key, new_key
    from atlas.store.workspace import Workspace

    settings = Settings(home=tmp_path / "ws", master_key=encode_key(new_key()), threads=2)
    Workspace.init(settings)
    ws = Workspace.open(settings)
    with ws.connect() as con:
        for level in (1, 2):
            import_boundaries(con, write_cod_ab_style(tmp_path / f"xat{level}.geojson", level), country="XAT",
                              level=level)
    written = run_contingency(ws, tmp_path / "out")
    assert {"network_coverage", "focal_point_coverage", "evidence_public", "trafficking", "summary"} <= set(written)
    summary = written["summary"].read_text(encoding="utf-8")
    assert '"contact_without_agreement": "agreement"' in summary
    people = demo_focal_points(demo_networks(demo_areas(), "XAT", 1), demo_areas(), "XAT", 1)
    secrets = [p.full_name for p in people[:40]] + [p.phone for p in people[:40] if p.phone]
    secrets += ["Zorvath Quillane", "XA1234567", "ilsabet.fake@example.org"]
    for root in (tmp_path / "out", tmp_path / "ws"):
        for path in (p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            assert not [s for s in secrets if s.encode() in data], path
    trafficking = pd.read_csv(written["trafficking"], dtype=str)
    assert set(trafficking["area"]) <= {"_T"} | {f"XAT0{i}" for i in range(1, 9)}
    shown = pd.to_numeric(trafficking["value"]).dropna()
    assert ((shown == 0) | (shown >= 20)).all()
