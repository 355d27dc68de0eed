"""Releases end to end: agreement -> release -> verify -> tamper -> verify fails; fingerprints; changes; refusals."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.fingerprint import recipient_secret, trace_file
from atlas.privacy.users import actor_for
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import add_agreement, set_status
from atlas.sharing.release import run_release, verify_release
from atlas.store.workspace import Workspace

from .conftest import agreement_data


def _add(ws: Workspace, **over: object) -> str:
    a = parse_agreement(agreement_data(**over))
    with ws.connect() as con:
        add_agreement(con, actor_for(con, ws.settings.user), a)
    return a.name


def _writable(path: Path) -> None:
    os.chmod(path.parent, 0o755)
    os.chmod(path, 0o644)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_release_package_is_complete_signed_and_immutable(populated: Workspace) -> None:
    name = _add(populated)
    r = run_release(populated, name)
    assert r.path == populated.releases_dir / name / "1"
    names = {p.name for p in r.path.iterdir()}
    assert {"by_dept_sex.csv", "by_dept_sex.json", "by_dept_sex.structure.json", "disclosure_report.json",
            "metadata.json", "changes.json", "manifest.json", "manifest.sig"} <= names
    manifest = json.loads((r.path / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json", "manifest.sig"}
    assert manifest["signature"]["algorithm"] == "Ed25519"
    report = json.loads((r.path / "disclosure_report.json").read_text())
    assert {t["table"] for t in report["tables"]} == {"by_dept_sex", "by_nat_sex"}
    assert all(t["audit"]["ok"] and t["parameters"]["min_count"] == 10 for t in report["tables"])
    meta = json.loads((r.path / "metadata.json").read_text())
    assert meta["sources"] and meta["vocabulary_version"] and meta["recipient"] == "consulate-VEN"
    assert not os.access(r.path / "by_dept_sex.csv", os.W_OK) or os.geteuid() == 0
    ok = verify_release(r.path)
    assert ok.ok and ok.files_checked == len(manifest["files"])


@pytest.mark.parametrize("target", ["by_dept_sex.csv", "metadata.json", "by_nat_sex.json", "manifest.json"])
def test_one_altered_byte_is_caught_and_the_file_named(populated: Workspace, target: str) -> None:
    r = run_release(populated, _add(populated))
    path = r.path / target
    _writable(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify_release(r.path)
    assert not result.ok
    assert any(target in p for p in result.problems)


def test_added_or_removed_files_and_foreign_keys_are_caught(populated: Workspace) -> None:
    r = run_release(populated, _add(populated))
    os.chmod(r.path, 0o755)
    (r.path / "extra.csv").write_text("x\n")
    assert any("extra.csv" in p and "not listed" in p for p in verify_release(r.path).problems)
    (r.path / "extra.csv").unlink()
    (r.path / "by_nat_sex.csv").unlink()
    assert any("by_nat_sex.csv" in p and "missing" in p for p in verify_release(r.path).problems)
    assert not verify_release(r.path, trusted_key="00" * 32).ok


def test_rows_are_fingerprinted_per_recipient_without_changing_values(populated: Workspace) -> None:
    name = _add(populated, parties={"provider": "INS", "recipients": ["consulate-VEN", "ocha"]})
    r = run_release(populated, name)
    ven, ocha = (r.packages[k] / "by_dept_sex.csv" for k in ("consulate-VEN", "ocha"))
    a, b = _rows(ven), _rows(ocha)
    assert a[0] == b[0] and sorted(a[1:]) == sorted(b[1:]) and a[1:] != b[1:]
    secrets = {k: recipient_secret(populated.keys, k) for k in ("consulate-VEN", "ocha")}
    assert trace_file(ven, secrets).recipient == "consulate-VEN"
    assert trace_file(ocha, secrets).recipient == "ocha"
    assert verify_release(r.path).packages == 2
    manifest = json.loads((r.packages["ocha"] / "manifest.json").read_text())
    assert any("fingerprint_mark" in f for f in manifest["files"])


def test_second_release_says_what_changed_and_is_protected_with_the_first(populated: Workspace, tmp_path: Path) -> None:
    from .conftest import ingest_population

    name = _add(populated)
    first = run_release(populated, name)
    second = run_release(populated, name)
    changes = json.loads((second.path / "changes.json").read_text())
    assert changes["previous"] == first.release_id
    assert all(t["cells_changed"] == 0 for t in changes["tables"].values())
    report = json.loads((second.path / "disclosure_report.json").read_text())
    assert all(t["protected_with_earlier_releases"] == 1 for t in report["tables"])
    rows = {"record_id": [f"n{i}" for i in range(30)], "sex": ["F"] * 30, "age": ["30"] * 30,
            "nationality": ["VEN"] * 30, "district": ["HT0921"] * 30}
    ingest_population(populated, tmp_path / "more", rows)
    third = run_release(populated, name)
    changes = json.loads((third.path / "changes.json").read_text())
    assert changes["tables"]["by_dept_sex"]["cells_changed"] > 0
    assert first.path.exists() and verify_release(first.path).ok


def test_suspended_or_expired_agreement_releases_nothing(populated: Workspace) -> None:
    name = _add(populated)
    with populated.connect() as con:
        set_status(con, actor_for(con, populated.settings.user), name, "suspended", "review")
    with pytest.raises(PolicyRefused) as exc:
        run_release(populated, name)
    assert exc.value.clause == "status"
    expired = _add(populated, name="old", start="2024-01-01", expiry="2025-01-01")
    with pytest.raises(PolicyRefused) as exc:
        run_release(populated, expired)
    assert exc.value.clause == "expiry"
    assert not (populated.releases_dir / name).exists()


def test_partner_cannot_run_releases(populated: Workspace) -> None:
    from atlas.privacy.users import add_user

    name = _add(populated)
    with populated.connect() as con:
        boot = actor_for(con, "ana")
        add_user(con, boot, "ana", role="steward")
        add_user(con, actor_for(con, "ana"), "pia", role="partner", organisation="consulate-VEN")
        pia = actor_for(con, "pia")
    with pytest.raises(PolicyRefused) as exc:
        run_release(populated, name, pia)
    assert exc.value.clause == "access:approve_sharing"


def test_standard_formats_in_a_release_pass_their_validators(populated: Workspace) -> None:
    hxl = pytest.importorskip("hxl")
    frictionless = pytest.importorskip("frictionless")
    sdmx_io = pytest.importorskip("pysdmx.io")
    r = run_release(populated, _add(populated, formats=["csv", "hxl", "sdmx", "datapackage"]))
    assert verify_release(r.path).ok
    hxl_rows = list(hxl.data(str(r.path / "by_dept_sex.hxl.csv"), hxl.InputOptions(allow_local=True)))
    assert len(hxl_rows) == len(_rows(r.path / "by_dept_sex.csv")) - 1
    assert frictionless.validate(str(r.path / "by_nat_sex.datapackage.json")).valid
    assert len(sdmx_io.read_sdmx(str(r.path / "by_dept_sex.sdmx.csv")).data[0].data) == len(hxl_rows)
    assert _rows(r.path / "by_dept_sex.hxl.csv")[1][0] == "#loc+code"


def test_geojson_in_a_release_uses_the_workspace_boundaries(populated: Workspace) -> None:
    import geopandas as gpd

    r = run_release(populated, _add(populated, formats=["csv", "geojson"]))
    assert verify_release(r.path).ok
    frame = gpd.read_file(r.path / "by_dept_sex.geojson")
    assert set(frame["pcode"]) >= {"HT01", "HT09"} and "value_female" in frame.columns
    assert not (r.path / "by_nat_sex.geojson").exists()


def test_public_release_is_open_data_with_a_licence_and_no_fingerprints(populated: Workspace) -> None:
    name = _add(populated, name="open-data", parties={"provider": "INS", "recipients": ["public"]},
                licence="CC-BY-4.0", special_runs={"allowed": False}, formats=["csv", "datapackage"])
    r = run_release(populated, name)
    manifest = json.loads((r.path / "manifest.json").read_text())
    assert not any("fingerprint_mark" in f for f in manifest["files"])
    assert json.loads((r.path / "metadata.json").read_text())["licence"] == "CC-BY-4.0"
    assert json.loads((r.path / "by_dept_sex.datapackage.json").read_text())["licenses"] == [{"name": "CC-BY-4.0"}]
    assert verify_release(r.path).ok


def test_new_versions_keep_a_suspension_and_old_versions_stay(populated: Workspace) -> None:
    from atlas.sharing.catalog import get_agreement

    name = _add(populated)
    with populated.connect() as con:
        set_status(con, actor_for(con, populated.settings.user), name, "suspended", "review")
    _add(populated, formats=["csv"])
    with populated.connect() as con:
        latest = get_agreement(con, name)
        first = get_agreement(con, name, 1)
    assert latest.version == 2 and latest.status == "suspended" and latest.formats == ["csv"]
    assert first.formats == ["csv", "json"]
