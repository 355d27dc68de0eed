"""Ingest over HTTP: the validation report comes back; only those with the ingest permission may upload."""

from __future__ import annotations

from .conftest import bearer

CSV = b"record_id,sex,age,nationality,district\n1,F,34,VEN,HT0111\n2,M,200,Narnia,HT0111\n3,F,20,DOM,HT0112\n"
MAPPING = b"kind: person\nsource: api upload\nlegal_basis: public_task\npurposes: [statistics]\n"


def _files(data: bytes = CSV, name: str = "people.csv") -> dict:
    return {"file": (name, data, "text/csv"), "mapping": ("mapping.yaml", MAPPING, "application/yaml")}


def test_dry_run_returns_the_report_and_stores_nothing(client, world) -> None:
    r = client.post("/api/v1/ingest", files=_files(), data={"dry_run": "true", "country": "HTI"},
                    headers=bearer(world, "alice"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["committed"] is False and body["rows_read"] == 3 and body["file"] == "people.csv"
    assert body["issue_count"] >= 1 and {i["column"] for i in body["issues"]} & {"age", "nationality"}
    assert all("upload-" not in (i.get("file") or "") for i in body["issues"])
    assert {c["field"] for c in body["columns"]} >= {"sex", "age"}


def test_upload_stores_a_batch_and_leaves_no_temporary_file(client, world) -> None:
    r = client.post("/api/v1/ingest", files=_files(), data={"country": "HTI"}, headers=bearer(world, "alice"))
    assert r.status_code == 201 and r.json()["committed"] is True and r.json()["batch_id"]
    assert not list((world.home / "tmp").glob("upload-*"))
    dup = client.post("/api/v1/ingest", files=_files(), data={"country": "HTI"}, headers=bearer(world, "alice"))
    assert dup.status_code == 422 and dup.json()["code"] == "rejected-input"
    assert "upload-" not in dup.text


def test_reject_policy_refuses_the_whole_batch(client, world) -> None:
    r = client.post("/api/v1/ingest", files=_files(CSV.replace(b"1,F", b"9,F")), data={"policy": "reject",
                    "country": "HTI"}, headers=bearer(world, "alice"))
    assert r.status_code == 422 and r.json()["issues"]


def test_only_ingest_permission_may_upload(client, world) -> None:
    assert client.post("/api/v1/ingest", files=_files(), headers=bearer(world, "pia")).status_code == 403
    assert client.post("/api/v1/ingest", files=_files()).status_code == 401
    no_ext = client.post("/api/v1/ingest", files=_files(name="people"), headers=bearer(world, "alice"))
    assert no_ext.status_code == 422


def test_uploaded_identifiers_are_not_left_readable_on_disk(client, world) -> None:
    names = ("Wilhelmina Zarkovsky", "Bartholomew Quennell")
    data = ("record_id,full_name,sex,age,nationality,district\n"
            f"11,{names[0]},F,34,VEN,HT0111\n12,{names[1]},M,40,DOM,HT0112\n").encode()
    r = client.post("/api/v1/ingest", files=_files(data, "named.csv"), data={"country": "HTI"},
                    headers=bearer(world, "alice"))
    assert r.status_code == 201 and r.json()["committed"] is True
    assert any(c["identifier"] for c in r.json()["columns"])
    for path in (p for p in world.home.rglob("*") if p.is_file()):
        blob = path.read_bytes()
        for name in names:
            assert name.encode() not in blob and name.encode("utf-16-le") not in blob, path


def test_consent_events_are_uploaded_as_their_own_batch_kind(client, world) -> None:
    r = client.post("/api/v1/ingest", files=_files(CSV.replace(b"1,F,34", b"7,F,34"), "register.csv"),
                    data={"country": "HTI"}, headers=bearer(world, "alice"))
    assert r.status_code == 201 and r.json()["committed"] is True
    events = b"person id,event,purposes,date,channel\n7,withdrawn,statistics,2024-03-01,SMS\n"
    w = client.post("/api/v1/ingest", files={"file": ("withdrawals.csv", events, "text/csv")},
                    data={"kind": "consent"}, headers=bearer(world, "alice"))
    assert w.status_code == 201, w.text
    assert w.json()["committed"] is True and w.json()["rows_stored"] == 1
    bad = client.post("/api/v1/ingest", files={"file": ("w.csv", events, "text/csv")},
                      data={"kind": "consents"}, headers=bearer(world, "alice"))
    assert bad.status_code == 422
